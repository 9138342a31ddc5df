function test_docs()
% Every ```matlab block of docs/matlab.md runs as it is, each in its own
% workspace, and leaves no handle open: the user guide cannot rot. The
% guide is found through NB_SOURCE_DIR (set by CMake), or beside this
% package in the repository (bindings/matlab/../../docs), or beside a build
% directory made inside the repository (build/matlab/../../docs).
here = fileparts(mfilename('fullpath'));
candidates = {fullfile(here, '..', '..', '..', 'docs', 'matlab.md')};
if ~isempty(getenv('NB_SOURCE_DIR'))
  candidates = [{fullfile(getenv('NB_SOURCE_DIR'), 'docs', 'matlab.md')}, candidates];
end
doc = '';
for k = 1:numel(candidates)
  if exist(candidates{k}, 'file')
    doc = candidates{k};
    break
  end
end
assert(~isempty(doc), 'docs/matlab.md not found (looked at %s): set NB_SOURCE_DIR to the repository', strjoin(candidates, ', '));
text = fileread(doc);
blocks = regexp(text, '```matlab\n(.*?)```', 'tokens', 'dotall');
assert(numel(blocks) >= 5, 'found only %d matlab blocks in %s', numel(blocks), doc);
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
for k = 1:numel(blocks)
  script = fullfile(d, sprintf('doc_block_%d.m', k));
  fid = fopen(script, 'w');
  fwrite(fid, blocks{k}{1});
  fclose(fid);
  try
    run_block(script);
  catch err
    error('neurobatch:test:docBlock', 'block %d of %s failed: %s\n%s', k, doc, err.message, blocks{k}{1});
  end
  assert(neurobatch.liveHandles() == 0, 'block %d of %s left %d handles open', k, doc, neurobatch.liveHandles());
end
end

function run_block(script)
% Each block runs in this function's own workspace.
run(script);
end
