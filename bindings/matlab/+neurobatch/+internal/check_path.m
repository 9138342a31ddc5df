function p = check_path(p, where)
%CHECK_PATH  A recording's path, or a vector cell array of paths (a session
%   recorded in several files, in time order; returned as a row).
if iscell(p)
  if isempty(p) || ~isvector(p)
    neurobatch.internal.option_error(where, 'path', ['of a session must be a vector cell array of paths in time order, ' ...
                                     '{first, second, ...}, got %s'], neurobatch.internal.describe_value(p));
  end
  p = reshape(p, 1, []);
  for k = 1:numel(p)
    p{k} = neurobatch.internal.check_text(p{k}, 'path', sprintf('%s (file %d of the session)', where, k));
  end
  return
end
p = neurobatch.internal.check_text(p, 'path', where);
if isempty(p)
  neurobatch.internal.option_error(where, 'path', 'is empty');
end
end
