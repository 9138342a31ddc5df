classdef BatchProcessor < handle
  %BATCHPROCESSOR  Memory-bounded batch processing of a recording (YASS's BatchProcessor).
  %
  %   bp = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 385, ...
  %                                  'data_order', 'samples', 'max_memory', '300MB')
  %   Options (each checked here, with an error id naming it, e.g.
  %   neurobatch:arg:badBufferSize): dtype, n_channels, data_order (from the
  %   sidecar YAML when not given), max_memory (bytes, or '300MB'-style
  %   text, 1024-based; default '1GB'), buffer_size (extra observations on
  %   each side of every batch, not counted in max_memory; default 0), edge
  %   (what buffer rows beyond the recording's edges hold: 'zeros' (default,
  %   as YASS), 'reflect' (mirrored, edge sample not repeated) or
  %   'replicate' (the edge sample, as Kilosort)), microvolts (true: batches
  %   as single-precision microvolts, for SpikeGLX and Open Ephys
  %   recordings), read_ahead ('auto' (default): the apply methods and
  %   convert read the next batch on a library thread while the current
  %   one is worked on, cursors do not; 'on': cursors too; 'off': none.
  %   Reading ahead holds a second batch, up to twice max_memory; the
  %   batches are the same either way), loader ('pread' or 'mmap'),
  %   sampling_rate and stream (see RecordingsReader), show_progress_bar
  %   (default false). PATH may be a cell array of paths: a session
  %   recorded in several files.
  %
  %   Traversals (return a neurobatch.Cursor):
  %     c = bp.multiChannel('from_time', t0, 'to_time', t1, 'channels', [1 2 3])
  %     c = bp.singleChannel('force_complete_channel_batch', true, ...)
  %   Apply a function to every batch (mode by name or second argument):
  %     res = bp.multiChannelApply(@fn, 'memory', ...)         cell array, one result per batch
  %     [path, params] = bp.multiChannelApply(@fn, 'disk', 'output_path', p, ...)
  %     ... = bp.singleChannelApply(@fn, ...)
  %   YASS's names work too: multi_channel, single_channel,
  %   multi_channel_apply, single_channel_apply.
  %   Copy every batch as it is, cast, to a file or to memory (no function:
  %   the library reads, casts and writes, the fast way to cast, subset or
  %   reorder a recording):
  %     [path, params, skipped] = bp.convert('disk', 'output_path', p, 'cast_dtype', 'float32', ...)
  %     blocks = bp.convert('memory', ...)                    cell array, one block per batch
  %   Convert options: mode, output_path, from_time, to_time, channels,
  %   if_file_exists, cast_dtype as for apply, and data_order ('samples',
  %   the default, or 'channels': the order of the file written; 'disk'
  %   only). A convert copies each observation once: buffer_size is not
  %   used.
  %
  %   Numbers count from 1 everywhere: from_time and to_time are the first
  %   and last observation (both included: YASS's from_time=100000,
  %   to_time=200000 is 'from_time', 100001, 'to_time', 200000), channels are
  %   1..n_channels, and idx, idx_local and channel in the results count
  %   from 1 too.
  %
  %   Apply options (YASS's names): mode ('memory' or 'disk'), output_path,
  %   from_time, to_time, channels ('all' or numbers), if_file_exists
  %   ('overwrite', 'abort', 'skip'), cast_dtype, and for multiChannelApply
  %   also cleanup_function (@(result, idx_local, idx, buffer_size)),
  %   pass_batch_info (fn gets data, idx_local, idx) and pass_batch_results
  %   (fn also gets the previous batch's result, [] for the first; only the
  %   last result is returned). singleChannelApply also takes
  %   force_complete_channel_batch. YASS's **kwargs: bind them in an
  %   anonymous function, @(x) butterworth(x, 300, 0.1, 3, 30000).
  %
  %   A function with no output (function detect(x)), or an anonymous
  %   function calling one, runs for its side effects: in 'memory' mode its
  %   batches store [] in the result list; 'disk' mode needs a result.
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
    read_ahead = 'auto';
    show_progress_bar = false;
  end

  methods
    function obj = BatchProcessor(path, varargin)
      where = 'BatchProcessor';
      opts = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'max_memory', '1GB', ...
                                                      'buffer_size', 0, 'edge', 'zeros', 'microvolts', false, 'read_ahead', 'auto', ...
                                                      'loader', 'pread', 'sampling_rate', [], 'stream', [], 'show_progress_bar', false), ...
                                               varargin, where);
      path = neurobatch.internal.check_path(path, where);
      obj.max_memory = neurobatch.internal.memory_bytes(opts.max_memory, where);
      obj.buffer_size = neurobatch.internal.check_whole(opts.buffer_size, 'buffer_size', where, 0, 'observations');
      obj.edge = neurobatch.internal.check_choice(opts.edge, {'zeros', 'reflect', 'replicate'}, 'edge', where);
      obj.microvolts = neurobatch.internal.check_flag(opts.microvolts, 'microvolts', where);
      obj.read_ahead = neurobatch.internal.check_choice(opts.read_ahead, {'auto', 'on', 'off'}, 'read_ahead', where);
      obj.show_progress_bar = neurobatch.internal.check_flag(opts.show_progress_bar, 'show_progress_bar', where);
      o = neurobatch.internal.open_options(opts, where);
      obj.reader = neurobatch.RecordingsReader(path, 'dtype', o.dtype, 'n_channels', o.n_channels, 'data_order', o.data_order, ...
                                               'loader', o.loader, 'sampling_rate', o.sampling_rate, 'stream', o.stream);
      obj.path = path;
    end

    function c = multiChannel(obj, varargin)
      %MULTICHANNEL  Batches of every selected channel, sized by max_memory.
      c = obj.traverse(false, 'multiChannel', varargin);
    end

    function c = multi_channel(obj, varargin)
      %MULTI_CHANNEL  YASS's name for multiChannel.
      c = obj.traverse(false, 'multi_channel', varargin);
    end

    function c = singleChannel(obj, varargin)
      %SINGLECHANNEL  Batches of one channel each.
      c = obj.traverse(true, 'singleChannel', varargin);
    end

    function c = single_channel(obj, varargin)
      %SINGLE_CHANNEL  YASS's name for singleChannel.
      c = obj.traverse(true, 'single_channel', varargin);
    end

    function varargout = multiChannelApply(obj, fn, varargin)
      %MULTICHANNELAPPLY  FN over every multi-channel batch; see the class help.
      [varargout{1:max(nargout, 1)}] = obj.apply(false, 'multiChannelApply', fn, varargin);
    end

    function varargout = multi_channel_apply(obj, fn, varargin)
      %MULTI_CHANNEL_APPLY  YASS's name for multiChannelApply.
      [varargout{1:max(nargout, 1)}] = obj.apply(false, 'multi_channel_apply', fn, varargin);
    end

    function varargout = singleChannelApply(obj, fn, varargin)
      %SINGLECHANNELAPPLY  FN over every single-channel batch; see the class help.
      [varargout{1:max(nargout, 1)}] = obj.apply(true, 'singleChannelApply', fn, varargin);
    end

    function varargout = single_channel_apply(obj, fn, varargin)
      %SINGLE_CHANNEL_APPLY  YASS's name for singleChannelApply.
      [varargout{1:max(nargout, 1)}] = obj.apply(true, 'single_channel_apply', fn, varargin);
    end

    function varargout = convert(obj, varargin)
      %CONVERT  Every batch as it is (cast) to a file or to memory; see the class help.
      [varargout{1:max(nargout, 1)}] = obj.run_convert('convert', varargin);
    end

    function tf = isOpen(obj)
      %ISOPEN  false once closed (or loaded from a MAT-file).
      tf = ~isempty(obj.reader) && obj.reader.isOpen();
    end

    function close(obj)
      %CLOSE  Closes the recording. Safe to call more than once.
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
    function check_open(obj, where)
      if ~obj.isOpen()
        error('neurobatch:processor:closed', '%s: this BatchProcessor of %s is closed (closed, or loaded from a MAT-file): create it again', ...
              where, neurobatch.internal.describe_path(obj.path));
      end
    end

    function c = traverse(obj, single, where, args)
      defaults = struct('from_time', [], 'to_time', [], 'channels', 'all');
      if single
        defaults.force_complete_channel_batch = true;
      end
      o = neurobatch.internal.parse_options(defaults, args, where);
      obj.check_open(where);
      force = true;
      if single
        force = neurobatch.internal.check_flag(o.force_complete_channel_batch, 'force_complete_channel_batch', where);
      end
      c = neurobatch.Cursor(obj.reader.Id, obj.cursor_options(o, single, force, where, obj.read_ahead));
    end

    function s = cursor_options(obj, o, single, force_complete, where, read_ahead)
      [from, to] = neurobatch.internal.check_range(o.from_time, o.to_time, obj.reader.n_observations, where);
      s = struct('max_memory', obj.max_memory, 'buffer_size', obj.buffer_size, 'edge', obj.edge, 'microvolts', obj.microvolts, ...
                 'from_time', from, 'to_time', to, ...
                 'channels', neurobatch.internal.check_channels(o.channels, obj.reader.n_channels, where), ...
                 'single_channel', single, 'force_complete_channel_batch', force_complete, 'read_ahead', read_ahead);
    end

    function varargout = apply(obj, single, where, fn, args)
      defaults = struct('mode', 'memory', 'output_path', '', 'from_time', [], 'to_time', [], 'channels', 'all', ...
                        'if_file_exists', 'overwrite', 'cast_dtype', '');
      if single
        defaults.force_complete_channel_batch = true;
      else
        defaults.cleanup_function = [];
        defaults.pass_batch_info = false;
        defaults.pass_batch_results = false;
      end
      [mode, args] = positional_mode(args, defaults, where);
      o = neurobatch.internal.parse_options(defaults, args, where);
      if ~isempty(mode)
        o.mode = mode;
      end
      obj.check_open(where);
      [varargout{1:max(nargout, 1)}] = obj.run_apply(single, where, fn, o);
    end

    function [out, params, skipped] = run_apply(obj, single, where, fn, o)
      % Every argument is checked before a batch is read or a file created.
      if ~isa(fn, 'function_handle')
        neurobatch.internal.option_error(where, 'function', 'to apply must be a function handle, such as @myfilter or @(x) x + 1, got %s', ...
                                         neurobatch.internal.describe_value(fn));
      end
      o.mode = neurobatch.internal.check_choice(o.mode, {'memory', 'disk'}, 'mode', where);
      disk = strcmp(o.mode, 'disk');
      o.if_file_exists = neurobatch.internal.check_name('if_file_exists', o.if_file_exists, 'if_file_exists', where);
      if ~isempty(o.cast_dtype)
        o.cast_dtype = neurobatch.internal.check_name('dtype', o.cast_dtype, 'cast_dtype', where);
      end
      if single
        o.force_complete_channel_batch = neurobatch.internal.check_flag(o.force_complete_channel_batch, 'force_complete_channel_batch', where);
        o.cleanup_function = [];
        o.pass_batch_info = false;
        o.pass_batch_results = false;
      else
        o.force_complete_channel_batch = true;
        if ~isempty(o.cleanup_function) && ~isa(o.cleanup_function, 'function_handle')
          neurobatch.internal.option_error(where, 'cleanup_function', 'must be a function handle or [], got %s', ...
                                           neurobatch.internal.describe_value(o.cleanup_function));
        end
        o.pass_batch_info = neurobatch.internal.check_flag(o.pass_batch_info, 'pass_batch_info', where);
        o.pass_batch_results = neurobatch.internal.check_flag(o.pass_batch_results, 'pass_batch_results', where);
      end
      if disk && isempty(o.output_path)
        neurobatch.internal.option_error(where, 'output_path', 'is needed in ''disk'' mode: the file to write');
      end
      if ~isempty(o.output_path)
        o.output_path = neurobatch.internal.check_text(o.output_path, 'output_path', where);
      end
      % This loop is an apply: 'auto' reads ahead, as the library's applies do,
      % so the next batch is read while FN works on this one.
      read_ahead = obj.read_ahead;
      if strcmp(read_ahead, 'auto')
        read_ahead = 'on';
      end
      c = neurobatch.Cursor(obj.reader.Id, obj.cursor_options(o, single, o.force_complete_channel_batch, where, read_ahead));
      cursor_guard = onCleanup(@() c.close());
      params = [];
      skipped = false;
      wid = 0;
      n_sel = obj.reader.n_channels;
      if ~ischar(o.channels)
        n_sel = numel(neurobatch.internal.check_channels(o.channels, obj.reader.n_channels, where));
      end
      if disk
        % The output may be none of the input's files (a session has several).
        if neurobatch.internal.gateway('output_check', o.output_path, obj.path, o.if_file_exists)
          existing = neurobatch.RecordingsReader(o.output_path);
          params = struct('dtype', existing.dtype, 'n_channels', existing.n_channels, 'data_order', existing.data_order);
          existing.close();
          out = o.output_path;
          skipped = true;
          return
        end
        dtype = o.cast_dtype;
        if isempty(dtype)
          dtype = obj.reader.dtype;
        end
        order = 'samples';
        if single
          order = 'channels';
        end
        wid = neurobatch.internal.gateway('writer_open', o.output_path, order, n_sel, dtype);
      end
      % Without finish the writer's temporary file is removed: no output on error.
      writer_guard = onCleanup(@() neurobatch.internal.gateway('free', wid));
      n = c.n_batches;
      results = cell(1, n);
      previous = [];
      per_channel = max(n, 1) / n_sel;   % a single-channel traversal splits every channel alike
      k = 0;
      while c.hasNext()
        [data, idx_local, idx] = c.next();
        k = k + 1;
        args = {data};
        if o.pass_batch_info
          args = [args, {idx_local, idx}]; %#ok<AGROW>
        end
        if o.pass_batch_results
          args{end + 1} = previous; %#ok<AGROW>
        end
        [result, has_result] = neurobatch.internal.call_callback(fn, args);
        if ~has_result && disk
          error('neurobatch:apply:noResult', ['%s: the function returned nothing for batch %d of %d; in ''disk'' mode it must ' ...
                'return the block to write (function y = f(x) ... y = ...; end, or @(x) ...); a function without output ' ...
                'runs in ''memory'' mode'], where, k, n);
        end
        if has_result
          if ~isempty(o.cast_dtype)
            result = neurobatch.castValues(neurobatch.internal.check_result(result, k, n, false, where, 'cast_dtype'), o.cast_dtype);
          end
          if ~isempty(o.cleanup_function)
            result = o.cleanup_function(result, idx_local, idx, obj.buffer_size);
          end
        end
        if disk
          result = neurobatch.internal.check_result(result, k, n, single, where, 'disk');
          if single
            neurobatch.internal.gateway('writer_append', wid, result, floor((k - 1) / per_channel));
          else
            neurobatch.internal.gateway('writer_append', wid, result);
          end
        elseif ~o.pass_batch_results
          results{k} = result;   % [] when the function returned nothing
        end
        previous = result;
        if obj.show_progress_bar
          progress_bar(k, n);
        end
      end
      if disk
        info = neurobatch.internal.gateway('writer_finish', wid);
        out = info.path;
        params = struct('dtype', info.dtype, 'n_channels', info.n_channels, 'data_order', info.data_order);
      elseif o.pass_batch_results
        out = previous;
      else
        out = results;
      end
      clear writer_guard cursor_guard
    end

    function [out, params, skipped] = run_convert(obj, where, args)
      % Checked here, named as the user gave them; the library then runs the
      % whole convert (no MATLAB code runs under it).
      defaults = struct('mode', 'memory', 'output_path', '', 'from_time', [], 'to_time', [], 'channels', 'all', ...
                        'if_file_exists', 'overwrite', 'cast_dtype', '', 'data_order', 'samples');
      [mode, args] = positional_mode(args, defaults, where);
      o = neurobatch.internal.parse_options(defaults, args, where);
      if ~isempty(mode)
        o.mode = mode;
      end
      obj.check_open(where);
      o.mode = neurobatch.internal.check_choice(o.mode, {'memory', 'disk'}, 'mode', where);
      disk = strcmp(o.mode, 'disk');
      o.if_file_exists = neurobatch.internal.check_name('if_file_exists', o.if_file_exists, 'if_file_exists', where);
      if ~isempty(o.cast_dtype)
        o.cast_dtype = neurobatch.internal.check_name('dtype', o.cast_dtype, 'cast_dtype', where);
      end
      o.data_order = neurobatch.internal.check_name('data_order', o.data_order, 'data_order', where);
      % A "channels" file is written channel after channel: a single-channel
      % traversal in windows of max_memory.
      single = any(strcmp(o.data_order, {'channels', 'wide'}));
      if single && ~disk
        neurobatch.internal.option_error(where, 'data_order', ['is the order of the file written: ''%s'' needs ''disk'' mode ' ...
                                         '(in ''memory'' mode every block is observations x channels)'], o.data_order);
      end
      if disk && isempty(o.output_path)
        neurobatch.internal.option_error(where, 'output_path', 'is needed in ''disk'' mode: the file to write');
      end
      if ~isempty(o.output_path)
        o.output_path = neurobatch.internal.check_text(o.output_path, 'output_path', where);
      end
      s = obj.cursor_options(o, single, false, where, obj.read_ahead);
      s.buffer_size = 0;   % each observation once
      c = struct('mode', o.mode, 'output_path', o.output_path, 'if_file_exists', o.if_file_exists, ...
                 'cast_dtype', o.cast_dtype, 'show_progress_bar', obj.show_progress_bar);
      params = [];
      skipped = false;
      if disk
        [info, skipped] = neurobatch.internal.gateway('reader_convert', obj.reader.Id, s, c);
        out = info.path;
        params = struct('dtype', info.dtype, 'n_channels', info.n_channels, 'data_order', info.data_order);
      else
        out = neurobatch.internal.gateway('reader_convert', obj.reader.Id, s, c);
      end
    end
  end
end

function [mode, args] = positional_mode(args, defaults, where)
% YASS's call shape: the mode as the argument after the function,
% bp.multi_channel_apply(fn, 'disk', 'output_path', p). A first argument that
% is 'memory' or 'disk', or any text that is not an option name before an odd
% number of arguments, is the mode.
mode = '';
if isempty(args)
  return
end
first = args{1};
if isa(first, 'string') && isscalar(first)
  first = char(first);
end
if ~ischar(first)
  return
end
if any(strcmp(first, {'memory', 'disk'})) || (mod(numel(args), 2) == 1 && ~isfield(defaults, first))
  mode = first;
  args = args(2:end);
  for k = 1:2:numel(args)
    if ischar(args{k}) && strcmp(args{k}, 'mode')
      error('neurobatch:arg:badMode', '%s: mode is given twice, as the argument after the function (''%s'') and as an option', where, mode);
    end
  end
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
