function test_indexing()
% Issue 14: a reader indexes like YASS's reader[a:b, ch]: r(a:b, ch), with
% end and ':' (observations first, channels second, both counting from 1),
% keeping the file's class; read() stays; dot access (properties, methods,
% close) is unchanged; wrong subscripts are errors that say what is wrong.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
for order = {'samples', 'channels'}
  p = write_fixture(d, ['x_' order{1} '.bin'], 'int16', 5, 40, order{1});
  v = fixture_value(0:39, 0:4, 5);
  r = neurobatch.RecordingsReader(p);
  x = r(3:9, 2);
  assert(strcmp(class(x), 'int16') && isequal(double(x), v(3:9, 2)));
  assert(isequal(double(r(1:end, :)), v));
  assert(isequal(double(r(:, :)), v));
  assert(isequal(double(r(:, [5 1 5])), v(:, [5 1 5])));
  assert(isequal(double(r(end, end)), v(40, 5)));
  assert(isequal(double(r(end - 4:end, 2:end)), v(36:40, 2:5)));
  assert(isequal(double(r(7, :)), v(7, :)));
  assert(isequal(double(r(:, logical([0 1 0 1 0]))), v(:, [2 4])));
  assert(isequal(size(r(1:0, :)), [0 5]));
  assert(isequal(r(3:9, 2), r.read(3:9, 2)));
  % dot access as before
  assert(r.n_channels == 5 && isequal(r.shape(), [40 5]) && isequal(r.shape, [40 5]));
  n = r.n_observations;
  assert(n == 40);
  % what cannot be read
  expect_error(@() r(1:3), 'neurobatch:arg:badIndex', 'two subscripts');
  expect_error(@() r(1, 2, 3), 'neurobatch:arg:badIndex', 'two subscripts');
  expect_error(@() r([1 3 5], 1), 'neurobatch:arg:badRows', 'contiguous');
  expect_error(@() r(5:-1:1, 1), 'neurobatch:arg:badRows', 'contiguous');
  expect_error(@() r(1:41, 1), 'neurobatch:arg:badRows', 'observations 1 to 40');
  expect_error(@() r(1:2, 6), 'neurobatch:arg:badChannels', 'channels 1 to 5');
  expect_error(@() r(1:2, 1.5), 'neurobatch:arg:badChannels', 'whole');
  r.close();
  expect_error(@() r(1:2, 1), 'neurobatch:reader:closed', 'closed');
end
assert(neurobatch.liveHandles() == 0);
end
