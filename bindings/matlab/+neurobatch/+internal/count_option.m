function v = count_option(v, name)
%COUNT_OPTION  [] or a non-negative whole number (a sample index or count).
if isempty(v)
  v = [];
  return
end
if ~isnumeric(v) || ~isscalar(v) || v < 0 || v ~= fix(v)
  error('neurobatch:arg:badValue', '%s must be a non-negative whole number', name);
end
v = double(v);
end
