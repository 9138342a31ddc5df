% multi_channel_apply_memory.m: YASS's multi_channel_apply_memory example in MATLAB.
%
% Applying transformations to large files in batches:
%
% BatchProcessor.multi_channel_apply lets you apply transformations to
% batches of data where every batch has observations from every channel.
%
% This example show how to extract information from a large file by
% processing it in batches.
folder = tempname(); mkdir(folder);

% raw data file
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
data = int16(mod(int32(0:39999)' * 7 + int32(0:384), 200) - 100);
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

% on each batch, we find the maximum value in every channel
max_in_channel = @(batch) max(batch, [], 1);

% create batch processor for the data
bp = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                               'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '100KB');

% appply a multi channel transformation, each batch will be a temporal
% subset with observations from all selected n_channels, the size
% of the subset is calculated depending on max_memory. Results
% from every batch are returned in a cell array
res = bp.multi_channel_apply(max_in_channel, 'memory', 'channels', [1 2 3]);
bp.close();

% we have one element per batch
disp(numel(res));

% output for the first batch
disp(res{1});

% stack results from every batch
arr = cat(1, res{:});

% let's find the maximum value along every channel in all the dataset
disp(max(arr, [], 1));
assert(isequal(max(arr, [], 1), max(data(:, 1:3), [], 1)));
rmdir(folder, 's');
