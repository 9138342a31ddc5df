function make_neurobatch(varargin)
%MAKE_NEUROBATCH  Builds the MEX gateway of the +neurobatch package, under
%   MATLAB (mex -R2018a) or GNU Octave (mkoctfile --mex), on Linux, Windows
%   or macOS. Call it once, after addpath of this folder:
%
%     addpath('bindings/matlab'); make_neurobatch();
%
%   It writes +neurobatch/+internal/neurobatch_mex.<mexext>, built against
%   this repository's include/ and the library of `cargo build --release`
%   (target/release, or $CARGO_TARGET_DIR/release when that variable is set,
%   as cargo does). Options, for an installed neurobatch or another build:
%     'lib_dir'      folder of the library (libneurobatch.a on Linux; on
%                    Windows the import library: neurobatch.dll.lib from an
%                    MSVC cargo build, neurobatch.lib from the distribution,
%                    libneurobatch.dll.a from MinGW; libneurobatch.dylib on macOS)
%     'bin_dir'      Windows: folder of neurobatch.dll (default: lib_dir,
%                    then lib_dir/../bin)
%     'include_dir'  folder of neurobatch.h
%     'out_dir'      where the MEX file goes (default: +neurobatch/+internal)
%
%   Linux links the static library: the MEX file needs nothing at run time.
%   Windows links neurobatch.dll and copies it beside the MEX file; macOS
%   links libneurobatch.dylib (install name @rpath/libneurobatch.0.dylib)
%   and copies it beside the MEX file, which looks there (@loader_path).
here = fileparts(mfilename('fullpath'));
root = fullfile(here, '..', '..');
target = fullfile(root, 'target');
if ~isempty(getenv('CARGO_TARGET_DIR'))
  target = getenv('CARGO_TARGET_DIR');   % where cargo built, as cargo reads it
end
opts = struct('lib_dir', fullfile(target, 'release'), 'include_dir', fullfile(root, 'include'), ...
              'out_dir', fullfile(here, '+neurobatch', '+internal'), 'bin_dir', '');
opts = neurobatch.internal.parse_options(opts, varargin, 'make_neurobatch');
opts.src = fullfile(here, '+neurobatch', '+internal', 'neurobatch_mex.c');
octave = exist('OCTAVE_VERSION', 'builtin') ~= 0;
if ispc
  platform = 'windows';
elseif ismac
  platform = 'macos';
else
  platform = 'linux';
end
plan = neurobatch.internal.mex_build_plan(platform, octave, opts);
if ~exist(fullfile(opts.include_dir, 'neurobatch.h'), 'file')
  error('neurobatch:build:noHeader', 'neurobatch.h not found in %s: pass include_dir', opts.include_dir);
end
for k = 1:numel(plan.require)
  if ~exist(plan.require{k}, 'file')
    error('neurobatch:build:noLibrary', '%s not found: run `cargo build --release` first, or pass lib_dir (and bin_dir)', plan.require{k});
  end
end
if ~isfolder(opts.out_dir)
  mkdir(opts.out_dir);
end
% A loaded gateway with open handles must not be overwritten under them.
try
  n_open = neurobatch.liveHandles();
catch
  n_open = 0;   % not built yet, or built for another library version
end
if n_open > 0
  error('neurobatch:build:busy', '%d neurobatch objects are open: close them (or clear them) before rebuilding', n_open);
end
clear('mex');
if octave
  [output, status] = mkoctfile(plan.args{:});
  if status ~= 0
    error('neurobatch:build:failed', 'mkoctfile failed:\n%s', output);
  end
else
  mex(plan.args{:});
end
for k = 1:size(plan.copy, 1)
  copyfile(plan.copy{k, 1}, plan.copy{k, 2});
end
fprintf('built the neurobatch MEX gateway in %s\n', opts.out_dir);
end
