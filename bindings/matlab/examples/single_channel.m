% single_channel.m: splitting a large file into batches where every batch
% holds observations from one channel (YASS's single_channel example).
folder = tempname(); mkdir(folder);
path = fullfile(folder, 'rawDataSample.bin');
data = int16(mod((0:999999)' * 3 + (0:9), 300) - 150);   % 1,000,000 observations x 10 channels
fid = fopen(path, 'w'); fwrite(fid, data', 'int16'); fclose(fid);

bp = neurobatch.BatchProcessor(path, 'dtype', 'int16', 'n_channels', 10, 'data_order', 'samples', 'max_memory', '1MB');
% a whole channel (2 MB) does not fit in 1MB:
try
  bp.singleChannel();
  error('example:unexpected', 'expected an error');
catch err
  fprintf('as expected: %s\n', err.message);
end
% split each channel into batches that fit max_memory (here two per channel)
c = bp.singleChannel('force_complete_channel_batch', false, 'channels', [1 2 3]);
while c.hasNext()
  [d, ~, ~, ch] = c.next();
  fprintf('%s Data from channel %d\n', mat2str(size(d)), ch);
end
% a temporal subset of whole channels
c = bp.singleChannel('from_time', 100000, 'to_time', 200000, 'channels', [1 2 3]);
while c.hasNext()
  [d, ~, ~, ch] = c.next();
  assert(isequal(d, data(100001:200000, ch)));
  disp(size(d));
end
bp.close();
rmdir(folder, 's');
