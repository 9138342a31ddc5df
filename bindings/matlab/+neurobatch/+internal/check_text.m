function v = check_text(v, option, where)
%CHECK_TEXT  One row of text without NUL characters (what the library takes).
if isa(v, 'string') && isscalar(v)
  v = char(v);
end
if ~ischar(v) || ~(isempty(v) || size(v, 1) == 1) || ndims(v) > 2
  neurobatch.internal.option_error(where, option, 'must be a character vector (one row of text), got %s', ...
                                   neurobatch.internal.describe_value(v));
end
if any(v == 0)
  neurobatch.internal.option_error(where, option, 'contains a NUL character (position %d), which no path or name can hold', ...
                                   find(v == 0, 1));
end
v = reshape(v, 1, []);
end
