function [result, has_result] = call_callback(fn, args)
%CALL_CALLBACK  FN(ARGS{:}) with one output, or with none when FN has none:
%   a function declared without outputs (function detect(x)), or an
%   anonymous function whose expression calls one (@(x) detect(x, 4)), runs
%   for its side effects and HAS_RESULT is false. FN runs exactly once.
result = [];
try
  declared = nargout(fn);
catch
  declared = -1;   % Octave cannot tell for built-in functions (@max): they have outputs
end
if declared == 0
  fn(args{:});
  has_result = false;
  return
end
try
  result = fn(args{:});
  has_result = true;
catch err
  if ~called_without_output(err)
    rethrow(err);
  end
  % The function that refused an output never started: run it once, without.
  fn(args{:});
  has_result = false;
end
end

function tf = called_without_output(err)
% "Too many outputs" raised for the call that the anonymous function FN makes
% itself (not somewhere deeper, after side effects): the frames above this
% file's are at most the anonymous function and the refused callee, which
% never ran (Octave lists it with line -1; MATLAB does not list it).
too_many = any(strcmp(err.identifier, {'MATLAB:TooManyOutputs', 'MATLAB:maxlhs'})) || ...
           (strcmp(err.identifier, 'Octave:invalid-fun-call') && ~isempty(strfind(err.message, 'called with too many outputs')));
tf = false;
if ~too_many
  return
end
names = {err.stack.name};
here = find(~cellfun('isempty', regexp(names, '(^|[.>/])call_callback$', 'once')), 1);
if isempty(here)
  return
end
above = err.stack(1:here - 1);
% Anonymous functions are named '@(x)...' or 'file>@<anonymous>'.
anonymous = @(frame) ~isempty(regexp(frame.name, '(^|>)@', 'once'));
if numel(above) == 1
  tf = anonymous(above(1));
elseif numel(above) == 2
  tf = anonymous(above(2)) && above(1).line <= 0;
end
end
