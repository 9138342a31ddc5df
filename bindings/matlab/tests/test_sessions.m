function test_sessions()
% Issue 19 items 6 and 7: a session (a recording in several files) is given
% as a vector cell array (a 2-D one was read column-major and silently
% reordered the files); it works in disk mode (the cell array reached the
% output check, "input path must be a character vector"); the output may be
% none of its files; and a session may have more than 256 files.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
a = write_fixture(d, 'a.bin', 'int16', 3, 70, 'samples');
b = write_fixture(d, 'b.bin', 'int16', 3, 50, 'samples');
c = write_fixture(d, 'c.bin', 'int16', 3, 30, 'samples');
e = write_fixture(d, 'e.bin', 'int16', 3, 20, 'samples');

% 2-D cell arrays are refused, with the reason
expect_error(@() neurobatch.RecordingsReader({a, b; c, e}), 'neurobatch:arg:badPath', 'vector cell array');
expect_error(@() neurobatch.BatchProcessor({a, b; c, e}), 'neurobatch:arg:badPath', 'vector cell array');
expect_error(@() neurobatch.BatchPipeline({a, b; c, e}, 'output_path', d), 'neurobatch:arg:badPath', 'vector cell array');
expect_error(@() neurobatch.RecordingsReader({}), 'neurobatch:arg:badPath', 'vector cell array');
expect_error(@() neurobatch.RecordingsReader({a, 5}), 'neurobatch:arg:badPath', 'file 2 of the session');
% a column of paths is a vector: time order is kept
r = neurobatch.RecordingsReader({a; b});
assert(r.n_observations == 120 && isequal(double(r(70:71, 1)), [fixture_value(69, 0, 3); fixture_value(0, 0, 3)]));
r.close();

% disk mode over a session: multi- and single-channel, read back exactly
bp = neurobatch.BatchProcessor({a, b, c}, 'max_memory', 3 * 2 * 40);
out = fullfile(d, 'plus_one.bin');
[path, params] = bp.multiChannelApply(@(x) x + 1, 'disk', 'output_path', out);
assert(strcmp(path, out) && params.n_channels == 3);
want = [fixture_value(0:69, 0:2, 3); fixture_value(0:49, 0:2, 3); fixture_value(0:29, 0:2, 3)] + 1;
r = neurobatch.RecordingsReader(out);
assert(isequal(double(r(:, :)), want));
r.close();
out1 = fullfile(d, 'single.bin');
bp.singleChannelApply(@(x) x * 2, 'disk', 'output_path', out1, 'channels', [3 1], 'force_complete_channel_batch', false);
r = neurobatch.RecordingsReader(out1);
assert(isequal(double(r(:, :)), (want(:, [3 1]) - 1) * 2));
r.close();
% the output may not be any file of the session, nor share its sidecar
expect_error(@() bp.multiChannelApply(@(x) x, 'disk', 'output_path', b), 'neurobatch:output:badOutputPath', 'input');
expect_error(@() bp.multiChannelApply(@(x) x, 'disk', 'output_path', fullfile(d, 'c.dat')), 'neurobatch:output:badOutputPath', 'sidecar');
info = dir(b);
assert(info.bytes == 50 * 3 * 2);
bp.close();

% a pipeline over a session
pipe = neurobatch.BatchPipeline({a, b}, 'output_path', d, 'max_memory', '1MB');
pipe.add(neurobatch.PipedTransformation(@(x) x - 1, 'piped.bin', 'multi_channel'));
paths = pipe.run();
r = neurobatch.RecordingsReader(paths{1});
assert(isequal(double(r(:, 2)), [fixture_value(0:69, 1, 3); fixture_value(0:49, 1, 3)] - 1));
r.close();

% more than 256 files (the old cap), read as one recording
many = cell(1, 300);
for k = 1:300
  many{k} = write_fixture(d, sprintf('part%03d.bin', k), 'int16', 3, 2, 'samples');
end
r = neurobatch.RecordingsReader(many);
assert(r.n_observations == 600 && isequal(double(r(599:600, :)), fixture_value(0:1, 0:2, 3)));
r.close();
assert(neurobatch.liveHandles() == 0);
end
