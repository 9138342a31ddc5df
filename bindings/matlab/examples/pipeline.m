% pipeline.m: YASS's BatchPipeline example in MATLAB: chain batch
% operations and write partial results to disk.
%
% butterworth and standarize (examples/private) are yass.preprocess.filter's
% functions written out in M-code.
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, int16(mod(int32(0:29999)' * 7 + int32(0:384), 200) - 100)', 'int16'); fclose(fid);
path_output = folder;

pipeline = neurobatch.BatchPipeline(path_to_neuropixel_data, 'dtype', 'int16', ...
                                    'n_channels', 385, 'data_order', 'samples', ...
                                    'max_memory', '500MB', ...
                                    'from_time', [], 'to_time', [], 'channels', 'all', ...
                                    'output_path', path_output);

butterworth_op = neurobatch.PipedTransformation(@(ts) butterworth(ts, 300, 0.1, 3, 30000), 'filtered.bin', ...
                                                'mode', 'single_channel_one_batch', ...
                                                'keep', true);

standarize_op = neurobatch.PipedTransformation(@(rec) standarize(rec, 30000), 'standarized.bin', ...
                                               'mode', 'single_channel_one_batch', ...
                                               'keep', true);

pipeline.add([butterworth_op, standarize_op]);

[paths, params] = pipeline.run();

raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', ...
                                  'n_channels', 385, 'data_order', 'samples');
filtered = neurobatch.RecordingsReader(fullfile(path_output, 'filtered.bin'));
standarized = neurobatch.RecordingsReader(fullfile(path_output, 'standarized.bin'));

% the results (YASS plots raw[:2000, 0], filtered[:2000, 0] and standarized[:2000, 0])
fprintf('Raw data:          %s\n', mat2str(raw(1:5, 1)'));
fprintf('Filtered data:     %s\n', mat2str(filtered(1:5, 1)', 4));
fprintf('Standarized data:  %s\n', mat2str(standarized(1:5, 1)', 4));
expected = standarize(butterworth(raw(:, 1), 300, 0.1, 3, 30000), 30000);
assert(max(abs(standarized(:, 1) - expected)) < 1e-5);
raw.close(); filtered.close(); standarized.close();
rmdir(folder, 's');
