function test_cursors()
% multiChannel and singleChannel cursors: YASS's worked example, buffers at
% both edges, time ranges, channel lists, both data orders.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
for order = {'samples', 'channels'}
  p = write_fixture(d, ['w_' order{1} '.bin'], 'int16', 10, 1000, order{1});
  bp = neurobatch.BatchProcessor(p, 'max_memory', 6000, 'buffer_size', 3);
  c = bp.multiChannel();
  assert(c.n_batches == 4);
  starts = [];
  while c.hasNext()
    [x, idx_local, idx] = c.next();
    assert(strcmp(class(x), 'int16'));
    rows = idx{1};
    starts(end + 1) = rows(1); %#ok<AGROW>
    assert(isequal(idx_local, 4:(3 + numel(rows))));
    assert(isequal(x(idx_local, :), int16(fixture_value(rows - 1, 0:9, 10))));
    % buffer rows: from the file, or zero beyond the recording
    before = rows(1) - 3:rows(1) - 1;
    want = zeros(3, 10);
    inside = before >= 1;
    want(inside, :) = fixture_value(before(inside) - 1, 0:9, 10);
    assert(isequal(double(x(1:3, :)), want));
  end
  assert(isequal(starts, [1 301 601 901]));
  [x, idx_local] = c.next();
  assert(isempty(x) && isempty(idx_local));  % done, and stays done
  c.close();
  % a time range and a channel list (1-based)
  c = bp.multiChannel('from_time', 101, 'to_time', 200, 'channels', [3 1 3]);
  [x, idx_local, idx] = c.next();
  assert(isequal(idx{1}, 101:200) && isequal(idx{2}, [3 1 3]));
  assert(isequal(double(x(idx_local, :)), fixture_value(100:199, [2 0 2], 10)));
  c.close();
  % single channel: whole channels, then split
  c = bp.singleChannel('channels', [2 5], 'from_time', 11, 'to_time', 990);
  chans = [];
  while c.hasNext()
    [x, idx_local, idx, ch] = c.next();
    chans(end + 1) = ch; %#ok<AGROW>
    assert(size(x, 2) == 1 && isequal(double(x(idx_local)), fixture_value(10:989, ch - 1, 10)));
  end
  assert(isequal(chans, [2 5]));
  c.close();
  bp.close();
  bp = neurobatch.BatchProcessor(p, 'max_memory', '400B');
  expect_error(@() bp.singleChannel('channels', 1), 'neurobatch:cursor:memoryTooSmall', '2000 bytes');
  c = bp.singleChannel('force_complete_channel_batch', false, 'channels', [1 2 3]);
  assert(c.n_batches == 15);
  [x, ~, ~, ch] = c.next();
  assert(ch == 1 && numel(x) == 200);
  c.close();
  expect_error(@() bp.multiChannel('to_time', 1001), 'neurobatch:arg:badToTime', 'observations 1 to 1000');
  expect_error(@() bp.multiChannel('channels', []), 'neurobatch:arg:badChannels', 'no channel');
  bp.close();
  bp = neurobatch.BatchProcessor(p, 'max_memory', 19);
  expect_error(@() bp.multiChannel(), 'neurobatch:cursor:memoryTooSmall', 'at least 20 bytes');
  bp.close();
  expect_error(@() neurobatch.BatchProcessor(p, 'max_memory', '1.5GB'), 'neurobatch:arg:badMaxMemory', '1.5GB');
end
end
