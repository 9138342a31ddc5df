function c = check_channels(channels, n_channels, where)
%CHECK_CHANNELS  Channels counted from 1 ('all', ':', a number, a vector in
%   any order with repeats allowed, or a logical mask of N_CHANNELS) as the
%   0-based row vector the gateway takes ('all' stays 'all').
if isa(channels, 'string') && isscalar(channels)
  channels = char(channels);
end
if ischar(channels)
  if ~any(strcmp(channels, {'all', ':'}))
    neurobatch.internal.option_error(where, 'channels', 'must be ''all'' or channel numbers counting from 1, got %s', ...
                                     neurobatch.internal.describe_value(channels));
  end
  c = 'all';
  return
end
if islogical(channels) && isvector(channels) && numel(channels) == n_channels
  channels = find(channels);
end
if isempty(channels)
  neurobatch.internal.option_error(where, 'channels', 'selects no channel: give at least one, or ''all''');
end
if ~isnumeric(channels) || ~isvector(channels) || issparse(channels) || ~isreal(channels) || any(channels ~= fix(channels))
  neurobatch.internal.option_error(where, 'channels', 'must be ''all'' or a vector of whole channel numbers counting from 1, got %s', ...
                                   neurobatch.internal.describe_value(channels));
end
bad = channels(channels < 1 | channels > n_channels);
if ~isempty(bad)
  neurobatch.internal.option_error(where, 'channels', 'includes channel %s, which does not exist: the recording has channels 1 to %d', ...
                                   num2str(bad(1)), n_channels);
end
c = double(reshape(channels, 1, [])) - 1;
end
