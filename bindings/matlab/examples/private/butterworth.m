function y = butterworth(ts, low_frequency, high_factor, order, sampling_frequency)
%BUTTERWORTH  Band-pass Butterworth filter, as yass.preprocess.filter.butterworth:
%   pass band from LOW_FREQUENCY Hz to HIGH_FACTOR x the sampling rate,
%   filter ORDER, applied forward along each column of TS (single results).
%   The design is scipy's butter(order, [low, high], 'band'): the analog
%   prototype's poles, moved to the band and mapped with the bilinear
%   transform; written out here so the example needs no toolbox.
low = low_frequency / sampling_frequency * 2;
high = high_factor * 2;
warped = 4 * tan(pi * [low high] / 2);               % pre-warped band edges (fs = 2)
bw = warped(2) - warped(1);
w0 = sqrt(warped(1) * warped(2));
p = -exp(1i * pi * (-order + 1:2:order - 1) / (2 * order)) * bw / 2;   % prototype poles, scaled
p = [p + sqrt(p .^ 2 - w0 ^ 2), p - sqrt(p .^ 2 - w0 ^ 2)];          % band-pass poles
z = zeros(1, order);                                                  % and zeros at s = 0
k = bw ^ order;
zd = [(4 + z) ./ (4 - z), -ones(1, numel(p) - numel(z))];             % bilinear transform
pd = (4 + p) ./ (4 - p);
k = real(k * prod(4 - z) / prod(4 - p));
b = real(k * poly(zd));
a = real(poly(pd));
y = single(filter(b, a, double(ts)));
end
