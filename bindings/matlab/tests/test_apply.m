function test_apply()
% multiChannelApply / singleChannelApply: memory and disk modes against
% values computed here, sidecars, read-back, cleanup, cast, pass_batch_info,
% pass_batch_results, if_file_exists, zero batches, and MATLAB errors in the
% user function (a normal error, no output file).
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 10, 1000, 'samples');
bp = neurobatch.BatchProcessor(p, 'max_memory', 600);  % 30 rows of all 10 channels

% memory: the max of every channel per batch, then overall
res = bp.multiChannelApply(@(x) max(x, [], 1), 'mode', 'memory', 'channels', [1 2 3]);
assert(iscell(res) && numel(res) == 10);  % 100 rows of 3 channels per batch
assert(isequal(class(res{1}), 'int16') && isequal(size(res{1}), [1 3]));
overall = max(cat(1, res{:}), [], 1);
assert(isequal(double(overall), max(fixture_value(0:999, 0:2, 10), [], 1)));

% disk: add one, read back through the sidecar
out = fullfile(d, 'added.bin');
[path, params] = bp.multiChannelApply(@(x) x + 1, 'mode', 'disk', 'output_path', out, 'channels', [1 2 3]);
assert(strcmp(path, out) && params.n_channels == 3 && strcmp(params.dtype, 'int16') && strcmp(params.data_order, 'samples'));
r = neurobatch.RecordingsReader(out);
assert(isequal(double(r.read(1:1000)), fixture_value(0:999, 0:2, 10) + 1));
r.close();
fid = fopen(fullfile(d, 'added.yaml'));
text = fread(fid, Inf, 'char=>char')';
fclose(fid);
assert(strcmp(text, sprintf('data_bytes: 6000\ndata_order: samples\ndtype: int16\nn_channels: 3\n')));
fid = fopen(out);
raw = fread(fid, Inf, 'int16=>double');
fclose(fid);
want = fixture_value(0:999, 0:2, 10)' + 1;
assert(isequal(raw, want(:)));  % byte order on disk: observation after observation

% buffer + cleanup_function trimming + pass_batch_info
bpb = neurobatch.BatchProcessor(p, 'max_memory', 600, 'buffer_size', 4);
trim = @(res, idx_local, idx, buffer_size) res(idx_local, :);
out2 = fullfile(d, 'trimmed.bin');
bpb.multiChannelApply(@(x, idx_local, idx) x * 2, 'mode', 'disk', 'output_path', out2, ...
                      'cleanup_function', trim, 'pass_batch_info', true);
r = neurobatch.RecordingsReader(out2);
assert(isequal(double(r.read(1:1000)), fixture_value(0:999, 0:9, 10) * 2));
r.close();
bpb.close();

% pass_batch_results: running sums; only the last comes back
total = bp.multiChannelApply(@(x, prev) sum_with(x, prev), 'pass_batch_results', true, 'channels', 4);
assert(total == sum(fixture_value(0:999, 3, 10)));
none = bp.multiChannelApply(@(x, prev) 1, 'pass_batch_results', true, 'from_time', 6, 'to_time', 5);  % 6:5 is empty
assert(isempty(none));

% cast_dtype uses the library's cast (truncation, as numpy), not MATLAB rounding
cast_res = bp.multiChannelApply(@(x) double(x) / 4 + 0.7, 'cast_dtype', 'int32', 'channels', 1, 'to_time', 30);
want = fix(fixture_value(0:29, 0, 10) / 4 + 0.7);
assert(strcmp(class(cast_res{1}), 'int32') && isequal(double(cast_res{1}), want));
assert(isequal(neurobatch.castValues([1.9 -1.9], 'int16'), int16([1 -1])));

% single channel to disk: channels order, labelled so, read back as obs x ch
out3 = fullfile(d, 'single.bin');
[~, params] = bp.singleChannelApply(@(x) single(x) - 1, 'mode', 'disk', 'output_path', out3, 'channels', [5 2], ...
                                    'force_complete_channel_batch', false, 'from_time', 101, 'to_time', 900);
assert(strcmp(params.data_order, 'channels') && params.n_channels == 2 && strcmp(params.dtype, 'float32'));
r = neurobatch.RecordingsReader(out3);
assert(isequal(double(r.read(1:800)), fixture_value(100:899, [4 1], 10) - 1));
r.close();

% if_file_exists
calls = 0;
expect_error(@() bp.multiChannelApply(@(x) x, 'mode', 'disk', 'output_path', out, 'if_file_exists', 'abort'), ...
             'neurobatch:output:fileExists', 'added.bin');
[path, params] = bp.multiChannelApply(@(x) error('test:never', 'never called'), 'mode', 'disk', ...
                                      'output_path', out, 'if_file_exists', 'skip');
assert(strcmp(path, out) && params.n_channels == 3);
expect_error(@() bp.multiChannelApply(@(x) x, 'if_file_exists', 'replace'), 'neurobatch:arg:badIfFileExists', 'replace');
expect_error(@() bp.multiChannelApply(@(x) x, 'mode', 'tape'), 'neurobatch:arg:badMode', 'tape');
expect_error(@() bp.multiChannelApply(@(x) x, 'mode', 'disk'), 'neurobatch:arg:badOutputPath', 'output_path');
expect_error(@() bp.multiChannelApply(@(x) x, 'mode', 'disk', 'output_path', p), 'neurobatch:output:badOutputPath', 'input');
expect_error(@() bp.multiChannelApply(@(x) x, 'cast_dtype', 'int12'), 'neurobatch:arg:badCastDtype', 'int12');
expect_error(@() bp.singleChannelApply(@(x) x, 'cleanup_function', trim), 'neurobatch:arg:unknownOption', 'cleanup_function');

% zero batches: an empty output with its sidecar
out4 = fullfile(d, 'empty.bin');
[~, params] = bp.singleChannelApply(@(x) x, 'mode', 'disk', 'output_path', out4, 'from_time', 8, 'to_time', 7, ...
                                    'channels', [1 2 3], 'cast_dtype', 'float64');
assert(params.n_channels == 3 && strcmp(params.dtype, 'float64') && strcmp(params.data_order, 'channels'));
info = dir(out4);
assert(info.bytes == 0);

% an error in the user function is a normal MATLAB error and leaves no output
out5 = fullfile(d, 'failed.bin');
before = numel(dir(d));
expect_error(@() bp.multiChannelApply(@(x) fail_at(x), 'mode', 'disk', 'output_path', out5), 'user:failed', 'batch with');
assert(~exist(out5, 'file') && numel(dir(d)) == before);
% results of another column count are an error, with no output either
expect_error(@() bp.multiChannelApply(@(x) x(:, 1:(1 + (x(1) > 100))), 'mode', 'disk', 'output_path', out5), ...
             'neurobatch:writer:resultMismatch', 'columns');
assert(~exist(out5, 'file') && numel(dir(d)) == before);
bp.close();
assert(neurobatch.liveHandles() == 0);
end

function s = sum_with(x, prev)
if isempty(prev)
  prev = 0;
end
s = prev + sum(double(x));
end

function y = fail_at(x)
if x(1, 1) > 3000
  error('user:failed', 'the batch with %d failed', x(1, 1));
end
y = x;
end
