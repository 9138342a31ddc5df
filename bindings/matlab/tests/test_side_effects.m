function test_side_effects()
% Issue 14: a callback with side effects only (no output: it detects spikes
% and keeps them itself) works in memory mode, runs once per batch, and
% stores nothing ([]) for its batches; in disk mode it is an error that
% says how to return a result, and leaves no output. A named function and
% an anonymous function calling one both work; a "too many outputs" error
% from deeper inside the user's code is the user's error, raised once.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 2, 3000, 'samples');
bp = neurobatch.BatchProcessor(p, 'max_memory', 2 * 2 * 500);   % 6 batches

rec = Recorder();
res = bp.multiChannelApply(@(x) detect_spikes(x, rec), 'mode', 'memory');
assert(rec.calls == 6, 'ran %d times for 6 batches', rec.calls);
assert(iscell(res) && numel(res) == 6 && all(cellfun('isempty', res)));
found = vertcat(rec.kept{:});
assert(numel(found) == sum(fixture_value(0:2999, 0, 2) > 5000) && ~isempty(found));

% a named function without outputs, with batch info
rec2 = Recorder();
keep_idx = @(x, idx_local, idx) rec2.keep(idx{1}(1));   % Recorder.keep has no output
res = bp.multiChannelApply(keep_idx, 'pass_batch_info', true);
assert(rec2.calls == 6 && isequal([rec2.kept{:}], 1:500:3000) && all(cellfun('isempty', res)));
res = bp.singleChannelApply(@(x) detect_spikes(x, rec2), 'force_complete_channel_batch', false);
assert(rec2.calls == 6 + 6 && numel(res) == 6);   % 3 batches per channel
% pass_batch_results: the previous result of a batch without one is []
last = bp.multiChannelApply(@(x, previous) detect_spikes(x, rec2), 'pass_batch_results', true);
assert(isempty(last));

% handles to built-in functions, whose output count Octave cannot tell, return results
res = bp.multiChannelApply(@max, 'mode', 'memory');
reader = bp.reader;
assert(numel(res) == 6 && isequal(res{1}, max(reader(1:500, :), [], 1)));

% disk mode: an error that says how to return a result; no output
out = fullfile(d, 'out.bin');
rec3 = Recorder();
expect_error(@() bp.multiChannelApply(@(x) detect_spikes(x, rec3), 'disk', 'output_path', out), ...
             'neurobatch:apply:noResult', 'must return the block to write');
assert(rec3.calls == 1 && ~exist(out, 'file'));
expect_error(@() bp.singleChannelApply(@(x) detect_spikes(x, rec3), 'disk', 'output_path', out, 'force_complete_channel_batch', false), ...
             'neurobatch:apply:noResult', 'batch 1 of 6');
assert(~exist(out, 'file'));

% the user's own "too many outputs" mistake: raised as it is, after one run
rec4 = Recorder();
err = expect_error_any(@() bp.multiChannelApply(@(x) detect_then_fail(x, rec4), 'mode', 'memory'));
assert(any(strcmp(err.identifier, {'Octave:invalid-fun-call', 'MATLAB:TooManyOutputs', 'MATLAB:maxlhs'})), err.identifier);
assert(rec4.calls == 1, 'the function ran %d times', rec4.calls);
bp.close();
assert(neurobatch.liveHandles() == 0);
end

function err = expect_error_any(fn)
try
  fn();
catch err
  return
end
error('neurobatch:test:noError', 'expected an error');
end
