function test_yass_shapes()
% Issue 14: YASS's call shapes work: mode as the argument after the function
% (bp.multi_channel_apply(fn, 'disk', 'output_path', p)), the snake_case
% names (multi_channel, single_channel, multi_channel_apply,
% single_channel_apply) giving the same results as the camelCase ones,
% pipeline.add([a, b]) as well as {a, b}; errors name the wrong argument;
% a closed processor says it is closed.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 4, 300, 'samples');
bp = neurobatch.BatchProcessor(p, 'max_memory', 4 * 2 * 100);

% snake_case and camelCase: the same batches and results
c1 = bp.multi_channel('from_time', 11, 'channels', [2 4]);
c2 = bp.multiChannel('from_time', 11, 'channels', [2 4]);
while c1.hasNext()
  [x1, l1, i1] = c1.next();
  [x2, l2, i2] = c2.next();
  assert(isequal(x1, x2) && isequal(l1, l2) && isequal(i1, i2));
end
assert(~c2.hasNext());
c1 = bp.single_channel('channels', 3);
x = c1.next();
assert(isequal(double(x), fixture_value(0:299, 2, 4)));
c1.close(); c2.close();
m1 = bp.multi_channel_apply(@(x) sum(double(x), 1), 'memory', 'channels', [1 2]);
m2 = bp.multiChannelApply(@(x) sum(double(x), 1), 'mode', 'memory', 'channels', [1 2]);
assert(isequal(m1, m2) && numel(m1) == 2);
s1 = bp.single_channel_apply(@(x) max(x), 'memory');
s2 = bp.singleChannelApply(@(x) max(x));
assert(isequal(s1, s2) && numel(s1) == 4);

% mode by position, to disk, for both traversals
out = fullfile(d, 'pos.bin');
[path, params] = bp.multi_channel_apply(@(x) x * 3, 'disk', 'output_path', out, 'channels', [4 1]);
assert(strcmp(path, out) && params.n_channels == 2);
r = neurobatch.RecordingsReader(out);
assert(isequal(double(r(:, :)), fixture_value(0:299, [3 0], 4) * 3));
r.close();
out2 = fullfile(d, 'pos_single.bin');
bp.single_channel_apply(@(x) x - 1, 'disk', 'output_path', out2, 'channels', 2);
r = neurobatch.RecordingsReader(out2);
assert(strcmp(r.data_order, 'channels') && isequal(double(r(:, 1)), fixture_value(0:299, 1, 4) - 1));
r.close();
res = bp.multiChannelApply(@(x) 1, 'memory');
assert(numel(res) == 3);

% errors name the argument
never = @(x) error('test:never', 'the function must not run');
expect_error(@() bp.multi_channel_apply(never, 'tape'), 'neurobatch:arg:badMode', '''tape''');
expect_error(@() bp.multi_channel_apply(never, 'tape', 'output_path', out), 'neurobatch:arg:badMode', '''tape''');
expect_error(@() bp.multi_channel_apply(never, 'disk', 'output_path'), 'neurobatch:arg:nameValue', '''output_path'' has no value');
expect_error(@() bp.multi_channel_apply(never, 'disk', 'mode', 'memory'), 'neurobatch:arg:badMode', 'twice');
expect_error(@() bp.multi_channel_apply(never, 'output_path', out, 'disk'), 'neurobatch:arg:unknownOption', '''disk''');
expect_error(@() bp.multi_channel_apply(never, 'disk', 'colour', 'red'), 'neurobatch:arg:unknownOption', 'multi_channel_apply');
err = expect_error(@() bp.multi_channel_apply(never, 'memory', 'channels', 9), 'neurobatch:arg:badChannels', 'multi_channel_apply');
assert(isempty(strfind(err.message, 'neurobatch_mex')));

% pipeline.add: [a, b], {a, b}, one step
a = neurobatch.PipedTransformation(@(x) x + 1, 'one.bin', 'single_channel_one_batch');
b = neurobatch.PipedTransformation(@(x) x * 2, 'two.bin', 'mode', 'multi_channel', 'keep', true);
c = neurobatch.PipedTransformation(@(x) x - 3, 'three.bin', 'multi_channel');
steps = [a, b];
assert(numel(steps) == 2);
p1 = neurobatch.BatchPipeline(p, 'output_path', d, 'max_memory', '1MB');
p1.add([a, b]);
p1.add(c);
assert(numel(p1.tasks) == 3);
p2 = neurobatch.BatchPipeline(p, 'output_path', d, 'max_memory', '1MB');
p2.add({a, b});
p2.add([c]); %#ok<NBRAK>
assert(numel(p2.tasks) == 3);
paths = p1.run();
r = neurobatch.RecordingsReader(paths{3});
assert(isequal(double(r(:, :)), (fixture_value(0:299, 0:3, 4) + 1) * 2 - 3));
r.close();
expect_error(@() p2.add({a, 5}), 'neurobatch:arg:badSteps', '5');

% a closed processor says so, whatever is called
bp.close();
expect_error(@() bp.multiChannel(), 'neurobatch:processor:closed', 'closed');
expect_error(@() bp.multi_channel(), 'neurobatch:processor:closed', 'in.bin');
expect_error(@() bp.single_channel_apply(@(x) x, 'memory'), 'neurobatch:processor:closed', 'closed');
expect_error(@() bp.multiChannelApply(@(x) x, 'disk', 'output_path', out), 'neurobatch:processor:closed', 'closed');
assert(~bp.isOpen());
assert(neurobatch.liveHandles() == 0);
end
