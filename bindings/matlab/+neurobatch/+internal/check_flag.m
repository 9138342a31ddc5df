function tf = check_flag(v, option, where)
%CHECK_FLAG  true/false: a logical scalar, or the number 0 or 1.
if (islogical(v) || isnumeric(v)) && isscalar(v) && ~issparse(v) && isreal(v) && (v == 0 || v == 1)
  tf = logical(v);
  return
end
neurobatch.internal.option_error(where, option, 'must be true or false (or 1 or 0), got %s', neurobatch.internal.describe_value(v));
end
