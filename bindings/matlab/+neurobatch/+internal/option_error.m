function option_error(where, option, fmt, varargin)
%OPTION_ERROR  Raises neurobatch:arg:bad<Option> (bad + the option's name in
%   CamelCase, e.g. neurobatch:arg:badMaxMemory for max_memory) with a
%   message that starts with the function called and the option's name:
%   FMT continues it ("must be ...", or ": <the library's message>").
parts = strsplit(option, '_');
for k = 1:numel(parts)
  if ~isempty(parts{k})
    parts{k}(1) = upper(parts{k}(1));
  end
end
id = ['neurobatch:arg:bad' strjoin(parts, '')];
text = sprintf(fmt, varargin{:});
if text(1) ~= ':'
  text = [' ' text];
end
error(id, '%s: %s%s', where, option, text);
end
