function bytes = memory_bytes(v, where)
%MEMORY_BYTES  max_memory as bytes: a whole number, or text such as '300MB'.
if isa(v, 'string') && isscalar(v)
  v = char(v);
end
if ischar(v)
  v = neurobatch.internal.check_text(v, 'max_memory', where);
  try
    bytes = neurobatch.internal.gateway('parse_max_memory', v);
  catch err
    neurobatch.internal.option_error(where, 'max_memory', ': %s', err.message);
  end
  return
end
if ~(isnumeric(v) && isscalar(v) && ~issparse(v) && isreal(v) && v == fix(v) && v >= 0 && v <= flintmax('double'))
  neurobatch.internal.option_error(where, 'max_memory', 'must be a whole number of bytes from 0 to 2^53 or text such as ''300MB'', got %s', ...
                                   neurobatch.internal.describe_value(v));
end
bytes = double(v);
end
