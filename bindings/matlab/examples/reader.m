% reader.m: reading large files with neurobatch.RecordingsReader
% (YASS's reader example). The readers are agnostic to the data order and
% both index in [observations, channels] format.
folder = tempname(); mkdir(folder);
wide_data = rand(50, 100000);       % 50 channels x 100000 observations
long_data = wide_data';
path_to_wide = fullfile(folder, 'wide.bin');
path_to_long = fullfile(folder, 'long.bin');
fid = fopen(path_to_wide, 'w'); fwrite(fid, wide_data', 'double'); fclose(fid);  % channel after channel
fid = fopen(path_to_long, 'w'); fwrite(fid, long_data', 'double'); fclose(fid);  % observation after observation

reader_wide = neurobatch.RecordingsReader(path_to_wide, 'dtype', 'float64', 'n_channels', 50, 'data_order', 'channels');
reader_long = neurobatch.RecordingsReader(path_to_long, 'dtype', 'float64', 'n_channels', 50, 'data_order', 'samples');
disp(reader_wide.shape()); disp(reader_long.shape());

% first index for observations, second for channels (1-based)
obs = reader_wide.read(10001:20000, 21:30);
obs_long = reader_long.read(10001:20000, 21:30);
disp(size(obs));
assert(isequal(obs, obs_long) && isequal(obs, long_data(10001:20000, 21:30)));
reader_wide.close(); reader_long.close();
rmdir(folder, 's');
