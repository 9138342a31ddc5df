function path = write_fixture(dir, name, dtype, n_channels, n_obs, order, with_sidecar)
%WRITE_FIXTURE  An n_obs x n_channels recording whose value at (s, c) is
%   fixture_value(s, c), in data order ORDER ('samples' or 'channels').
if nargin < 7
  with_sidecar = true;
end
v = fixture_value(0:n_obs - 1, 0:n_channels - 1, n_channels);  % observations x channels
if strcmp(dtype, 'float32')
  prec = 'single';
elseif strcmp(dtype, 'float64')
  prec = 'double';
else
  prec = dtype;
end
path = fullfile(dir, name);
fid = fopen(path, 'w');
if strcmp(order, 'samples')
  fwrite(fid, v', prec);  % column-major of v' = observation after observation
else
  fwrite(fid, v, prec);   % channel after channel
end
fclose(fid);
if with_sidecar
  [d, base] = fileparts(path);
  fid = fopen(fullfile(d, [base '.yaml']), 'w');
  fprintf(fid, 'data_order: %s\ndtype: %s\nn_channels: %d\n', order, dtype, n_channels);
  fclose(fid);
end
end
