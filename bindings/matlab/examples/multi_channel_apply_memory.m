% multi_channel_apply_memory.m: extract information from a large file by
% processing it in batches (YASS's multi_channel_apply_memory example).
folder = tempname(); mkdir(folder);
path = fullfile(folder, 'rawDataSample.bin');
data = int16(mod((0:99999)' * 7 + (0:384), 200) - 100);
fid = fopen(path, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

max_in_channel = @(batch) max(batch, [], 1);   % the maximum of every channel in the batch
bp = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '10MB');
res = bp.multiChannelApply(max_in_channel, 'mode', 'memory', 'channels', [1 2 3]);
bp.close();
fprintf('%d results (one per batch); the first: %s\n', numel(res), mat2str(res{1}));
arr = cat(1, res{:});            % stack results from every batch
overall = max(arr, [], 1);       % the maximum along every channel in all the dataset
disp(overall);
assert(isequal(overall, max(data(:, 1:3), [], 1)));
rmdir(folder, 's');
