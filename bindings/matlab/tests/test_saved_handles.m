function test_saved_handles()
% Issue 19 item 9: a reader saved with SAVE and loaded later (in another
% session, where its handle id names nothing, or another object) must not
% revive the id: the id property is Transient, so MATLAB restores its
% default, 0, and the loaded object reports that it is closed. GNU Octave
% cannot save classdef objects at all; there the test checks the property
% attributes MATLAB's load relies on and what an object with id 0 says.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
p = write_fixture(d, 'in.bin', 'int16', 3, 100, 'samples');
for cls = {'neurobatch.RecordingsReader', 'neurobatch.Cursor'}
  mc = meta.class.fromName(cls{1});
  props = mc.PropertyList;   % a cell array in Octave, an object array in MATLAB
  id = [];
  for k = 1:numel(props)
    if iscell(props)
      q = props{k};
    else
      q = props(k);
    end
    if strcmp(q.Name, 'Id')
      id = q;
    end
  end
  assert(~isempty(id), '%s has no Id property', cls{1});
  assert(id.Transient, '%s.Id is not Transient: a saved object would come back with a stale handle id', cls{1});
  assert(isequal(id.DefaultValue, 0), '%s.Id must default to 0 (closed)', cls{1});
end
r = neurobatch.RecordingsReader(p);
bp = neurobatch.BatchProcessor(p);
c = bp.multiChannel();
if ~exist('OCTAVE_VERSION', 'builtin')
  f = fullfile(d, 'saved.mat');
  save(f, 'r', 'bp', 'c');
  saved = load(f);
  assert(~saved.r.isOpen() && ~saved.bp.isOpen() && ~saved.c.isOpen());
  expect_error(@() saved.r(1:2, 1), 'neurobatch:reader:closed', 'MAT-file');
  expect_error(@() saved.bp.multiChannel(), 'neurobatch:processor:closed', 'MAT-file');
  expect_error(@() saved.c.next(), 'neurobatch:cursor:closed', 'MAT-file');
  assert(r.isOpen() && neurobatch.liveHandles() == 3);   % the originals are untouched
end
% what a closed (or loaded) object says
assert(r.isOpen() && bp.isOpen() && c.isOpen());
r.close(); c.close(); bp.close();
assert(~r.isOpen() && ~bp.isOpen() && ~c.isOpen());
expect_error(@() r(1:2, 1), 'neurobatch:reader:closed', 'MAT-file');
expect_error(@() bp.multiChannel(), 'neurobatch:processor:closed', 'MAT-file');
expect_error(@() c.next(), 'neurobatch:cursor:closed', 'MAT-file');
assert(neurobatch.liveHandles() == 0);
end
