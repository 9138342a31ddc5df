classdef BatchProcessor < handle
  %BATCHPROCESSOR  Memory-bounded batch processing of a recording (YASS's BatchProcessor).
  %
  %   bp = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 385, ...
  %                                  'data_order', 'samples', 'max_memory', '300MB')
  %   Options: dtype, n_channels, data_order (from the sidecar YAML when not
  %   given), max_memory (bytes, or '300MB'-style text, 1024-based; default
  %   '1GB'), buffer_size (extra observations on each side of every batch,
  %   not counted in max_memory; default 0), edge (what buffer rows beyond
  %   the recording's edges hold: 'zeros' (default, as YASS), 'reflect'
  %   (mirrored, edge sample not repeated) or 'replicate' (the edge sample,
  %   as Kilosort)), microvolts (true: batches as single-precision
  %   microvolts, for SpikeGLX and Open Ephys recordings), loader ('pread' or
  %   'mmap'), sampling_rate and stream (see RecordingsReader),
  %   show_progress_bar (default false).
  %
  %   Traversals (return a neurobatch.Cursor):
  %     c = bp.multiChannel('from_time', t0, 'to_time', t1, 'channels', [1 2 3])
  %     c = bp.singleChannel('force_complete_channel_batch', true, ...)
  %   Apply a function to every batch:
  %     res = bp.multiChannelApply(@fn, 'mode', 'memory', ...)       cell array of results
  %     [path, params] = bp.multiChannelApply(@fn, 'mode', 'disk', 'output_path', p, ...)
  %     ... = bp.singleChannelApply(@fn, ...)
  %   Apply options (YASS's names): mode ('memory' or 'disk'), output_path,
  %   from_time, to_time (0-based sample numbers, to_time excluded, as
  %   YASS), channels (1-based, or 'all'), if_file_exists ('overwrite',
  %   'abort', 'skip'), cast_dtype, and for multiChannelApply also
  %   cleanup_function (@(result, idx_local, idx, buffer_size)),
  %   pass_batch_info (fn gets data, idx_local, idx) and pass_batch_results
  %   (fn also gets the previous batch's result, [] for the first; only the
  %   last result is returned). singleChannelApply also takes
  %   force_complete_channel_batch.
  %
  %   Disk outputs are written to a temporary file and renamed, with their
  %   sidecar, only when every batch succeeded: an error in FN leaves no output.

  properties (SetAccess = private)
    path = '';
    reader = [];
    max_memory = 0;
    buffer_size = 0;
    edge = 'zeros';
    microvolts = false;
    show_progress_bar = false;
  end

  methods
    function obj = BatchProcessor(path, varargin)
      opts = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'max_memory', '1GB', ...
                                  'buffer_size', 0, 'edge', 'zeros', 'microvolts', false, 'loader', 'pread', ...
                                  'sampling_rate', [], 'stream', [], 'show_progress_bar', false), ...
                           varargin, 'BatchProcessor');
      obj.max_memory = memory_bytes(opts.max_memory);
      obj.buffer_size = neurobatch.internal.count_option(opts.buffer_size, 'buffer_size');
      neurobatch.internal.check_choice(opts.edge, {'zeros', 'reflect', 'replicate'}, 'edge', 'neurobatch:arg:edge');
      obj.edge = opts.edge;
      obj.microvolts = logical(opts.microvolts);
      obj.show_progress_bar = logical(opts.show_progress_bar);
      obj.reader = neurobatch.RecordingsReader(path, 'dtype', opts.dtype, 'n_channels', opts.n_channels, ...
                                               'data_order', opts.data_order, 'loader', opts.loader, ...
                                               'sampling_rate', opts.sampling_rate, 'stream', opts.stream);
      obj.path = path;
    end

    function c = multiChannel(obj, varargin)
      %MULTICHANNEL  Batches of every selected channel, sized by max_memory.
      o = neurobatch.internal.parse_options(struct('from_time', [], 'to_time', [], 'channels', 'all'), varargin, 'multiChannel');
      c = neurobatch.Cursor(obj.reader.Id, obj.cursor_options(o, false, true));
    end

    function c = singleChannel(obj, varargin)
      %SINGLECHANNEL  Batches of one channel each.
      o = neurobatch.internal.parse_options(struct('force_complete_channel_batch', true, 'from_time', [], 'to_time', [], 'channels', 'all'), ...
                        varargin, 'singleChannel');
      c = neurobatch.Cursor(obj.reader.Id, obj.cursor_options(o, true, o.force_complete_channel_batch));
    end

    function varargout = multiChannelApply(obj, fn, varargin)
      %MULTICHANNELAPPLY  FN over every multi-channel batch; see the class help.
      defaults = struct('mode', 'memory', 'output_path', '', 'from_time', [], 'to_time', [], 'channels', 'all', ...
                        'if_file_exists', 'overwrite', 'cast_dtype', '', 'cleanup_function', [], ...
                        'pass_batch_info', false, 'pass_batch_results', false);
      o = neurobatch.internal.parse_options(defaults, varargin, 'multiChannelApply');
      o.force_complete_channel_batch = true;
      [varargout{1:max(nargout, 1)}] = obj.run_apply(false, fn, o);
    end

    function varargout = singleChannelApply(obj, fn, varargin)
      %SINGLECHANNELAPPLY  FN over every single-channel batch; see the class help.
      defaults = struct('mode', 'memory', 'output_path', '', 'force_complete_channel_batch', true, 'from_time', [], ...
                        'to_time', [], 'channels', 'all', 'if_file_exists', 'overwrite', 'cast_dtype', '');
      o = neurobatch.internal.parse_options(defaults, varargin, 'singleChannelApply');
      o.cleanup_function = [];
      o.pass_batch_info = false;
      o.pass_batch_results = false;
      [varargout{1:max(nargout, 1)}] = obj.run_apply(true, fn, o);
    end

    function close(obj)
      if ~isempty(obj.reader)
        obj.reader.close();
      end
    end

    function delete(obj)
      try
        obj.close();
      catch
      end
    end
  end

  methods (Hidden)
    function s = cursor_options(obj, o, single, force_complete)
      s = struct('max_memory', obj.max_memory, 'buffer_size', obj.buffer_size, 'edge', obj.edge, 'microvolts', obj.microvolts, ...
                 'from_time', neurobatch.internal.count_option(o.from_time, 'from_time'), 'to_time', neurobatch.internal.count_option(o.to_time, 'to_time'), ...
                 'channels', neurobatch.internal.channels_to_c(o.channels, obj.reader.n_channels), ...
                 'single_channel', double(single), 'force_complete_channel_batch', logical(force_complete));
    end

    function [out, params, skipped] = run_apply(obj, single, fn, o)
      % Every argument is checked before a batch is read or a file created.
      if ~isa(fn, 'function_handle')
        error('neurobatch:apply:badFunction', 'the function to apply must be a function handle');
      end
      neurobatch.internal.check_choice(o.mode, {'memory', 'disk'}, 'mode', 'neurobatch:apply:badMode');
      neurobatch.internal.check_choice(o.if_file_exists, {'overwrite', 'abort', 'skip'}, 'if_file_exists', 'neurobatch:apply:badIfFileExists');
      if ~isempty(o.cast_dtype)
        neurobatch.internal.neurobatch_mex('dtype_check', o.cast_dtype);
      end
      if ~isempty(o.cleanup_function) && ~isa(o.cleanup_function, 'function_handle')
        error('neurobatch:apply:badFunction', 'cleanup_function must be a function handle or []');
      end
      disk = strcmp(o.mode, 'disk');
      if disk && (~ischar(o.output_path) || isempty(o.output_path))
        error('neurobatch:apply:noOutputPath', 'mode ''disk'' needs an output_path');
      end
      c = neurobatch.Cursor(obj.reader.Id, obj.cursor_options(o, single, o.force_complete_channel_batch));
      cursor_guard = onCleanup(@() c.close());
      params = [];
      skipped = false;
      wid = 0;
      if disk
        if neurobatch.internal.neurobatch_mex('output_check', o.output_path, obj.path, o.if_file_exists)
          existing = neurobatch.RecordingsReader(o.output_path);
          params = struct('dtype', existing.dtype, 'n_channels', existing.n_channels, 'data_order', existing.data_order);
          existing.close();
          out = o.output_path;
          skipped = true;
          return
        end
        n_sel = numel(neurobatch.internal.channels_to_c(o.channels, obj.reader.n_channels));
        if ischar(o.channels)
          n_sel = obj.reader.n_channels;
        end
        dtype = o.cast_dtype;
        if isempty(dtype)
          dtype = obj.reader.dtype;
        end
        order = 'samples';
        if single
          order = 'channels';
        end
        wid = neurobatch.internal.neurobatch_mex('writer_open', o.output_path, order, n_sel, dtype);
      end
      % Without finish the writer's temporary file is removed: no output on error.
      writer_guard = onCleanup(@() neurobatch.internal.neurobatch_mex('free', wid));
      results = cell(1, c.n_batches);
      previous = [];
      per_channel = max(c.n_batches, 1) / max(n_selected(o.channels, obj.reader.n_channels), 1);
      k = 0;
      while c.hasNext()
        [data, idx_local, idx] = c.next();
        args = {data};
        if o.pass_batch_info
          args = [args, {idx_local, idx}];
        end
        if o.pass_batch_results
          args{end + 1} = previous; %#ok<AGROW>
        end
        result = fn(args{:});
        if ~isempty(o.cast_dtype)
          result = neurobatch.internal.neurobatch_mex('cast', result, o.cast_dtype);
        end
        if ~isempty(o.cleanup_function)
          result = o.cleanup_function(result, idx_local, idx, obj.buffer_size);
        end
        k = k + 1;
        if disk && single
          neurobatch.internal.neurobatch_mex('writer_append', wid, result, floor((k - 1) / per_channel));
        elseif disk
          neurobatch.internal.neurobatch_mex('writer_append', wid, result);
        elseif ~o.pass_batch_results
          results{k} = result;
        end
        previous = result;
        if obj.show_progress_bar
          progress_bar(k, c.n_batches);
        end
      end
      if disk
        info = neurobatch.internal.neurobatch_mex('writer_finish', wid);
        out = info.path;
        params = struct('dtype', info.dtype, 'n_channels', info.n_channels, 'data_order', info.data_order);
      elseif o.pass_batch_results
        out = previous;
      else
        out = results;
      end
      clear writer_guard cursor_guard
    end
  end
end

function n = n_selected(channels, n_channels)
if ischar(channels)
  n = n_channels;
else
  n = numel(channels);
end
end

function bytes = memory_bytes(v)
if ischar(v)
  bytes = neurobatch.internal.neurobatch_mex('parse_max_memory', v);
elseif isnumeric(v) && isscalar(v) && v >= 0 && v == fix(v)
  bytes = double(v);
else
  error('neurobatch:arg:badMemory', 'max_memory must be a number of bytes or text such as ''300MB''');
end
end

function progress_bar(done, total)
width = 40;
filled = round(width * done / max(total, 1));
fprintf('\r[%s%s] %d/%d', repmat('#', 1, filled), repmat('.', 1, width - filled), done, total);
if done == total
  fprintf('\n');
end
end
