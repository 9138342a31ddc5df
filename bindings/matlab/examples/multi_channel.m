% multi_channel.m: YASS's multi_channel example in MATLAB.
%
% Splitting large files into batches where every batch has n
% observations from m channels using BatchProcessor.multi_channel
%
% (YASS reads ~/data/ucl-neuropixel/rawDataSample.bin; here a recording of
% 385 int16 channels is written first, so the example runs anywhere.)
folder = tempname(); mkdir(folder);
path_to_neuropixel_data = fullfile(folder, 'rawDataSample.bin');
data = int16(mod(int32(0:29999)' * 7 + int32(0:384), 200) - 100);   % 30000 observations x 385 channels
fid = fopen(path_to_neuropixel_data, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

bp = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                               'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '3MB');

% now, let's to some multi_channel operations, here we will
% traverse all channels and all observations, each batch will
% contain a subset in the temporal dimension, the window size
% is determined by max_memory
data_batches = bp.multi_channel();

while data_batches.hasNext()
  [d, ~, idx] = data_batches.next();
  fprintf('Shape: %s. Index: observations %d:%d\n', mat2str(size(d)), idx{1}(1), idx{1}(end));
end

% we can specify the temporal limits and subset channels
% (observations and channels count from 1: YASS's from_time=10000,
% to_time=20000, channels=[0, 1, 2] are these)
data_batches = bp.multi_channel('from_time', 10001, 'to_time', 20000, 'channels', [1 2 3]);

while data_batches.hasNext()
  [d, ~, idx] = data_batches.next();
  fprintf('Shape: %s. Index: observations %d:%d\n', mat2str(size(d)), idx{1}(1), idx{1}(end));
  assert(isequal(d, data(idx{1}, idx{2})));
end

% we can also create a BatchProcessor with a buffer
bp2 = neurobatch.BatchProcessor(path_to_neuropixel_data, ...
                                'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                                'max_memory', '100KB', 'buffer_size', 10);

data_batches = bp2.multi_channel('from_time', 1, 'to_time', 10000, 'channels', [1 2 3]);

while data_batches.hasNext()
  [d, idx_local, idx] = data_batches.next();
  % d is the batch data (with buffer), d(idx_local, :) returns the data
  % excluding buffer and idx is the absolute location for the
  % current batch in the recordings
  fprintf('Shape: %s. Local: %d:%d. Absolute: %d:%d\n', mat2str(size(d)), idx_local(1), idx_local(end), idx{1}(1), idx{1}(end));
  assert(isequal(d(idx_local, :), data(idx{1}, idx{2})));
end

bp.close(); bp2.close();
rmdir(folder, 's');
