function v = fixture_value(s, c, n_channels)
%FIXTURE_VALUE  The fixture's value at 0-based observation S and channel C
%   (vectors broadcast to a matrix: rows = observations, columns = channels).
v = mod(double(s(:)) * n_channels + double(c(:)'), 32749);
end
