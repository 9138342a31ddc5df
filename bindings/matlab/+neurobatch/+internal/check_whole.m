function v = check_whole(v, option, where, lowest, unit)
%CHECK_WHOLE  A whole number from LOWEST to 2^53 (the integers a double holds
%   exactly), as a double. UNIT names what it counts, for the message.
if isnumeric(v) && isscalar(v) && ~issparse(v) && isreal(v) && v == fix(v) && v >= lowest && v <= flintmax('double')
  v = double(v);
  return
end
neurobatch.internal.option_error(where, option, 'must be a whole number of %s from %d to 2^53, got %s', unit, lowest, ...
                                 neurobatch.internal.describe_value(v));
end
