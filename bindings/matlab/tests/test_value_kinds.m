function test_value_kinds()
% Issue 19 item 1 and the gateway audit: sparse, complex, logical, char,
% cell, N-D and non-vector values reach the library only as what they are.
% Sparse values are converted to full (castValues, disk results) with the
% right numbers, even large ones (these crashed Octave); everything else is
% an error with an identifier and a message that names what was given. The
% MEX gateway refuses them itself too, whoever calls it.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));

% castValues: sparse in, right numbers out (was [5 0 0; 0 0 0]; large ones segfaulted)
assert(isequal(neurobatch.castValues(sparse([0 0 5; 0 0 0]), 'int16'), int16([0 0 5; 0 0 0])));
big = neurobatch.castValues(sparse(6000, 6000), 'int8');
assert(strcmp(class(big), 'int8') && isequal(size(big), [6000 6000]) && ~any(big(:)));
clear big
s = sparse([1 3000], [2 5999], [7.9 -3.2], 3000, 6000);
y = neurobatch.castValues(s, 'int32');
assert(y(1, 2) == 7 && y(3000, 5999) == -3 && nnz(y) == 2);
% shapes are kept, N-D too
assert(isequal(size(neurobatch.castValues(ones(2, 3, 4), 'uint8')), [2 3 4]));
% what cannot be cast
expect_error(@() neurobatch.castValues([1+2i 3], 'int16'), 'neurobatch:arg:badValues', 'complex');
expect_error(@() neurobatch.castValues(true(2), 'int16'), 'neurobatch:arg:badValues', 'logical');
expect_error(@() neurobatch.castValues('abc', 'int16'), 'neurobatch:arg:badValues', '''abc''');
expect_error(@() neurobatch.castValues({1}, 'int16'), 'neurobatch:arg:badValues', 'cell');

% disk results: sparse written as its full values
p = write_fixture(d, 'in.bin', 'int16', 3, 200, 'samples');
bp = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 50);
out = fullfile(d, 'sparse.bin');
bp.multiChannelApply(@(x) sparse(double(x) .* (double(x) > 300)), 'mode', 'disk', 'output_path', out);
r = neurobatch.RecordingsReader(out);
v = fixture_value(0:199, 0:2, 3);
assert(strcmp(r.dtype, 'float64') && isequal(r.read(1:200), v .* (v > 300)));
r.close();
% a large sparse result (segfaulted): written in full, every value right
out_big = fullfile(d, 'sparse_big.bin');
bp1 = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 200);   % one batch
bp1.multiChannelApply(@(x) sparse([1 2000], [1 3], [4 5], 2000, 3), 'mode', 'disk', 'output_path', out_big);
r = neurobatch.RecordingsReader(out_big);
x = r.read(1:2000);
assert(isequal(size(x), [2000 3]) && x(1, 1) == 4 && x(2000, 3) == 5 && nnz(x) == 2);
r.close();
bp1.close();
% results that cannot be written: an error naming the batch and the kind, no output
bad = fullfile(d, 'bad.bin');
expect_error(@() bp.multiChannelApply(@(x) complex(double(x), 1), 'mode', 'disk', 'output_path', bad), ...
             'neurobatch:apply:badResult', 'complex double');
expect_error(@() bp.multiChannelApply(@(x) x > 0, 'mode', 'disk', 'output_path', bad), 'neurobatch:apply:badResult', 'uint8(y)');
expect_error(@() bp.multiChannelApply(@(x) 'text', 'mode', 'disk', 'output_path', bad), 'neurobatch:apply:badResult', 'char');
expect_error(@() bp.multiChannelApply(@(x) {x}, 'mode', 'disk', 'output_path', bad), 'neurobatch:apply:badResult', 'cell');
expect_error(@() bp.multiChannelApply(@(x) cat(3, x, x), 'mode', 'disk', 'output_path', bad), 'neurobatch:apply:badResult', 'x2 int16');
expect_error(@() bp.singleChannelApply(@(x) [x x], 'mode', 'disk', 'output_path', bad, 'channels', 1, 'force_complete_channel_batch', false), ...
             'neurobatch:apply:badResult', 'vector');
expect_error(@() bp.multiChannelApply(@(x) complex(double(x), 1), 'cast_dtype', 'int16'), 'neurobatch:apply:badResult', 'batch 1 of 4');
assert(~exist(bad, 'file'));
% memory mode keeps whatever the function returns
res = bp.multiChannelApply(@(x) sparse(double(x)), 'channels', 1);
assert(issparse(res{1}));
bp.close();

% the gateway's own guard, for any caller
mex = @neurobatch.internal.neurobatch_mex;
r = neurobatch.RecordingsReader(p);
expect_error(@() mex('cast', sparse([1 2]), 'int16'), 'neurobatch:arg:badResult', 'full()');
expect_error(@() mex('cast', [1+1i 2], 'int16'), 'neurobatch:arg:badResult', 'complex');
expect_error(@() mex('reader_info', sparse(r.Id)), 'neurobatch:arg:badType', 'handle id');
expect_error(@() mex('reader_read', r.Id, 0, 3, sparse([0 1]), 0), 'neurobatch:arg:badType', 'sparse');
expect_error(@() mex('reader_read', r.Id, 0, 3, complex([0 1], [1 1]), 0), 'neurobatch:arg:badType', 'channels');
expect_error(@() mex('reader_read', r.Id, 0, 3, [0 1; 1 2], 0), 'neurobatch:arg:badType', '2x2');
expect_error(@() mex('reader_read', r.Id, 0, 3, 'all', sparse(1)), 'neurobatch:arg:badType', 'sparse');
expect_error(@() mex('reader_open', [p; p]), 'neurobatch:arg:badType', 'one row');
expect_error(@() mex('reader_open', [p char(0) 'x']), 'neurobatch:arg:badType', 'NUL');
expect_error(@() mex('reader_open', {p, p; p, p}), 'neurobatch:arg:badType', 'vector');
expect_error(@() mex('cursor_new', r.Id, struct('microvolts', 'no')), 'neurobatch:arg:badType', 'microvolts');
expect_error(@() mex('cursor_new', r.Id, struct('single_channel', NaN)), 'neurobatch:arg:badType', 'single_channel');
wid = mex('writer_open', fullfile(d, 'w.bin'), 'samples', 2, 'int16');
expect_error(@() mex('writer_append', wid, sparse([1 2])), 'neurobatch:arg:badResult', 'full()');
expect_error(@() mex('writer_append', wid, [1 2] + 1i), 'neurobatch:arg:badResult', 'complex double');
mex('free', wid);
r.close();
assert(neurobatch.liveHandles() == 0);
end
