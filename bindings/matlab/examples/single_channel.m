% single_channel.m: YASS's single_channel example in MATLAB.
%
% Splitting large file into batches where every batch contains n
% observations from 1 channel
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
data = int16(mod(int32(0:299999)' * 3 + int32(0:9), 300) - 150);   % 300000 observations x 10 channels
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

bp = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                               'dtype', 'int16', 'n_channels', 10, 'data_order', 'samples', ...
                               'max_memory', '300KB');

% there are two ways of traversing the data: single_channel and multi_channel
% single_channel means that the data in a single batch comes from only one
% channel, multi_channel means that a batch can contain data from multiple
% channels, let's take a look at single_channel operations

% traverse the whole dataset, one channel at a time: this raises an error
% since we cannot fit all observations for a single channel in memory, so
% we either increase max_memory or set force_complete_channel_batch to false
try
  data_batches = bp.single_channel();
catch err
  fprintf('as expected: %s\n', err.message);
end

% When force_complete_channel_batch is false, each batch does not necessarily
% correspond to all observations in the channel, the channel can be splitted
% in several batches (although every batch data is guaranteed to come from
% a single channel), in this case, every channel is splitted in two parts
data_batches = bp.single_channel('force_complete_channel_batch', false, 'channels', [1 2 3]);

while data_batches.hasNext()
  [d, ~, ~, ch] = data_batches.next();
  fprintf('%s Data from channel %d\n', mat2str(size(d)), ch);
end

% finally, we can traverse a single channel in a temporal subset
data_batches = bp.single_channel('from_time', 100001, 'to_time', 200000, 'channels', [1 2 3]);

while data_batches.hasNext()
  [d, ~, ~, ch] = data_batches.next();
  disp(size(d));
  assert(isequal(d, data(100001:200000, ch)));
end

bp.close();
rmdir(folder, 's');
