% single_channel_apply.m: YASS's single_channel_apply example in MATLAB.
%
% Apply functions to large files using BatchProcessor.single_channel_apply
%
% butterworth (examples/private/butterworth.m) is yass.preprocess.filter's
% band-pass filter written out in M-code, so no toolbox is needed.
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
path_to_filtered_data = fullfile(folder, 'filtered.bin');
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, int16(mod(int32(0:59999)' * 7 + int32(0:384), 200) - 100)', 'int16'); fclose(fid);

% create batch processor for the data
bp = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                               'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '500MB');

% appply a single channel transformation, each batch will be all observations
% from one channel, results are saved to disk (YASS's keyword arguments
% low_freq=300, high_factor=0.1, order=3, sampling_freq=30000 are bound in
% an anonymous function)
bp.single_channel_apply(@(ts) butterworth(ts, 300, 0.1, 3, 30000), 'disk', ...
                        'output_path', path_to_filtered_data, ...
                        'channels', [1 2 3]);
bp.close();

% let's look at the results
raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', ...
                                  'n_channels', 385, 'data_order', 'samples');

% you do not need to specify the format since single_channel_apply
% saves a yaml file with such parameters
filtered = neurobatch.RecordingsReader(path_to_filtered_data);

fprintf('filtered: %s of %s in %s order\n', mat2str(filtered.shape()), filtered.dtype, filtered.data_order);
fprintf('raw(1:5, 1)      = %s\n', mat2str(raw(1:5, 1)'));
fprintf('filtered(1:5, 1) = %s\n', mat2str(filtered(1:5, 1)', 4));
assert(isequal(filtered(1:2000, 2), butterworth(raw(1:2000, 2), 300, 0.1, 3, 30000)));
raw.close(); filtered.close();
rmdir(folder, 's');
