function s = describe_path(path)
%DESCRIBE_PATH  A recording's path for messages; a session's first and last files.
if ischar(path)
  s = path;
elseif numel(path) == 1
  s = path{1};
else
  s = sprintf('%s ... %s (a session of %d files)', path{1}, path{end}, numel(path));
end
end
