function test_numbering()
% Issue 14, one numbering convention: observations and channels count from
% 1 everywhere in the package: from_time and to_time (the first and last
% observation, both included, like x(from_time:to_time, :)), the idx,
% idx_local and channel of every batch, reads, and the numbers inside error
% messages. Before, from_time was 0-based, idx 1-based, and errors spoke
% 0-based ('[44, 51)', 'valid indices are 0..3').
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 3, 100, 'samples');
all_rows = fixture_value(0:99, 0:2, 3);    % row k is observation k
r = neurobatch.RecordingsReader(p);
bp = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 4, 'buffer_size', 2);

% from_time:to_time selects the observations from_time..to_time
c = bp.multiChannel('from_time', 11, 'to_time', 20, 'channels', [3 1]);
seen = [];
while c.hasNext()
  [x, idx_local, idx] = c.next();
  assert(isequal(idx{2}, [3 1]) && idx_local(1) == 3);      % 2 buffer rows first
  assert(isequal(double(x(idx_local, :)), all_rows(idx{1}, [3 1])));
  assert(isequal(x(idx_local, :), r(idx{1}, [3 1])));
  seen = [seen, idx{1}]; %#ok<AGROW>
end
assert(isequal(seen, 11:20));
c = bp.singleChannel('from_time', 91, 'to_time', 100, 'channels', 2, 'force_complete_channel_batch', false);
[x, idx_local, idx, ch] = c.next();
assert(ch == 2 && idx{1}(1) == 91 && isequal(double(x(idx_local)), all_rows(idx{1}, 2)));
c.close();
% from_time = to_time + 1 selects nothing, as 21:20 does
c = bp.multiChannel('from_time', 21, 'to_time', 20);
assert(c.n_batches == 0 && ~c.hasNext());
c.close();
% the function of an apply sees the same numbers
got = bp.multiChannelApply(@(x, idx_local, idx) idx{1}([1 end]), 'from_time', 99, 'to_time', 100, 'pass_batch_info', true);
assert(isequal(got, {[99 100]}));
out = fullfile(d, 'part.bin');
bp0 = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 4);   % no buffer rows in the output
bp0.singleChannelApply(@(x) x, 'disk', 'output_path', out, 'from_time', 41, 'to_time', 60, 'channels', [2 3], ...
                       'force_complete_channel_batch', false);
bp0.close();
w = neurobatch.RecordingsReader(out);
assert(isequal(w.shape(), [20 2]) && isequal(double(w(:, :)), all_rows(41:60, [2 3])));
w.close();

% error messages count from 1
err = expect_error(@() bp.multiChannel('to_time', 101), 'neurobatch:arg:badToTime', 'observations 1 to 100');
assert(isempty(strfind(err.message, '99')));
expect_error(@() bp.multiChannel('from_time', 0), 'neurobatch:arg:badFromTime', 'from 1');
expect_error(@() bp.multiChannel('from_time', 30, 'to_time', 20), 'neurobatch:arg:badFromTime', '30 comes after to_time 20');
expect_error(@() bp.multiChannel('channels', [1 4]), 'neurobatch:arg:badChannels', 'channel 4');
expect_error(@() bp.multiChannel('channels', 0), 'neurobatch:arg:badChannels', 'channels 1 to 3');
expect_error(@() r(95:101, 1), 'neurobatch:arg:badRows', '95:101 go beyond the recording, which has observations 1 to 100');
expect_error(@() r(101, 1), 'neurobatch:arg:badRows', 'observation 101');
expect_error(@() r(0, 1), 'neurobatch:arg:badRows', 'observations 1 to 100');
% library errors reach the user without the gateway's name
err = expect_error(@() neurobatch.RecordingsReader(fullfile(d, 'missing.bin'), 'dtype', 'int16', 'n_channels', 3, 'data_order', 'samples'), ...
                   'neurobatch:reader:io', 'missing.bin');
assert(isempty(strfind(err.message, 'neurobatch_mex')), 'internal name in "%s"', err.message);
% a read that fails names the observation it started at, counting from 1
fid = fopen(p, 'r');
head = fread(fid, 50 * 3, 'int16');
fclose(fid);
fid = fopen(p, 'w');   % the file shrinks to 50 observations while open
fwrite(fid, head, 'int16');
fclose(fid);
err = expect_error(@() r(61:70, :), 'neurobatch:reader:inputChanged', 'at observation 61');
assert(isempty(strfind(err.message, 'neurobatch_mex')));
r.close();
bp.close();
assert(neurobatch.liveHandles() == 0);
end
