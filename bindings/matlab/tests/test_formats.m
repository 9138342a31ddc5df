function test_formats()
% SpikeGLX and Open Ephys recordings, written here with their real field
% names: format, sampling rate and microvolts per count come from their
% metadata (gains checked against values computed by hand), and
% 'microvolts', true delivers single-precision microvolt batches.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
% SpikeGLX, a Neuropixels 1.0 .ap.meta as SpikeGLX writes a subset save:
% acquired 384 AP + 384 LF + 1 SY; saved AP 0-3 (gains 500, 500, 1000, 500)
% and the sync word (acquired channel 768); 100 samples
v = int16(reshape(mod(0:499, 97) - 40, 5, 100));   % channels x samples = samples order on disk
fid = fopen(fullfile(d, 'run_g0_t0.imec0.ap.bin'), 'w'); fwrite(fid, v, 'int16'); fclose(fid);
gains = 500 * ones(1, 384); gains(3) = 1000;
imro = '(0,384)';
for c = 0:383
  imro = [imro, sprintf('(%d 0 0 %d 250 1)', c, gains(c + 1))];
end
fid = fopen(fullfile(d, 'run_g0_t0.imec0.ap.meta'), 'w');
fprintf(fid, 'imSampRate=30000\nimAiRangeMax=0.6\nimMaxInt=512\nnSavedChans=5\nacqApLfSy=384,384,1\nsnsApLfSy=4,0,1\nsnsSaveChanSubset=0:3,768\n');
fprintf(fid, '~imroTbl=%s\n', imro);
fclose(fid);
r = neurobatch.RecordingsReader(fullfile(d, 'run_g0_t0.imec0.ap.bin'));
assert(strcmp(r.format, 'spikeglx') && r.n_channels == 5 && r.n_observations == 100);
assert(r.sampling_rate == 30000);
assert(isequal(r.scales_uv, [2.34375 2.34375 1.171875 2.34375 1]));   % 0.6 / 512 / gain * 1e6; sync: 1
assert(isequal(r.channel_kinds, {'neural_ap', 'neural_ap', 'neural_ap', 'neural_ap', 'digital'}));
assert(isequal(r.neural_channels(), 1:4));
r.close();
bp = neurobatch.BatchProcessor(fullfile(d, 'run_g0_t0.imec0.ap.bin'), 'microvolts', true, 'max_memory', 5 * 2 * 40);
c = bp.multiChannel();
x = c.next();
assert(isa(x, 'single') && isequal(size(x), [40 5]));
want = single(double(v(:, 1:40)') .* [2.34375 2.34375 1.171875 2.34375 1]);
assert(isequal(x, want));
c.close();
% Open Ephys: two streams, chosen by name or 1-based index
root = fullfile(d, 'Record Node 101', 'experiment1', 'recording1');
names = {'Acquisition_Board-100.Rhythm Data', 'Acquisition_Board-100.Rhythm Data_ADC'};
for k = 1:2
  mkdir(fullfile(root, 'continuous', names{k}));
  fid = fopen(fullfile(root, 'continuous', names{k}, 'continuous.dat'), 'w'); fwrite(fid, zeros(k, 30), 'int16'); fclose(fid);
end
fid = fopen(fullfile(root, 'structure.oebin'), 'w');
fprintf(fid, '{"continuous": [{"folder_name": "%s/", "sample_rate": 30000.0, "stream_name": "Rhythm Data", "num_channels": 1, "channels": [{"channel_name": "CH1", "bit_volts": 0.195, "units": "uV"}]},', names{1});
fprintf(fid, ' {"folder_name": "%s/", "sample_rate": 30000.0, "stream_name": "Rhythm Data_ADC", "num_channels": 2, "channels": [{"channel_name": "ADC1", "bit_volts": 0.000152587890625, "units": "V"}, {"channel_name": "ADC2", "bit_volts": 0.000152587890625, "units": "V"}]}]}\n', names{2});
fclose(fid);
r = neurobatch.RecordingsReader(fullfile(root, 'structure.oebin'), 'stream', 'Rhythm Data_ADC');
assert(strcmp(r.format, 'openephys') && r.n_channels == 2 && r.n_observations == 30);
assert(isequal(r.scales_uv, [152.587890625 152.587890625]));
assert(isequal(r.channel_kinds, {'analog', 'analog'}) && isempty(r.neural_channels()));
r.close();
r = neurobatch.RecordingsReader(fullfile(root, 'structure.oebin'), 'stream', 1);
assert(r.n_channels == 1 && r.scales_uv == 0.195 && r.sampling_rate == 30000);
assert(isequal(r.channel_kinds, {'neural'}) && r.neural_channels() == 1);
r.close();
% a plain file: nothing known
p = write_fixture(d, 'plain.bin', 'int16', 3, 10, 'samples');
r = neurobatch.RecordingsReader(p);
assert(strcmp(r.format, 'raw') && isempty(r.sampling_rate) && isempty(r.scales_uv) && isempty(r.channel_kinds));
r.close();
expect_error(@() neurobatch.BatchProcessor(p, 'microvolts', true).multiChannel(), 'neurobatch:cursor:noMetadata');
% a session: two files read as one recording, a batch across the boundary
a = write_fixture(d, 'part_a.bin', 'int16', 3, 70, 'samples');
b = write_fixture(d, 'part_b.bin', 'int16', 3, 50, 'samples');
r = neurobatch.RecordingsReader({a, b});
assert(r.n_observations == 120);
x = r.read(69:72, 'all');
assert(isequal(double(x), [fixture_value(68:69, 0:2, 3); fixture_value(0:1, 0:2, 3)]));
r.close();
bp = neurobatch.BatchProcessor({a, b}, 'max_memory', 3 * 2 * 40);
c = bp.multiChannel();
n = 0;
while c.hasNext()
  [x, idx_local, idx] = c.next();
  n = n + numel(idx{1});
end
assert(n == 120);
c.close();
w = write_fixture(d, 'wide.bin', 'int16', 4, 10, 'samples');
expect_error(@() neurobatch.RecordingsReader({a, w}), 'neurobatch:reader:badArgument', 'must agree');
end