% multi_channel_apply_disk.m: YASS's multi_channel_apply_disk example in MATLAB.
%
% Applying transformations to large files in batches:
%
% BatchProcessor.multi_channel_apply lets you apply transformations to
% batches of data where every batch has observations from every channel.
%
% This example show how to process a large file in batches and save the
% results to disk.
folder = tempname(); mkdir(folder);

% raw data file
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, int16(mod(int32(0:39999)' * 7 + int32(0:384), 200) - 100)', 'int16'); fclose(fid);

% output file
path_to_modified_data = fullfile(folder, 'modified.bin');

% out example function just adds one to every observation (in MATLAB the
% function comes first as a handle; a named function works the same)
sum_one = @(batch) batch + 1;

% create batch processor for the data
bp = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                               'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '100KB');

% appply a multi channel transformation, each batch will be a temporal
% subset with observations from all selected n_channels, the size
% of the subset is calculated depending on max_memory. Each batch is
% processed and when done, results are save to disk, the next batch is
% then loaded and so on; the results are cast to float32 before they are
% written (cast_dtype)
[path, params] = bp.multi_channel_apply(sum_one, 'disk', ...
                                        'output_path', path_to_modified_data, ...
                                        'channels', [1 2 3], ...
                                        'cast_dtype', 'float32');
bp.close();
disp(params);

% let's look at the results
raw = neurobatch.RecordingsReader(path_to_neuropixel_data, 'dtype', 'int16', ...
                                  'n_channels', 385, 'data_order', 'samples');

% you do not need to specify the format since multi_channel_apply
% saves a yaml file with such parameters
filtered = neurobatch.RecordingsReader(path_to_modified_data);

% raw[:2000, 0] and filtered[:2000, 0] in YASS
fprintf('raw(1:5, 1)      = %s\n', mat2str(raw(1:5, 1)'));
fprintf('filtered(1:5, 1) = %s\n', mat2str(filtered(1:5, 1)'));
assert(strcmp(filtered.dtype, 'float32') && isequal(filtered(1:2000, 1), single(raw(1:2000, 1)) + 1));
raw.close(); filtered.close();
rmdir(folder, 's');
