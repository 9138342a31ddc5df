function test_pipeline()
% BatchPipeline: two steps (single channel, then multi channel), the
% intermediate removed with keep = false, the input kept; invalid steps
% rejected before anything runs.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 6, 3000, 'samples');
pipeline = neurobatch.BatchPipeline(p, 'dtype', 'int16', 'n_channels', 6, 'data_order', 'samples', ...
                                    'max_memory', '500MB', 'output_path', d, 'channels', [6 3 1 2], ...
                                    'from_time', 101, 'to_time', 2900);
pipeline.add({neurobatch.PipedTransformation(@(x) x + 1, 'filtered.bin', 'single_channel_one_batch'), ...
              neurobatch.PipedTransformation(@(x) int32(x) * 2, 'scaled.bin', 'multi_channel', 'keep', true)});
[paths, params] = pipeline.run();
assert(numel(paths) == 2 && strcmp(paths{2}, fullfile(d, 'scaled.bin')));
assert(strcmp(params{1}.data_order, 'channels') && strcmp(params{2}.dtype, 'int32') && params{2}.n_channels == 4);
assert(~exist(fullfile(d, 'filtered.bin'), 'file') && ~exist(fullfile(d, 'filtered.yaml'), 'file'));
assert(exist(p, 'file') == 2);
r = neurobatch.RecordingsReader(paths{2});
assert(isequal(double(r.read(1:2800)), (fixture_value(100:2899, [5 2 0 1], 6) + 1) * 2));
r.close();
% a bad step is refused when it is made
expect_error(@() neurobatch.PipedTransformation(@(x) x, 'b.bin', 'all_at_once'), 'neurobatch:arg:badMode', 'all_at_once');
% steps that cannot all run: nothing runs, nothing is created
bad = neurobatch.BatchPipeline(p, 'max_memory', '500MB', 'output_path', d);
bad.add(neurobatch.PipedTransformation(@(x) error('test:never', 'never'), 'a.bin', 'single_channel_one_batch'));
bad.add(neurobatch.PipedTransformation(@(x) x, 'a.bin', 'multi_channel'));
before = numel(dir(d));
expect_error(@() bad.run(), 'neurobatch:pipeline:badOutputPath', 'a.bin');
assert(numel(dir(d)) == before);
assert(neurobatch.liveHandles() == 0);
end
