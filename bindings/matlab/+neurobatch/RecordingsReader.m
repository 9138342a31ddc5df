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
  %   stream (Open Ephys: the stream's number, counting from 1, or its
  %   name). Given values win over the sidecar.
  %
  %   SpikeGLX (x.ap.bin with x.ap.meta beside it) and Open Ephys
  %   (structure.oebin, or a continuous.dat under one) recordings need no
  %   options: r.format is 'spikeglx' / 'openephys' / 'raw', r.sampling_rate
  %   the rate in Hz ([] when unknown), r.scales_uv the microvolts per count
  %   of each channel ([] for plain files), r.channel_kinds what each channel
  %   holds ('neural', 'neural_ap', 'neural_lf', 'analog', 'digital' or
  %   'unknown'; {} for plain files), and r.neural_channels() the numbers of
  %   the neural channels.
  %
  %   Index it like a matrix (YASS's reader[a:b, ch]): observations first,
  %   channels second, both counting from 1:
  %     x = r(1:2000, 1);  x = r(1:end, :);  x = r(:, [3 1 2]);  x = r(end, :);
  %   Observations are ':' or a contiguous range; channels any list (repeats
  %   allowed), a logical mask, or ':'. The result keeps the file's class
  %   (int16 stays int16). x = r.read(rows, channels) is the same read.
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
    channel_kinds = {};
  end

  methods
    function obj = RecordingsReader(path, varargin)
      where = 'RecordingsReader';
      opts = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'loader', 'pread', ...
                                                      'sampling_rate', [], 'stream', []), varargin, where);
      path = neurobatch.internal.check_path(path, where);
      opts = neurobatch.internal.open_options(opts, where);
      obj.Id = neurobatch.internal.gateway('reader_open', path, opts);
      info = neurobatch.internal.gateway('reader_info', obj.Id);
      obj.path = path;
      obj.dtype = info.dtype;
      obj.n_channels = info.n_channels;
      obj.data_order = info.data_order;
      obj.n_observations = info.n_observations;
      obj.format = info.format;
      obj.sampling_rate = info.sampling_rate;
      obj.scales_uv = info.scales_uv;
      obj.channel_kinds = info.channel_kinds;
    end

    function ch = neural_channels(obj)
      %NEURAL_CHANNELS  The channels (counting from 1) whose kind is neural:
      %   wideband or the AP band; [] for plain files, which carry no kinds.
      ch = find(ismember(obj.channel_kinds, {'neural', 'neural_ap'}));
    end

    function s = shape(obj)
      %SHAPE  [n_observations, n_channels], as YASS's reader.shape.
      s = [obj.n_observations, obj.n_channels];
    end

    function x = read(obj, rows, channels)
      %READ  Observations ROWS (':' or a contiguous range counting from 1) of
      %   CHANNELS (counting from 1, or 'all'); the same as r(rows, channels).
      if nargin < 2
        rows = ':';
      end
      if nargin < 3
        channels = 'all';
      end
      obj.check_open();
      [from, to] = neurobatch.internal.check_rows(rows, obj.n_observations, 'RecordingsReader');
      ch = neurobatch.internal.check_channels(channels, obj.n_channels, 'RecordingsReader');
      x = neurobatch.internal.gateway('reader_read', obj.Id, from, to, ch, 0);
    end

    function varargout = subsref(obj, s)
      % r(rows, channels) reads; everything else (r.read(...), r.dtype) is
      % MATLAB's own indexing.
      switch s(1).type
        case '()'
          x = obj.index(s(1).subs);
          if numel(s) > 1
            [varargout{1:nargout}] = subsref(x, s(2:end));
          else
            varargout = {x};
          end
        otherwise
          if strcmp(s(1).type, '.') && ischar(s(1).subs) && any(strcmp(s(1).subs, {'close', 'delete'}))
            builtin('subsref', obj, s);   % methods without outputs
            varargout = {};
          elseif nargout == 0
            % a statement such as r.shape, or r.read(1:10) without a
            % variable: its value goes to ans, as MATLAB does without subsref
            varargout = cell(1, 1);
            [varargout{1}] = builtin('subsref', obj, s);
          else
            [varargout{1:nargout}] = builtin('subsref', obj, s);
          end
      end
    end

    function n = numArgumentsFromSubscript(obj, s, context)
      % MATLAB asks this before subsref: a read returns one matrix.
      if strcmp(s(1).type, '()')
        n = 1;
      elseif strcmp(s(1).type, '.') && ischar(s(1).subs) && any(strcmp(s(1).subs, {'close', 'delete'}))
        n = 0;
      else
        n = builtin('numArgumentsFromSubscript', obj, s, context);
      end
    end

    function e = end(obj, k, n)
      % r(end, :) and r(1:end, ch): observations first, channels second.
      if n ~= 2
        error('neurobatch:arg:badIndex', 'index a RecordingsReader with two subscripts, r(observations, channels)');
      end
      if k == 1
        e = obj.n_observations;
      else
        e = obj.n_channels;
      end
    end
  end

  methods (Hidden)
    function check_open(obj)
      if obj.Id == 0
        error('neurobatch:reader:closed', 'this RecordingsReader of %s is closed (closed, or loaded from a MAT-file): open it again', ...
              neurobatch.internal.describe_path(obj.path));
      end
    end

    function x = index(obj, subs)
      if isempty(subs)
        x = obj;
        return
      end
      if numel(subs) ~= 2
        error('neurobatch:arg:badIndex', 'index a RecordingsReader with two subscripts, r(observations, channels), got %d', numel(subs));
      end
      x = obj.read(subs{1}, subs{2});
    end
  end
end
