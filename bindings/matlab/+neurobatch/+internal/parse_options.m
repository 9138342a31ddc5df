function opts = parse_options(defaults, args, where)
%PARSE_OPTIONS  Name-value pairs into a struct with the fields of DEFAULTS.
%   Errors say which argument is wrong: an option without its value, a
%   value where a name was expected, or an unknown name (listing the known
%   ones). String scalars (MATLAB's "text") are taken as character vectors.
opts = defaults;
known = fieldnames(defaults)';
for k = 1:2:numel(args)
  name = args{k};
  if isa(name, 'string') && isscalar(name)
    name = char(name);
  end
  if ~ischar(name) || size(name, 1) ~= 1
    error('neurobatch:arg:nameValue', '%s: expected an option name (one of %s) where %s was given; options come in name-value pairs', ...
          where, strjoin(known, ', '), neurobatch.internal.describe_value(name));
  end
  if ~isfield(defaults, name)
    error('neurobatch:arg:unknownOption', '%s: unknown option ''%s''; expected one of: %s', where, name, strjoin(known, ', '));
  end
  if k == numel(args)
    error('neurobatch:arg:nameValue', '%s: option ''%s'' has no value; options come in name-value pairs', where, name);
  end
  value = args{k + 1};
  if isa(value, 'string') && isscalar(value)
    value = char(value);
  end
  opts.(name) = value;
end
end
