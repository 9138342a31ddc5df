function s = describe_value(v, how)
%DESCRIBE_VALUE  A short description of V for error messages: 'no', NaN,
%   1e+30, true, or "a 2x3 char array", "a sparse 5x5 double", ...
%   describe_value(V, 'kind') always gives the kind and size.
if nargin > 1 && strcmp(how, 'kind')
  s = kind_of(v);
elseif ischar(v) && size(v, 1) == 1 && numel(v) <= 60 && ~any(v == 0)
  s = ['''' v ''''];
elseif isa(v, 'string') && isscalar(v)
  s = ['"' char(v) '"'];
elseif (isnumeric(v) || islogical(v)) && isscalar(v) && ~issparse(v)
  if islogical(v)
    names = {'false', 'true'};
    s = names{double(v) + 1};
  elseif ~isreal(v)
    s = sprintf('the complex number %s', num2str(v));
  else
    s = num2str(v);
  end
else
  s = kind_of(v);
end
end

function s = kind_of(v)
dims = sprintf('%dx', size(v));
dims = dims(1:end - 1);
kind = class(v);
if issparse(v)
  kind = ['sparse ' kind];
end
if isnumeric(v) && ~isreal(v)
  kind = ['complex ' kind];
end
if ischar(v) || iscell(v) || isstruct(v)
  kind = [kind ' array'];
end
s = sprintf('a %s %s', dims, kind);
end
