classdef BatchPipeline < handle
  %BATCHPIPELINE  Chained steps on one input, each reading the previous
  %   step's output through its sidecar (YASS's BatchPipeline).
  %
  %   p = neurobatch.BatchPipeline(path_to_input, 'dtype', 'int16', 'n_channels', 385, ...
  %                                'data_order', 'samples', 'max_memory', '500MB', ...
  %                                'output_path', folder)
  %   p.add([neurobatch.PipedTransformation(@filter, 'filtered.bin', 'single_channel_one_batch', 'keep', true), ...
  %          neurobatch.PipedTransformation(@standardize, 'standarized.bin', 'single_channel_one_batch')]);
  %   [paths, params] = p.run();
  %
  %   add takes one step, [a, b] or {a, b}. from_time, to_time (the first
  %   and last observation, counting from 1) and channels (counting from 1)
  %   apply to the first step only. Options are checked here; the steps and
  %   the ranges against the input are checked by run() before the first
  %   step runs. The input is never deleted; the last step's output is
  %   always kept. PATH_TO_INPUT may be a cell array of paths (a session).
  %   buffer_size and read_ahead are BatchProcessor's, for every step.

  properties (SetAccess = private)
    path_to_input = '';
    options = struct();
    tasks = {};
  end

  methods
    function obj = BatchPipeline(path_to_input, varargin)
      where = 'BatchPipeline';
      o = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'max_memory', '1GB', ...
                                                   'output_path', '', 'from_time', [], 'to_time', [], 'channels', 'all', ...
                                                   'buffer_size', 0, 'read_ahead', 'auto'), varargin, where);
      obj.path_to_input = neurobatch.internal.check_path(path_to_input, where);
      opened = neurobatch.internal.open_options(struct('dtype', o.dtype, 'n_channels', o.n_channels, 'data_order', o.data_order, ...
                                                       'loader', 'pread', 'sampling_rate', [], 'stream', []), where);
      o.dtype = opened.dtype;
      o.n_channels = opened.n_channels;
      o.data_order = opened.data_order;
      o.max_memory = neurobatch.internal.memory_bytes(o.max_memory, where);
      o.buffer_size = neurobatch.internal.check_whole(o.buffer_size, 'buffer_size', where, 0, 'observations');
      o.read_ahead = neurobatch.internal.check_choice(o.read_ahead, {'auto', 'on', 'off'}, 'read_ahead', where);
      o.output_path = neurobatch.internal.check_text(o.output_path, 'output_path', where);
      if isempty(o.output_path) || ~isfolder(o.output_path)
        neurobatch.internal.option_error(where, 'output_path', 'must be an existing folder (where every step''s output is written), got %s', ...
                                         neurobatch.internal.describe_value(o.output_path));
      end
      if ~isempty(o.from_time)
        neurobatch.internal.check_whole(o.from_time, 'from_time', where, 1, 'observations (counting from 1)');
      end
      if ~isempty(o.to_time)
        neurobatch.internal.check_whole(o.to_time, 'to_time', where, 0, 'observations (counting from 1)');
      end
      % channels are checked against the input by run()
      neurobatch.internal.check_channels(o.channels, Inf, where);
      obj.options = o;
    end

    function add(obj, tasks)
      %ADD  Appends a PipedTransformation, or several: [a, b] or {a, b}.
      if ~iscell(tasks)
        steps = cell(1, numel(tasks));
        for k = 1:numel(tasks)
          steps{k} = tasks(k);
        end
        tasks = steps;
      end
      for k = 1:numel(tasks)
        if ~isa(tasks{k}, 'neurobatch.PipedTransformation')
          neurobatch.internal.option_error('BatchPipeline.add', 'steps', 'must be neurobatch.PipedTransformation objects, got %s', ...
                                           neurobatch.internal.describe_value(tasks{k}));
        end
      end
      obj.tasks = [obj.tasks, reshape(tasks, 1, [])];
    end

    function [paths, params] = run(obj)
      %RUN  Runs every step; PATHS and PARAMS list each step's output.
      where = 'BatchPipeline.run';
      o = obj.options;
      n = numel(obj.tasks);
      if n == 0
        error('neurobatch:pipeline:noSteps', '%s: the pipeline has no steps: add PipedTransformation steps first', where);
      end
      if ~isfolder(o.output_path)
        neurobatch.internal.option_error(where, 'output_path', 'must be an existing folder, got %s', neurobatch.internal.describe_value(o.output_path));
      end
      % The range and channels against the input, before anything runs.
      input = neurobatch.RecordingsReader(obj.path_to_input, 'dtype', o.dtype, 'n_channels', o.n_channels, 'data_order', o.data_order);
      neurobatch.internal.check_range(o.from_time, o.to_time, input.n_observations, where);
      neurobatch.internal.check_channels(o.channels, input.n_channels, where);
      input.close();
      out = cell(1, n);
      for k = 1:n
        out{k} = fullfile(o.output_path, obj.tasks{k}.output_name);
        if any(strcmp(out{k}, out(1:k - 1)))
          error('neurobatch:pipeline:badOutputPath', '%s: steps %d and %d both write %s', where, find(strcmp(out{k}, out(1:k - 1)), 1), k, out{k});
        end
        check = 'overwrite';
        if strcmp(obj.tasks{k}.if_file_exists, 'abort')
          check = 'abort';
        end
        neurobatch.internal.gateway('output_check', out{k}, obj.path_to_input, check);
      end
      paths = out;
      params = cell(1, n);
      skipped = false(1, n);
      input = obj.path_to_input;
      for k = 1:n
        t = obj.tasks{k};
        if k == 1
          bp = neurobatch.BatchProcessor(input, 'dtype', o.dtype, 'n_channels', o.n_channels, 'data_order', o.data_order, ...
                                         'max_memory', o.max_memory, 'buffer_size', o.buffer_size, 'read_ahead', o.read_ahead);
          range = {'from_time', o.from_time, 'to_time', o.to_time, 'channels', o.channels};
        else
          bp = neurobatch.BatchProcessor(input, 'max_memory', o.max_memory, 'buffer_size', o.buffer_size, 'read_ahead', o.read_ahead);
          range = {};
        end
        bp_guard = onCleanup(@() bp.close());
        common = [{'disk', 'output_path', out{k}, 'if_file_exists', t.if_file_exists, 'cast_dtype', t.cast_dtype}, range];
        switch t.mode
          case 'multi_channel'
            [~, params{k}, skipped(k)] = bp.multiChannelApply(t.function_handle, common{:});
          otherwise
            force = strcmp(t.mode, 'single_channel_one_batch');
            [~, params{k}, skipped(k)] = bp.singleChannelApply(t.function_handle, common{:}, 'force_complete_channel_batch', force);
        end
        bp.close();
        clear bp_guard
        % The previous step's own output has now been consumed.
        if k > 1 && ~obj.tasks{k - 1}.keep && ~skipped(k - 1)
          delete(out{k - 1});
          delete(sidecar_of(out{k - 1}));
        end
        input = out{k};
      end
    end
  end
end

function p = sidecar_of(path)
[d, name] = fileparts(path);
p = fullfile(d, [name '.yaml']);
end
