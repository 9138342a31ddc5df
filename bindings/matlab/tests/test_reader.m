function test_reader()
% RecordingsReader against the fixture formula: both data orders, several
% classes, channel subsets, sidecars; and its errors with their identifiers.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
dtypes = {'int16', 'float32', 'uint8', 'float64', 'int32'};
classes = {'int16', 'single', 'uint8', 'double', 'int32'};
orders = {'samples', 'channels'};
for k = 1:numel(dtypes)
  for o = 1:2
    n_obs = 300;
    if strcmp(dtypes{k}, 'uint8')
      n_obs = 20;  % stay below 256 for uint8
    end
    p = write_fixture(d, sprintf('r_%s_%s.bin', dtypes{k}, orders{o}), dtypes{k}, 7, n_obs, orders{o});
    r = neurobatch.RecordingsReader(p);
    assert(isequal(r.shape(), [n_obs 7]) && strcmp(r.dtype, dtypes{k}) && strcmp(r.data_order, orders{o}));
    x = r.read(3:9, [7 1 4 4]);
    assert(strcmp(class(x), classes{k}), 'class %s for %s', class(x), dtypes{k});
    assert(isequal(size(x), [7 4]));
    assert(isequal(double(x), fixture_value(2:8, [6 0 3 3], 7)), 'values of %s %s', dtypes{k}, orders{o});
    all = r.read(1:n_obs);
    assert(isequal(double(all), fixture_value(0:n_obs - 1, 0:6, 7)));
    r.close();
  end
end
% explicit parameters win over the sidecar; aliases long/wide
p = write_fixture(d, 'nosidecar.dat', 'int16', 4, 50, 'channels', false);
r = neurobatch.RecordingsReader(p, 'dtype', 'int16', 'n_channels', 4, 'data_order', 'wide');
assert(isequal(double(r.read(10:11, 2)), fixture_value(9:10, 1, 4)));
r.close();
% errors
expect_error(@() neurobatch.RecordingsReader(p), 'neurobatch:reader:sidecarMissing', 'nosidecar.yaml');
expect_error(@() neurobatch.RecordingsReader(p, 'dtype', 'int16', 'n_channels', 3, 'data_order', 'samples'), ...
             'neurobatch:reader:badSize', 'remainder');
expect_error(@() neurobatch.RecordingsReader(p, 'dtype', 'int12', 'n_channels', 4, 'data_order', 'samples'), ...
             'neurobatch:arg:badDtype', 'int12');
expect_error(@() neurobatch.RecordingsReader(p, 'dtype', 'int16', 'n_channels', 4, 'data_order', 'rows'), ...
             'neurobatch:arg:badDataOrder', 'rows');
expect_error(@() neurobatch.RecordingsReader(p, 'colour', 'red'), 'neurobatch:arg:unknownOption', 'colour');
r = neurobatch.RecordingsReader(p, 'dtype', 'int16', 'n_channels', 4, 'data_order', 'channels');
expect_error(@() r.read(1:3, 0), 'neurobatch:arg:badChannels', 'channels 1 to 4');
expect_error(@() r.read(1:3, 5), 'neurobatch:arg:badChannels', 'channel 5');
expect_error(@() r.read([1 3], 1), 'neurobatch:arg:badRows', 'contiguous');
expect_error(@() r.read(45:51, 1), 'neurobatch:arg:badRows', 'observations 1 to 50');
r.close();
expect_error(@() r.read(1:2, 1), 'neurobatch:reader:closed');
end
