function err = expect_error(fn, id, part)
%EXPECT_ERROR  FN() must raise an error with identifier ID whose message
%   contains PART (when given).
try
  fn();
catch err
  assert(strcmp(err.identifier, id), 'expected error %s, got %s: %s', id, err.identifier, err.message);
  if nargin > 2
    assert(~isempty(strfind(err.message, part)), 'the message "%s" does not mention "%s"', err.message, part);
  end
  return
end
error('neurobatch:test:noError', 'expected error %s, but nothing was raised', id);
end
