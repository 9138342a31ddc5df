function varargout = gateway(command, varargin)
%GATEWAY  Calls the MEX gateway; its errors reach the user as the package's
%   own: without the "neurobatch_mex: " prefix Octave puts on every MEX error
%   message, and with observation numbers counted from 1 like everything
%   else in the package (the library counts from 0).
try
  [varargout{1:nargout}] = neurobatch.internal.neurobatch_mex(command, varargin{:});
catch err
  error(struct('identifier', err.identifier, 'message', user_message(err.message)));
end
end

function msg = user_message(msg)
prefix = 'neurobatch_mex: ';
if strncmp(msg, prefix, numel(prefix))
  msg = msg(numel(prefix) + 1:end);
end
% Read errors name the observation where reading failed (0-based in C).
[tokens, rest] = regexp(msg, 'at observation (\d+)', 'tokens', 'split');
if ~isempty(tokens)
  out = rest{1};
  for k = 1:numel(tokens)
    out = [out, sprintf('at observation %d', str2double(tokens{k}{1}) + 1), rest{k + 1}]; %#ok<AGROW>
  end
  msg = out;
end
end
