% single_channel_apply.m: apply a filter to every channel of a large file
% (YASS's single_channel_apply example; a moving-average high-pass stands
% in for the Butterworth filter).
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
path_to_filtered_data = fullfile(folder, 'filtered.bin');
data = int16(mod((0:59999)' * 7 + (0:384), 200) - 100);
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

window = 64;
highpass = @(x) single(double(x) - filter(ones(window, 1) / window, 1, double(x)));
bp = neurobatch.BatchProcessor(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, ...
                               'data_order', 'samples', 'max_memory', '500MB');
bp.singleChannelApply(highpass, 'mode', 'disk', 'output_path', path_to_filtered_data, 'channels', [1 2 3]);
bp.close();

raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples');
filtered = neurobatch.RecordingsReader(path_to_filtered_data);   % float32, 'channels' order, from the sidecar
fprintf('filtered: %s of %s, %s order\n', mat2str(filtered.shape()), filtered.dtype, filtered.data_order);
f = filtered.read(1:2000, 1:3);
expected = highpass(raw.read(1:60000, 2));
assert(max(abs(double(f(:, 2)) - double(expected(1:2000)))) < 1e-4);
raw.close(); filtered.close();
rmdir(folder, 's');
