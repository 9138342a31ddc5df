function y = castValues(x, dtype)
%CASTVALUES  X converted to DTYPE ('int16', 'float32', ...) exactly as
%   cast_dtype does in every neurobatch binding: integers wrap to the target
%   width, floats truncate toward zero (saturating; NaN becomes 0). Note that
%   MATLAB's own int16(x) rounds instead.
y = neurobatch.internal.neurobatch_mex('cast', x, dtype);
end
