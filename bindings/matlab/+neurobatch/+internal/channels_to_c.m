function c = channels_to_c(channels, n_channels)
%CHANNELS_TO_C  1-based MATLAB channels ('all', a scalar or a vector) to the
%   0-based double vector the gateway takes ('all' stays 'all').
if ischar(channels)
  if ~strcmp(channels, 'all')
    error('neurobatch:arg:badChannel', 'channels must be ''all'' or channel numbers counting from 1, got ''%s''', channels);
  end
  c = 'all';
  return
end
if isempty(channels)
  error('neurobatch:arg:badChannel', 'the channel list is empty: select at least one channel, or ''all''');
end
if ~isnumeric(channels) || any(channels(:) ~= fix(channels(:)))
  error('neurobatch:arg:badChannel', 'channels must be whole channel numbers counting from 1');
end
bad = channels(channels < 1 | channels > n_channels);
if ~isempty(bad)
  error('neurobatch:arg:badChannel', 'channel %d does not exist: the recording has channels 1 to %d (channels count from 1)', bad(1), n_channels);
end
c = double(channels(:)') - 1;
end
