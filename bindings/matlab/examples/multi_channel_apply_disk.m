% multi_channel_apply_disk.m: process a large file in batches and save the
% results to disk (YASS's multi_channel_apply_disk example).
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
path_to_modified_data = fullfile(folder, 'modified.bin');
data = int16(mod((0:99999)' * 7 + (0:384), 200) - 100);
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

sum_one = @(batch) batch + 1;   % add one to every element in the batch
bp = neurobatch.BatchProcessor(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, ...
                               'data_order', 'samples', 'max_memory', '5MB');
[path, params] = bp.multiChannelApply(sum_one, 'mode', 'disk', 'output_path', path_to_modified_data, ...
                                      'channels', [1 2 3]);
bp.close();
disp(params);

raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples');
filtered = neurobatch.RecordingsReader(path_to_modified_data);   % parameters come from the sidecar
a = raw.read(1:2000, 1);
b = filtered.read(1:2000, 1);
assert(isequal(b, a + 1));
fprintf('raw(1:5, 1) = %s; filtered(1:5, 1) = %s\n', mat2str(a(1:5)'), mat2str(b(1:5)'));
raw.close(); filtered.close();
rmdir(folder, 's');
