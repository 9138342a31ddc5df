classdef PipedTransformation
  %PIPEDTRANSFORMATION  One step of a neurobatch.BatchPipeline (YASS's PipedTransformation).
  %
  %   t = neurobatch.PipedTransformation(@fn, 'filtered.bin', 'single_channel_one_batch', ...
  %                                      'keep', true, 'if_file_exists', 'overwrite', 'cast_dtype', '')
  %   mode: 'single_channel_one_batch' (each batch is a whole channel),
  %   'single_channel' (a channel split to respect max_memory) or
  %   'multi_channel'. keep = false (default) deletes this step's output
  %   once the next step has consumed it. Extra arguments to FN: bind them
  %   in an anonymous function, @(x) fn(x, 300, 0.1).

  properties (SetAccess = private)
    function_handle = [];
    output_name = '';
    mode = '';
    keep = false;
    if_file_exists = 'overwrite';
    cast_dtype = '';
  end

  methods
    function obj = PipedTransformation(fn, output_name, mode, varargin)
      o = neurobatch.internal.parse_options(struct('keep', false, 'if_file_exists', 'overwrite', 'cast_dtype', ''), varargin, 'PipedTransformation');
      if ~isa(fn, 'function_handle')
        error('neurobatch:pipeline:badFunction', 'PipedTransformation: the function must be a function handle');
      end
      if ~ischar(output_name) || isempty(output_name)
        error('neurobatch:pipeline:badName', 'PipedTransformation: output_name must be a non-empty file name');
      end
      obj.function_handle = fn;
      obj.output_name = output_name;
      obj.mode = mode;
      obj.keep = logical(o.keep);
      obj.if_file_exists = o.if_file_exists;
      obj.cast_dtype = o.cast_dtype;
    end
  end
end
