function test_make()
% Issue 18: make_neurobatch builds the gateway. The Linux branch is built
% here for real, into a temporary folder, and the result is loaded by a new
% Octave/MATLAB process; the Windows and macOS branches are checked as
% plans (the commands and the files they need and copy), since neither
% platform can run here.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
root = fileparts(fileparts(mfilename('fullpath')));
src = fullfile(root, '+neurobatch', '+internal', 'neurobatch_mex.c');
lib_dir = getenv('NB_LIB_DIR');      % set by CMake; otherwise this repository's cargo build
if isempty(lib_dir)
  lib_dir = fullfile(root, '..', '..', 'target', 'release');
end
include_dir = getenv('NB_INCLUDE_DIR');
if isempty(include_dir)
  include_dir = fullfile(root, '..', '..', 'include');
end
opts = struct('src', src, 'lib_dir', fullfile(d, 'lib'), 'include_dir', fullfile(d, 'include'), 'out_dir', fullfile(d, 'out'), 'bin_dir', '');

% Linux: the static library, nothing to copy
plan = neurobatch.internal.mex_build_plan('linux', true, opts);
assert(strcmp(plan.tool, 'mkoctfile') && any(strcmp(plan.args, fullfile(d, 'lib', 'libneurobatch.a'))));
assert(any(strcmp(plan.args, '--mex')) && any(strcmp(plan.args, '-DMX_HAS_INTERLEAVED_COMPLEX=1')) && isempty(plan.copy));
plan = neurobatch.internal.mex_build_plan('linux', false, opts);
assert(strcmp(plan.tool, 'mex') && strcmp(plan.args{1}, '-R2018a') && any(strcmp(plan.args, '-outdir')));

% Windows: -lneurobatch against the import library; the DLL copied beside the MEX file
mkdir(fullfile(d, 'lib')); mkdir(fullfile(d, 'bin'));
touch(fullfile(d, 'bin', 'neurobatch.dll'));
touch(fullfile(d, 'lib', 'neurobatch.lib'));
plan = neurobatch.internal.mex_build_plan('windows', false, opts);
assert(strcmp(plan.tool, 'mex') && any(strcmp(plan.args, '-lneurobatch')) && any(strcmp(plan.args, ['-L' fullfile(d, 'lib')])));
assert(isequal(plan.require, {fullfile(d, 'lib', '..', 'bin', 'neurobatch.dll'), fullfile(d, 'lib', 'neurobatch.lib')}));
assert(isequal(plan.copy, {fullfile(d, 'lib', '..', 'bin', 'neurobatch.dll'), fullfile(d, 'out', 'neurobatch.dll')}));
delete(fullfile(d, 'lib', 'neurobatch.lib'));
touch(fullfile(d, 'lib', 'libneurobatch.dll.a'));   % MinGW's import library
plan = neurobatch.internal.mex_build_plan('windows', true, setfield(opts, 'bin_dir', fullfile(d, 'bin'))); %#ok<SFLD>
assert(strcmp(plan.tool, 'mkoctfile') && any(strcmp(plan.args, '-lneurobatch')));
assert(strcmp(plan.require{1}, fullfile(d, 'bin', 'neurobatch.dll')) && strcmp(plan.require{2}, fullfile(d, 'lib', 'libneurobatch.dll.a')));
% `cargo build --release` with MSVC: neurobatch.dll.lib is the import
% library and neurobatch.lib the static one, so the import library is named
touch(fullfile(d, 'lib', 'neurobatch.dll'));
touch(fullfile(d, 'lib', 'neurobatch.dll.lib'));
touch(fullfile(d, 'lib', 'neurobatch.lib'));
plan = neurobatch.internal.mex_build_plan('windows', false, opts);
assert(any(strcmp(plan.args, fullfile(d, 'lib', 'neurobatch.dll.lib'))) && ~any(strcmp(plan.args, '-lneurobatch')));
assert(isequal(plan.require, {fullfile(d, 'lib', 'neurobatch.dll'), fullfile(d, 'lib', 'neurobatch.dll.lib')}));
assert(isequal(plan.copy, {fullfile(d, 'lib', 'neurobatch.dll'), fullfile(d, 'out', 'neurobatch.dll')}));

% macOS: the dylib found through @rpath = the MEX file's folder, where it is copied
plan = neurobatch.internal.mex_build_plan('macos', false, opts);
assert(any(strcmp(plan.args, '-lneurobatch')) && any(strcmp(plan.args, 'LDFLAGS=$LDFLAGS -Wl,-rpath,@loader_path')));
assert(isequal(plan.copy, {fullfile(d, 'lib', 'libneurobatch.dylib'), fullfile(d, 'out', 'libneurobatch.0.dylib')}));
plan = neurobatch.internal.mex_build_plan('macos', true, opts);
assert(any(strcmp(plan.args, '-Wl,-rpath,@loader_path')));
expect_error(@() neurobatch.internal.mex_build_plan('beos', true, opts), 'neurobatch:build:platform', 'beos');

% missing library: a clear error before anything is built
expect_error(@() make_neurobatch('lib_dir', fullfile(d, 'nothing'), 'include_dir', include_dir, 'out_dir', fullfile(d, 'out')), ...
             'neurobatch:build:noLibrary', 'cargo build');

% the real Linux build, into a copy of the package, loaded by a new process
if ~isunix || ismac
  return
end
assert(exist(fullfile(lib_dir, 'libneurobatch.a'), 'file') == 2, ...
       'libneurobatch.a not found in %s: set NB_LIB_DIR to the cargo target directory''s release folder', lib_dir);
pkg = fullfile(d, 'pkg');
copyfile(root, pkg);
out = fullfile(pkg, '+neurobatch', '+internal');
delete(fullfile(out, ['neurobatch_mex.' mexext_here()]));
make_neurobatch('lib_dir', lib_dir, 'include_dir', include_dir, 'out_dir', out);
assert(numel(dir(fullfile(out, ['neurobatch_mex.' mexext_here()]))) == 1);
if exist('OCTAVE_VERSION', 'builtin')
  exe = fullfile(OCTAVE_HOME, 'bin', 'octave-cli');
  [status, text] = system(sprintf('"%s" --no-history --norc --quiet --no-window-system --eval "addpath(''%s''); printf(''version=%%s\\n'', neurobatch.version())"', exe, pkg));
  assert(status == 0 && ~isempty(strfind(text, ['version=' neurobatch.version()])), 'the new MEX file did not load: %s', text);
end
end

function touch(path)
fid = fopen(path, 'w');
fclose(fid);
end

function e = mexext_here()
if exist('OCTAVE_VERSION', 'builtin')
  e = 'mex';
else
  e = mexext;
end
end
