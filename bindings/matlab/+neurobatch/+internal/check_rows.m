function [from, to] = check_rows(rows, n_obs, where)
%CHECK_ROWS  Observations to read, counted from 1: ':' for all, one
%   number, or a contiguous increasing range such as 1:2000 (empty selects
%   nothing). Returned as the library's 0-based [from, to).
if ischar(rows) && strcmp(rows, ':')
  from = 0;
  to = n_obs;
  return
end
if isnumeric(rows) && isempty(rows)
  from = 0;
  to = 0;
  return
end
if ~isnumeric(rows) || ~isvector(rows) || issparse(rows) || ~isreal(rows) || any(rows ~= fix(rows)) || any(diff(rows(:)) ~= 1)
  neurobatch.internal.option_error(where, 'rows', ['must be '':'' or a contiguous increasing range of observations counting ' ...
                                   'from 1, such as 1:2000, got %s'], neurobatch.internal.describe_value(rows));
end
if isscalar(rows) && (rows < 1 || rows > n_obs)
  neurobatch.internal.option_error(where, 'rows', 'select observation %d, which does not exist: the recording has observations 1 to %d', ...
                                   rows, n_obs);
elseif rows(1) < 1 || rows(end) > n_obs
  neurobatch.internal.option_error(where, 'rows', '%d:%d go beyond the recording, which has observations 1 to %d', ...
                                   rows(1), rows(end), n_obs);
end
from = double(rows(1)) - 1;
to = double(rows(end));
end
