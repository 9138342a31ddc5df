% pipeline.m: chain batch operations and write partial results to disk
% (YASS's BatchPipeline example).
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
data = int16(mod((0:29999)' * 7 + (0:384), 200) - 100);
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

center = @(x) single(double(x) - mean(double(x)));               % a stand-in for butterworth
standarize = @(x) single(double(x) / max(std(double(x), 1), eps));

pipeline = neurobatch.BatchPipeline(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, ...
                                    'data_order', 'samples', 'max_memory', '500MB', 'output_path', folder);
butterworth_op = neurobatch.PipedTransformation(center, 'filtered.bin', 'single_channel_one_batch', 'keep', true);
standarize_op = neurobatch.PipedTransformation(standarize, 'standarized.bin', 'single_channel_one_batch', 'keep', true);
pipeline.add({butterworth_op, standarize_op});
[paths, params] = pipeline.run();
disp(paths);

raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples');
filtered = neurobatch.RecordingsReader(fullfile(folder, 'filtered.bin'));
standarized = neurobatch.RecordingsReader(fullfile(folder, 'standarized.bin'));
s = double(standarized.read(1:30000, 1));
fprintf('standarized channel 1: mean %.2g, std %.4f\n', mean(s), std(s, 1));
assert(abs(std(s, 1) - 1) < 1e-3);
raw.close(); filtered.close(); standarized.close();
rmdir(folder, 's');
