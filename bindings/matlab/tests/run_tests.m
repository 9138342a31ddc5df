function run_tests()
%RUN_TESTS  Runs every test_*.m here and every example script in ../examples,
%   prints "N passed, N failed" and exits with status 1 on any failure.
%   Works under MATLAB and GNU Octave (octave-cli).
here = fileparts(mfilename('fullpath'));
root = fullfile(here, '..');
addpath(root);
addpath(here);
passed = 0;
failed = 0;
skipped = 0;
tests = dir(fullfile(here, 'test_*.m'));
for k = 1:numel(tests)
  [~, name] = fileparts(tests(k).name);
  [passed, failed, skipped] = run_one(name, @() feval(name), passed, failed, skipped);
end
examples = dir(fullfile(root, 'examples', '*.m'));
for k = 1:numel(examples)
  path = fullfile(root, 'examples', examples(k).name);
  [passed, failed, skipped] = run_one(['example ' examples(k).name], @() run_example(path), passed, failed, skipped);
end
fprintf('live handles after all tests: %d\n', neurobatch.liveHandles());
if neurobatch.liveHandles() ~= 0
  failed = failed + 1;
  fprintf('FAIL handles leaked\n');
end
if skipped > 0
  fprintf('%d passed, %d failed, %d skipped\n', passed, failed, skipped);
else
  fprintf('%d passed, %d failed\n', passed, failed);
end
if failed > 0
  exit(1);
end
end

function [passed, failed, skipped] = run_one(name, fn, passed, failed, skipped)
try
  fn();
  passed = passed + 1;
  fprintf('ok    %s\n', name);
catch err
  if strcmp(err.identifier, 'neurobatch:test:skip')
    skipped = skipped + 1;
    fprintf('skip  %s: %s\n', name, err.message);
    return
  end
  failed = failed + 1;
  fprintf('FAIL  %s: %s [%s]\n', name, err.message, err.identifier);
  for s = 1:min(numel(err.stack), 4)
    fprintf('        at %s line %d\n', err.stack(s).name, err.stack(s).line);
  end
end
end

function run_example(path)
% Each example runs in this function's own workspace.
run(path);
end
