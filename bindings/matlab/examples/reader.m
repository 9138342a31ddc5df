% reader.m: YASS's reader example in MATLAB: reading large files with
% RecordingsReader.
folder = tempname(); mkdir(folder);

% generate data
wide_data = rand(50, 100000);
long_data = wide_data';

path_to_wide = fullfile(folder, 'wide.bin');
path_to_long = fullfile(folder, 'long.bin');

% numpy's tofile writes row after row: wide_data.tofile is channel after channel
fid = fopen(path_to_wide, 'w'); fwrite(fid, wide_data', 'double'); fclose(fid);
fid = fopen(path_to_long, 'w'); fwrite(fid, long_data', 'double'); fclose(fid);

% load the files using the readers, they are agnostic on the data shape
% and will behave exactly the same
reader_wide = neurobatch.RecordingsReader(path_to_wide, 'dtype', 'float64', ...
                                          'n_channels', 50, 'data_order', 'channels');

reader_long = neurobatch.RecordingsReader(path_to_long, 'dtype', 'float64', ...
                                          'n_channels', 50, 'data_order', 'samples');

disp([reader_wide.shape(); reader_long.shape()]);

% first index is for observations and second index for channels
% (YASS's reader_wide[10000:20000, 20:30], counting from 1)
obs = reader_wide(10001:20000, 21:30);
disp(size(obs));

% same applies even if your data is in 'wide' shape, first index for
% observations, second for channels, the output is converted to 'long'
obs_long = reader_long(10001:20000, 21:30);
disp(size(obs_long));
assert(isequal(obs, obs_long) && isequal(obs, long_data(10001:20000, 21:30)));
assert(isequal(reader_long(end, :), long_data(end, :)) && isequal(reader_wide(1:end, 50), long_data(:, 50)));

reader_wide.close(); reader_long.close();
rmdir(folder, 's');
