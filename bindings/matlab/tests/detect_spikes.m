function detect_spikes(x, recorder)
% A callback with no output: it keeps what it finds itself.
recorder.keep(find(x(:, 1) > 5000));
end
