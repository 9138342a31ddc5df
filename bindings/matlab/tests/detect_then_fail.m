function y = detect_then_fail(x, recorder)
% Records, then makes a mistake of its own: a call that asks an output of
% a function without one. That error is the user's, raised once, not taken
% as "no output".
recorder.keep(size(x, 1));
y = detect_spikes(x, recorder);
end
