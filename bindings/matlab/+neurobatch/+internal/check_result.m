function result = check_result(result, k, n, single, where, use)
%CHECK_RESULT  A batch's result that is to be written ('disk') or cast
%   ('cast_dtype'): a real, full numeric matrix (single-channel: a vector).
%   Sparse results become full; anything else is an error that names the
%   batch and says how to fix the function.
if issparse(result)
  result = full(result);
end
what = neurobatch.internal.describe_value(result, 'kind');
head = sprintf('%s: the function returned %s for batch %d of %d', where, what, k, n);
if strcmp(use, 'disk')
  use = '''disk'' outputs';
end
if ~isnumeric(result)
  hint = '';
  if islogical(result)
    hint = ', e.g. uint8(y) or double(y)';
  end
  error('neurobatch:apply:badResult', '%s; %s take numbers: return a numeric matrix (int8..uint64, single or double)%s', head, use, hint);
end
if ~isreal(result)
  error('neurobatch:apply:badResult', '%s; %s take real numbers: return real(y) or abs(y)', head, use);
end
if ndims(result) > 2
  error('neurobatch:apply:badResult', '%s; %s take observations x channels matrices', head, use);
end
if single && ~isvector(result) && ~isempty(result)
  error('neurobatch:apply:badResult', '%s; a single-channel result is one vector (one value per observation)', head);
end
end
