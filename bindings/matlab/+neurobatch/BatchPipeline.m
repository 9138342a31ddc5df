classdef BatchPipeline < handle
  %BATCHPIPELINE  Chained steps on one input, each reading the previous
  %   step's output through its sidecar (YASS's BatchPipeline).
  %
  %   p = neurobatch.BatchPipeline(path_to_input, 'dtype', 'int16', 'n_channels', 385, ...
  %                                'data_order', 'samples', 'max_memory', '500MB', ...
  %                                'output_path', folder)
  %   p.add({neurobatch.PipedTransformation(@filter, 'filtered.bin', 'single_channel_one_batch', 'keep', true), ...
  %          neurobatch.PipedTransformation(@standardize, 'standarized.bin', 'single_channel_one_batch')});
  %   [paths, params] = p.run();
  %
  %   from_time, to_time and channels apply to the first step only. Every
  %   step is checked before the first one runs. The input is never deleted;
  %   the last step's output is always kept.

  properties (SetAccess = private)
    path_to_input = '';
    options = struct();
    tasks = {};
  end

  methods
    function obj = BatchPipeline(path_to_input, varargin)
      obj.options = neurobatch.internal.parse_options(struct('dtype', '', 'n_channels', [], 'data_order', '', 'max_memory', '1GB', ...
                                         'output_path', '', 'from_time', [], 'to_time', [], 'channels', 'all', ...
                                         'buffer_size', 0), varargin, 'BatchPipeline');
      obj.path_to_input = path_to_input;
    end

    function add(obj, tasks)
      %ADD  Appends a PipedTransformation, or a cell array of them.
      if ~iscell(tasks)
        tasks = {tasks};
      end
      for k = 1:numel(tasks)
        if ~isa(tasks{k}, 'neurobatch.PipedTransformation')
          error('neurobatch:pipeline:badStep', 'BatchPipeline.add takes neurobatch.PipedTransformation objects');
        end
        obj.tasks{end + 1} = tasks{k};
      end
    end

    function [paths, params] = run(obj)
      %RUN  Runs every step; PATHS and PARAMS list each step's output.
      o = obj.options;
      n = numel(obj.tasks);
      if n == 0
        error('neurobatch:pipeline:noSteps', 'the pipeline has no steps');
      end
      if ~ischar(o.output_path) || ~isfolder(o.output_path)
        error('neurobatch:pipeline:badOutputPath', 'output_path must be an existing folder');
      end
      out = cell(1, n);
      for k = 1:n
        t = obj.tasks{k};
        neurobatch.internal.check_choice(t.mode, {'single_channel_one_batch', 'single_channel', 'multi_channel'}, ...
                     sprintf('mode of step %d', k), 'neurobatch:pipeline:badMode');
        neurobatch.internal.check_choice(t.if_file_exists, {'overwrite', 'abort', 'skip'}, sprintf('if_file_exists of step %d', k), ...
                     'neurobatch:pipeline:badIfFileExists');
        if ~isempty(t.cast_dtype)
          neurobatch.internal.neurobatch_mex('dtype_check', t.cast_dtype);
        end
        out{k} = fullfile(o.output_path, t.output_name);
        if any(strcmp(out{k}, out(1:k - 1)))
          error('neurobatch:pipeline:badOutputPath', 'two steps write %s', out{k});
        end
        neurobatch.internal.neurobatch_mex('output_check', out{k}, obj.path_to_input, ternary(strcmp(t.if_file_exists, 'abort'), 'abort', 'overwrite'));
      end
      paths = out;
      params = cell(1, n);
      skipped = false(1, n);
      input = obj.path_to_input;
      for k = 1:n
        t = obj.tasks{k};
        if k == 1
          bp = neurobatch.BatchProcessor(input, 'dtype', o.dtype, 'n_channels', o.n_channels, 'data_order', o.data_order, ...
                                         'max_memory', o.max_memory, 'buffer_size', o.buffer_size);
          range = {'from_time', o.from_time, 'to_time', o.to_time, 'channels', o.channels};
        else
          bp = neurobatch.BatchProcessor(input, 'max_memory', o.max_memory, 'buffer_size', o.buffer_size);
          range = {};
        end
        bp_guard = onCleanup(@() bp.close());
        common = [{'mode', 'disk', 'output_path', out{k}, 'if_file_exists', t.if_file_exists, 'cast_dtype', t.cast_dtype}, range];
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

function v = ternary(c, a, b)
if c
  v = a;
else
  v = b;
end
end

function p = sidecar_of(path)
[d, name] = fileparts(path);
p = fullfile(d, [name '.yaml']);
end
