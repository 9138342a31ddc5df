function test_options()
% Issue 19 item 8: every option is checked where it is given (the
% constructor, or the call that takes it), before anything is opened or
% run, with an error id that names it (neurobatch:arg:bad<Option>) and a
% message that starts with the function and the option. Before, some fell
% through to raw Octave errors ('microvolts','no'; NaN flags), some were
% accepted (max_memory Inf, buffer_size 1e30, stream 0 as the default).
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 3, 100, 'samples');
RR = @(varargin) neurobatch.RecordingsReader(p, varargin{:});
BP = @(varargin) neurobatch.BatchProcessor(p, varargin{:});
BL = @(varargin) neurobatch.BatchPipeline(p, 'output_path', d, varargin{:});
PT = @(varargin) neurobatch.PipedTransformation(@(x) x, 'out.bin', 'multi_channel', varargin{:});
% {constructor, option, bad value, text the message must contain}
cases = {
  BP, 'microvolts', 'no', '''no'''
  BP, 'microvolts', NaN, 'NaN'
  BP, 'show_progress_bar', 2, 'true or false'
  BP, 'max_memory', Inf, 'Inf'
  BP, 'max_memory', -1, '-1'
  BP, 'max_memory', 1.5, '1.5'
  BP, 'max_memory', '1.5GB', '1.5GB'
  BP, 'max_memory', [1 2], '1x2 double'
  BP, 'buffer_size', 1e30, '1e+30'
  BP, 'buffer_size', -1, '-1'
  BP, 'buffer_size', NaN, 'NaN'
  BP, 'buffer_size', '10', '''10'''
  BP, 'edge', 'wrap', '''wrap'''
  BP, 'read_ahead', 'always', '''always'''
  BP, 'stream', 0, 'count from 1'
  BP, 'loader', 'fast', '''fast'''
  RR, 'stream', 0, 'count from 1'
  RR, 'stream', 1.5, '1.5'
  RR, 'stream', ['ab'; 'cd'], '2x2 char'
  RR, 'dtype', 'int12', 'int12'
  RR, 'dtype', 16, '16'
  RR, 'n_channels', 0, '0'
  RR, 'n_channels', 2.5, '2.5'
  RR, 'n_channels', Inf, 'Inf'
  RR, 'data_order', 'rows', 'rows'
  RR, 'loader', 'fast', '''fast'''
  RR, 'sampling_rate', -30000, '-30000'
  RR, 'sampling_rate', NaN, 'NaN'
  RR, 'sampling_rate', complex(30000, 1), 'complex'
  BL, 'max_memory', Inf, 'Inf'
  BL, 'buffer_size', 1e30, '1e+30'
  BL, 'read_ahead', 'never', '''never'''
  BL, 'from_time', 0, '0'
  BL, 'to_time', -1, '-1'
  BL, 'channels', 'some', '''some'''
  BL, 'dtype', 'int12', 'int12'
  PT, 'keep', 'yes', '''yes'''
  PT, 'if_file_exists', 'replace', 'replace'
  PT, 'cast_dtype', 'int12', 'int12'
};
for k = 1:size(cases, 1)
  [make, option, value, part] = cases{k, :};
  id = ['neurobatch:arg:bad' option_camel(option)];
  err = expect_error(@() make(option, value), id, part);
  assert(~isempty(strfind(err.message, [option ' '])) || ~isempty(strfind(err.message, [option ':'])), ...
         'the message "%s" does not name %s', err.message, option);
end
assert(neurobatch.liveHandles() == 0);   % nothing was opened

% paths: one row of text without NUL
expect_error(@() neurobatch.RecordingsReader([p; p]), 'neurobatch:arg:badPath', 'one row');
expect_error(@() neurobatch.BatchProcessor([p; p]), 'neurobatch:arg:badPath', 'one row');
expect_error(@() neurobatch.RecordingsReader([p char(0) '.bin']), 'neurobatch:arg:badPath', 'NUL');
expect_error(@() neurobatch.RecordingsReader(42), 'neurobatch:arg:badPath', '42');
expect_error(@() neurobatch.RecordingsReader(''), 'neurobatch:arg:badPath', 'empty');
% PipedTransformation's positional arguments
expect_error(@() neurobatch.PipedTransformation('x', 'out.bin', 'multi_channel'), 'neurobatch:arg:badFunction', '''x''');
expect_error(@() neurobatch.PipedTransformation(@(x) x, '', 'multi_channel'), 'neurobatch:arg:badOutputName', 'empty');
expect_error(@() neurobatch.PipedTransformation(@(x) x, 'out.bin', 'sideways'), 'neurobatch:arg:badMode', 'sideways');
expect_error(@() neurobatch.PipedTransformation(@(x) x, 'out.bin'), 'neurobatch:arg:badMode', 'missing');
expect_error(@() neurobatch.BatchPipeline(p, 'output_path', fullfile(d, 'nowhere')), 'neurobatch:arg:badOutputPath', 'existing folder');
% name-value pairs: the wrong argument is named
expect_error(@() BP('max_memory'), 'neurobatch:arg:nameValue', '''max_memory'' has no value');
expect_error(@() BP(5, 6), 'neurobatch:arg:nameValue', 'option name');
expect_error(@() BP('colour', 'red'), 'neurobatch:arg:unknownOption', 'colour');

% the options of traversals and apply, checked before anything runs
bp = BP('max_memory', 3 * 2 * 10);
calls = 0;
never = @(x) error('test:never', 'the function must not run');
apply_cases = {
  'mode', 'tape', '''tape'''
  'output_path', 5, '5'
  'if_file_exists', 'replace', 'replace'
  'cast_dtype', 'int12', 'int12'
  'cleanup_function', 5, '5'
  'pass_batch_info', 'yes', '''yes'''
  'pass_batch_results', NaN, 'NaN'
  'from_time', 0, '0'
  'from_time', 2.5, '2.5'
  'to_time', 101, 'observations 1 to 100'
  'channels', 4, 'channel 4'
  'channels', 'some', '''some'''
};
for k = 1:size(apply_cases, 1)
  [option, value, part] = apply_cases{k, :};
  expect_error(@() bp.multiChannelApply(never, option, value), ['neurobatch:arg:bad' option_camel(option)], part);
end
expect_error(@() bp.singleChannelApply(never, 'force_complete_channel_batch', NaN), 'neurobatch:arg:badForceCompleteChannelBatch', 'NaN');
expect_error(@() bp.singleChannel('force_complete_channel_batch', 'no'), 'neurobatch:arg:badForceCompleteChannelBatch', '''no''');
expect_error(@() bp.multiChannelApply(never, 'disk'), 'neurobatch:arg:badOutputPath', 'disk');
expect_error(@() bp.multiChannelApply(never, 'disk', 'output_path', [p char(0)]), 'neurobatch:arg:badOutputPath', 'NUL');
expect_error(@() bp.multiChannelApply('max'), 'neurobatch:arg:badFunction', 'function handle');
bp.close();
assert(neurobatch.liveHandles() == 0);
end

function s = option_camel(option)
parts = strsplit(option, '_');
for k = 1:numel(parts)
  parts{k}(1) = upper(parts{k}(1));
end
s = strjoin(parts, '');
end
