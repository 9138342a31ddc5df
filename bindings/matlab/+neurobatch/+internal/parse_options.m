function opts = parse_options(defaults, args, where)
%PARSE_OPTIONS  Name-value pairs into a struct with the fields of DEFAULTS.
%   Unknown names are errors that list the known ones.
opts = defaults;
if mod(numel(args), 2) ~= 0
  error('neurobatch:arg:nameValue', '%s: options come in name-value pairs', where);
end
known = fieldnames(defaults);
for k = 1:2:numel(args)
  name = args{k};
  if ~ischar(name)
    error('neurobatch:arg:nameValue', '%s: option names must be character vectors', where);
  end
  if ~isfield(defaults, name)
    error('neurobatch:arg:unknownOption', '%s: unknown option ''%s''; expected one of: %s', ...
          where, name, strjoin(known', ', '));
  end
  opts.(name) = args{k + 1};
end
end
