function check_out_of_memory()
%CHECK_OUT_OF_MEMORY  Running out of memory during a convert loses nothing
%   and keeps nothing. Run by ctest in its own octave-cli under `ulimit -v
%   1100000` (1.1 GB of address space; Octave 7 starts at about 180 MB), not
%   by run_tests: the limit would fail the other tests.
%   1. One 308 MB batch cast to float32 needs 616 MB more than the limit
%      leaves: the library says so (an error, not an internal panic).
%   2. 10 MB batches: the library's 616 MB of results fit, MATLAB's copies
%      of them do not. The gateway ends without returning; the next call
%      frees the results it held (before, they leaked for good).
%   Prints "out of memory: ok" or raises an error.
here = fileparts(mfilename('fullpath'));
addpath(fullfile(here, '..'));
folder = temp_folder();
cleanup = onCleanup(@() rmdir(folder, 's'));
f = fullfile(folder, 'big.bin');
fid = fopen(f, 'w');
for k = 1:4
  fwrite(fid, zeros(385, 100000, 'int16'), 'int16');   % 4 x 77 MB: 400000 x 385 int16
end
fclose(fid);
fid = fopen(fullfile(folder, 'big.yaml'), 'w');
fprintf(fid, 'dtype: int16\nn_channels: 385\ndata_order: samples\n');
fclose(fid);

bp = neurobatch.BatchProcessor(f, 'max_memory', '400MB');
try
  bp.convert('memory', 'cast_dtype', 'float32');
  error('check:noError', 'a 616 MB result fitted in 1.1 GB with a 308 MB batch: the limit is not in force');
catch e
  if isempty(strfind(e.message, 'allocating a result of 616000000 bytes')) || ~isempty(strfind(e.message, 'panic'))
    error('check:message', 'one large batch: unexpected error: %s', e.message);
  end
end
bp.close();

start = rss_mib();
bp = neurobatch.BatchProcessor(f, 'max_memory', '10MB');
try
  x = bp.convert('memory', 'cast_dtype', 'float32');
  error('check:noError', 'MATLAB copies of 616 MB of results fitted: the limit is not in force (%d blocks)', numel(x));
catch e
  failed_at = rss_mib();
  if strncmp(e.identifier, 'neurobatch:', 11) || failed_at < start + 400
    error('check:where', 'small batches: the library failed, not the copy (%s; %.0f MiB, %.0f at the start)', e.message, failed_at, start);
  end
end
bp.close();
neurobatch.version();   % any call into the gateway
after = rss_mib();
if after > failed_at - 400
  error('check:leak', 'the results held when the copy failed were not freed: %.0f MiB resident after the next call, %.0f after the failure, %.0f at the start', ...
        after, failed_at, start);
end
fprintf('out of memory: ok (resident %.0f MiB at the start, %.0f after the failed copy, %.0f after the next call)\n', start, failed_at, after);
end

function m = rss_mib()
kib = regexp(fileread('/proc/self/status'), 'VmRSS:\s*(\d+)', 'tokens', 'once');
m = sscanf(kib{1}, '%d') / 1024;
end
