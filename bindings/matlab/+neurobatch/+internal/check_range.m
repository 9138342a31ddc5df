function [from, to] = check_range(from_time, to_time, n_obs, where)
%CHECK_RANGE  from_time and to_time, the first and last observation of a
%   traversal counted from 1 (both included, as in x(from_time:to_time, :);
%   [] for the start and the end), as the library's 0-based [from, to).
%   from_time = to_time + 1 selects nothing.
from = 0;
to = n_obs;
if ~isempty(from_time)
  from = neurobatch.internal.check_whole(from_time, 'from_time', where, 1, 'observations (counting from 1)') - 1;
end
if ~isempty(to_time)
  to = neurobatch.internal.check_whole(to_time, 'to_time', where, 0, 'observations (counting from 1)');
end
if to > n_obs
  neurobatch.internal.option_error(where, 'to_time', '%d is past the last observation: the recording has observations 1 to %d', to, n_obs);
end
if from > to
  neurobatch.internal.option_error(where, 'from_time', ['%d comes after to_time %d: from_time:to_time must not go backwards ' ...
                                   '(from_time = to_time + 1 selects nothing)'], from + 1, to);
end
end
