function test_edges()
% The 'edge' option: buffer rows beyond the recording's edges hold zeros
% (the default, as YASS), the recording mirrored ('reflect', as numpy's
% pad mode 'reflect') or the edge sample ('replicate', as Kilosort), in
% both data orders and for both traversals; rows inside are always data.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
n = 50;
buffer = 4;
for order = {'samples', 'channels'}
  p = write_fixture(d, ['e_' order{1} '.bin'], 'int16', 3, n, order{1});
  all_rows = fixture_value(0:n - 1, 0:2, 3);
  for edge = {'zeros', 'reflect', 'replicate'}
    bp = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 20, 'buffer_size', buffer, 'edge', edge{1});
    switch edge{1}
      case 'zeros'
        before = zeros(buffer, 3); after = zeros(buffer, 3);
      case 'reflect'
        before = all_rows(buffer + 1:-1:2, :); after = all_rows(n - 1:-1:n - buffer, :);
      case 'replicate'
        before = repmat(all_rows(1, :), buffer, 1); after = repmat(all_rows(n, :), buffer, 1);
    end
    c = bp.multiChannel();
    x = c.next();                      % first batch: rows 1..20 plus the buffers
    assert(isequal(double(x(1:buffer, :)), before), 'first batch, %s', edge{1});
    assert(isequal(double(x(buffer + 1:buffer + 24, :)), all_rows(1:24, :)));
    x = c.next(); x = c.next();        % last batch: rows 41..50
    assert(isequal(double(x(end - buffer + 1:end, :)), after), 'last batch, %s', edge{1});
    c.close();
    c = bp.singleChannel('channels', 2);
    x = c.next();
    assert(isequal(double(x([1:buffer, end - buffer + 1:end])), [before(:, 2); after(:, 2)]), 'single channel, %s', edge{1});
    c.close();
  end
end
expect_error(@() neurobatch.BatchProcessor(p, 'edge', 'wrap'), 'neurobatch:arg:badEdge', 'wrap');
end
