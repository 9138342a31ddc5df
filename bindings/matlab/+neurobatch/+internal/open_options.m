function o = open_options(o, where)
%OPEN_OPTIONS  Checks the options that say how to open a recording (dtype,
%   n_channels, data_order, loader, sampling_rate, stream; [] or '' leaves
%   each to the sidecar or metadata) and returns them as the gateway takes them.
if ~isempty(o.dtype)
  o.dtype = neurobatch.internal.check_name('dtype', o.dtype, 'dtype', where);
end
if ~isempty(o.n_channels)
  o.n_channels = neurobatch.internal.check_whole(o.n_channels, 'n_channels', where, 1, 'channels');
end
if ~isempty(o.data_order)
  o.data_order = neurobatch.internal.check_name('data_order', o.data_order, 'data_order', where);
end
o.loader = neurobatch.internal.check_choice(o.loader, {'pread', 'mmap'}, 'loader', where);
if ~isempty(o.sampling_rate)
  v = o.sampling_rate;
  if ~(isnumeric(v) && isscalar(v) && ~issparse(v) && isreal(v) && v > 0 && isfinite(v))
    neurobatch.internal.option_error(where, 'sampling_rate', 'must be a positive number of samples per second, got %s', ...
                                     neurobatch.internal.describe_value(v));
  end
  o.sampling_rate = double(v);
end
if ~isempty(o.stream)
  if ischar(o.stream) || isa(o.stream, 'string')
    o.stream = neurobatch.internal.check_text(o.stream, 'stream', where);
  elseif isnumeric(o.stream) && isscalar(o.stream) && isreal(o.stream) && o.stream == 0
    neurobatch.internal.option_error(where, 'stream', 'numbers count from 1 (the first stream of structure.oebin is 1), got 0');
  else
    o.stream = neurobatch.internal.check_whole(o.stream, 'stream', where, 1, 'the stream (counting from 1), or its name, as');
  end
end
end
