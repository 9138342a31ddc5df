function y = castValues(x, dtype)
%CASTVALUES  X converted to DTYPE ('int16', 'float32', ...) exactly as
%   cast_dtype does in every neurobatch binding: integers wrap to the target
%   width, floats truncate toward zero (saturating; NaN becomes 0). Note that
%   MATLAB's own int16(x) rounds instead. X is a real numeric array of any
%   shape (kept); a sparse X is converted to full first.
where = 'castValues';
dtype = neurobatch.internal.check_name('dtype', dtype, 'dtype', where);
if issparse(x)
  x = full(x);
end
if ~isnumeric(x) || ~isreal(x)
  neurobatch.internal.option_error(where, 'values', 'must be a real numeric array (int8..uint64, single or double), got %s', ...
                                   neurobatch.internal.describe_value(x));
end
y = neurobatch.internal.gateway('cast', x, dtype);
end
