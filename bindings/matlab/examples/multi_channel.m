% multi_channel.m: splitting a large file into batches where every batch
% has n observations from m channels (YASS's multi_channel example).
folder = tempname(); mkdir(folder);
path = fullfile(folder, 'rawDataSample.bin');
n_obs = 300000;
data = int16(mod((0:n_obs - 1)' * 7 + (0:384), 200) - 100);   % observations x 385 channels
fid = fopen(path, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

bp = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                               'max_memory', '30MB');
% traverse all channels and all observations; the window size comes from max_memory
c = bp.multiChannel();
while c.hasNext()
  [d, ~, idx] = c.next();
  fprintf('Shape: %s. Index: %d..%d\n', mat2str(size(d)), idx{1}(1), idx{1}(end));
end
% temporal limits and a channel subset
c = bp.multiChannel('from_time', 100000, 'to_time', 200000, 'channels', [1 2 3]);
while c.hasNext()
  [d, ~, idx] = c.next();
  fprintf('Shape: %s. Index: %d..%d\n', mat2str(size(d)), idx{1}(1), idx{1}(end));
  assert(isequal(d, data(idx{1}, idx{2})));
end
bp.close();
% with a buffer: d(idx_local, :) is the data without the buffer
bp2 = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 385, 'data_order', 'samples', ...
                                'max_memory', '100KB', 'buffer_size', 10);
c = bp2.multiChannel('from_time', 0, 'to_time', 100000, 'channels', [1 2 3]);
n = 0;
while c.hasNext()
  [d, idx_local, idx] = c.next();
  assert(isequal(d(idx_local, :), data(idx{1}, idx{2})));
  n = n + 1;
end
fprintf('%d batches with a 10-observation buffer; shape of the last: %s\n', n, mat2str(size(d)));
c.close(); bp2.close();
rmdir(folder, 's');
