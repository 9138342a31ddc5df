classdef RecordingsReader < neurobatch.internal.Handle
  %RECORDINGSREADER  A headerless multi-channel binary recording, read in
  %   [observations x channels] orientation whatever its data order.
  %
  %   r = neurobatch.RecordingsReader(path) takes dtype, n_channels and
  %   data_order from the sidecar YAML (path with its extension replaced by .yaml).
  %   r = neurobatch.RecordingsReader(path, 'dtype', 'int16', 'n_channels', 385, ...
  %                                   'data_order', 'samples')
  %   Options: dtype, n_channels, data_order ('samples'/'long' or
  %   'channels'/'wide'), loader ('pread' or 'mmap'), sampling_rate (Hz),
  %   stream (Open Ephys: 1-based index or name). Given values win.
  %
  %   SpikeGLX (x.ap.bin with x.ap.meta beside it) and Open Ephys
  %   (structure.oebin, or a continuous.dat under one) recordings need no
  %   options: r.format is 'spikeglx' / 'openephys' / 'raw', r.sampling_rate
  %   the rate in Hz ([] when unknown), r.scales_uv the microvolts per count
  %   of each channel ([] for plain files).
  %
  %   x = r.read(rows, channels) returns observations ROWS (a contiguous
  %   1-based range such as 1:2000) of CHANNELS (1-based, or 'all') as an
  %   observations x channels matrix of the file's class (int16 stays int16).
  %
  %   r = neurobatch.RecordingsReader({'run_t0.bin', 'run_t1.bin'}) reads
  %   several files as one recording concatenated in time (a session
  %   recorded in parts; all must agree on dtype, channels, order and gains).
  %
  %   Call r.close() when done (also run by delete); the file is closed then.

  properties (SetAccess = private)
    path = '';
    dtype = '';
    n_channels = 0;
    data_order = '';
    n_observations = 0;
    format = '';
    sampling_rate = [];
    scales_uv = [];
  end

  methods
    function obj = RecordingsReader(path, varargin)
      opts = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'loader', 'pread', ...
                                                      'sampling_rate', [], 'stream', []), ...
                           varargin, 'RecordingsReader');
      if ~ischar(path) && ~iscellstr(path)
        error('neurobatch:arg:badPath', 'RecordingsReader: path must be a character vector, or a cell array of them (a session)');
      end
      obj.Id = neurobatch.internal.neurobatch_mex('reader_open', path, opts);
      info = neurobatch.internal.neurobatch_mex('reader_info', obj.Id);
      obj.path = path;
      obj.dtype = info.dtype;
      obj.n_channels = info.n_channels;
      obj.data_order = info.data_order;
      obj.n_observations = info.n_observations;
      obj.format = info.format;
      obj.sampling_rate = info.sampling_rate;
      obj.scales_uv = info.scales_uv;
    end

    function s = shape(obj)
      %SHAPE  [n_observations, n_channels], as YASS's reader.shape.
      s = [obj.n_observations, obj.n_channels];
    end

    function x = read(obj, rows, channels)
      %READ  Observations ROWS (contiguous, 1-based) of CHANNELS (1-based or 'all').
      if nargin < 3
        channels = 'all';
      end
      obj.check_open();
      [from, to] = rows_to_range(rows);
      x = neurobatch.internal.neurobatch_mex('reader_read', obj.Id, from, to, neurobatch.internal.channels_to_c(channels, obj.n_channels), 0);
    end

  end

  methods (Hidden)
    function check_open(obj)
      if obj.Id == 0
        error('neurobatch:reader:closed', 'this RecordingsReader of %s is closed', obj.path);
      end
    end
  end
end

function [from, to] = rows_to_range(rows)
if isempty(rows)
  from = 0;
  to = 0;
  return
end
if ~isnumeric(rows) || ~isvector(rows) || any(rows ~= fix(rows)) || rows(1) < 1 || ...
   numel(rows) ~= rows(end) - rows(1) + 1 || any(diff(rows(:)) ~= 1)
  error('neurobatch:reader:badRows', 'rows must be a contiguous increasing range of observations counting from 1, such as 1:2000');
end
from = double(rows(1)) - 1;
to = double(rows(end));
end
