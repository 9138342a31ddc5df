classdef PipedTransformation
  %PIPEDTRANSFORMATION  One step of a neurobatch.BatchPipeline (YASS's PipedTransformation).
  %
  %   t = neurobatch.PipedTransformation(@fn, 'filtered.bin', 'single_channel_one_batch', ...
  %                                      'keep', true, 'if_file_exists', 'overwrite', 'cast_dtype', '')
  %   mode: 'single_channel_one_batch' (each batch is a whole channel),
  %   'single_channel' (a channel split to respect max_memory) or
  %   'multi_channel'; by position or as 'mode', m. keep = false (default)
  %   deletes this step's output once the next step has consumed it. Extra
  %   arguments to FN (YASS's **kwargs): bind them in an anonymous function,
  %   @(x) butterworth(x, 300, 0.1, 3, 30000). Every argument is checked here.
  %
  %   Steps concatenate for BatchPipeline.add: [a, b] (in GNU Octave, which
  %   has no arrays of classdef objects, [a, b] makes the cell {a, b}).

  properties (SetAccess = private)
    function_handle = [];
    output_name = '';
    mode = '';
    keep = false;
    if_file_exists = 'overwrite';
    cast_dtype = '';
  end

  methods
    function obj = PipedTransformation(fn, output_name, varargin)
      where = 'PipedTransformation';
      mode = [];
      if mod(numel(varargin), 2) == 1
        mode = varargin{1};
        varargin = varargin(2:end);
      end
      o = neurobatch.internal.parse_options(struct('mode', mode, 'keep', false, 'if_file_exists', 'overwrite', 'cast_dtype', ''), ...
                                            varargin, where);
      if ~isa(fn, 'function_handle')
        neurobatch.internal.option_error(where, 'function', 'must be a function handle, such as @butterworth, got %s', ...
                                         neurobatch.internal.describe_value(fn));
      end
      output_name = neurobatch.internal.check_text(output_name, 'output_name', where);
      if isempty(output_name)
        neurobatch.internal.option_error(where, 'output_name', 'is empty: give the file name of the step''s output');
      end
      if isempty(o.mode)
        neurobatch.internal.option_error(where, 'mode', 'is missing: ''single_channel_one_batch'', ''single_channel'' or ''multi_channel''');
      end
      obj.mode = neurobatch.internal.check_choice(o.mode, {'single_channel_one_batch', 'single_channel', 'multi_channel'}, 'mode', where);
      obj.function_handle = fn;
      obj.output_name = output_name;
      obj.keep = neurobatch.internal.check_flag(o.keep, 'keep', where);
      obj.if_file_exists = neurobatch.internal.check_name('if_file_exists', o.if_file_exists, 'if_file_exists', where);
      if ~isempty(o.cast_dtype)
        obj.cast_dtype = neurobatch.internal.check_name('dtype', o.cast_dtype, 'cast_dtype', where);
      end
    end

    function steps = horzcat(varargin)
      % [a, b]: an array of steps in MATLAB, a cell array in GNU Octave.
      steps = concatenate(varargin);
    end

    function steps = vertcat(varargin)
      steps = concatenate(varargin);
    end
  end
end

function steps = concatenate(parts)
flat = {};
for k = 1:numel(parts)
  p = parts{k};
  if iscell(p)
    flat = [flat, reshape(p, 1, [])]; %#ok<AGROW>
  else
    for j = 1:numel(p)
      flat{end + 1} = p(j); %#ok<AGROW>
    end
  end
end
if exist('OCTAVE_VERSION', 'builtin')
  steps = flat;
else
  steps = builtin('horzcat', flat{:});
end
end
