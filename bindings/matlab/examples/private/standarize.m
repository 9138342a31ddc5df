function y = standarize(rec, sampling_frequency)
%STANDARIZE  Divides each channel by its noise level, as
%   yass.preprocess.filter.standarize: the median absolute value of the
%   first five seconds (at most) over 0.6745, a robust standard deviation.
n = min(size(rec, 1), round(5 * sampling_frequency));
sd = median(abs(double(rec(1:n, :))), 1) / 0.6745;
y = single(double(rec) ./ sd);
end
