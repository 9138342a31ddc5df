function test_handles()
% The gateway's registry: close() and delete() free handles, ids of the
% wrong kind or already closed are errors (not crashes), and `clear all`
% in a fresh Octave/MATLAB leaves no handle behind.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'h.bin', 'int16', 3, 100, 'samples');
assert(neurobatch.liveHandles() == 0);
r = neurobatch.RecordingsReader(p);
bp = neurobatch.BatchProcessor(p);
c = bp.multiChannel();
assert(neurobatch.liveHandles() == 3);
expect_error(@() neurobatch.internal.neurobatch_mex('cursor_next', r.Id), 'neurobatch:handle:wrongKind', 'reader');
expect_error(@() neurobatch.internal.neurobatch_mex('reader_info', 12345), 'neurobatch:handle:invalid', '12345');
expect_error(@() neurobatch.internal.neurobatch_mex('no_such_command'), 'neurobatch:arg:unknownCommand');
r.close();
r.close();  % idempotent
c.close();
bp.close();
assert(neurobatch.liveHandles() == 0);
r2 = neurobatch.RecordingsReader(p); %#ok<NASGU>
clear r2  % delete() frees it
assert(neurobatch.liveHandles() == 0);
% `clear all` with open objects, in a separate process
if exist('OCTAVE_VERSION', 'builtin')
  exe = fullfile(OCTAVE_HOME, 'bin', 'octave-cli');
  root = fileparts(fileparts(which('neurobatch.liveHandles')));
  script = sprintf(['addpath(''%s''); r = neurobatch.RecordingsReader(''%s''); bp = neurobatch.BatchProcessor(''%s''); ' ...
                    'c = bp.multiChannel(); clear all; n = neurobatch.liveHandles(); printf(''live=%%d\\n'', n);'], root, p, p);
  [status, out] = system(sprintf('"%s" --no-history --norc --quiet --no-window-system --eval "%s"', exe, script));
  assert(~isempty(strfind(out, 'live=0')), 'clear all left handles: status %d, output %s', status, out);
end
end
