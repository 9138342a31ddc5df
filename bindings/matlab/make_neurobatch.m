function make_neurobatch(varargin)
%MAKE_NEUROBATCH  Builds the MEX gateway of the +neurobatch package.
%   make_neurobatch() links the static library from a `cargo build --release`
%   of this repository (target/release/libneurobatch.a) and the header in
%   include/, and writes +neurobatch/+internal/neurobatch_mex.<mexext>.
%   make_neurobatch('lib_dir', D, 'include_dir', I, 'out_dir', O) overrides
%   the folders (e.g. an installed neurobatch: lib/ and include/).
%   Uses mkoctfile --mex under GNU Octave and mex -R2018a under MATLAB.
here = fileparts(mfilename('fullpath'));
root = fullfile(here, '..', '..');
opts = struct('lib_dir', fullfile(root, 'target', 'release'), 'include_dir', fullfile(root, 'include'), ...
              'out_dir', fullfile(here, '+neurobatch', '+internal'));
for k = 1:2:numel(varargin)
  opts.(varargin{k}) = varargin{k + 1};
end
src = fullfile(here, '+neurobatch', '+internal', 'neurobatch_mex.c');
lib = fullfile(opts.lib_dir, 'libneurobatch.a');
if ~exist(lib, 'file')
  error('neurobatch:build:noLibrary', '%s not found: run `cargo build --release` first or pass lib_dir', lib);
end
if exist('OCTAVE_VERSION', 'builtin')
  out = fullfile(opts.out_dir, 'neurobatch_mex.mex');
  [output, status] = mkoctfile('--mex', '-DMX_HAS_INTERLEAVED_COMPLEX=1', ['-I' opts.include_dir], '-o', out, src, lib, ...
                               '-lpthread', '-ldl', '-lm');
  if status ~= 0
    error('neurobatch:build:failed', 'mkoctfile failed:\n%s', output);
  end
else
  mex('-R2018a', ['-I' opts.include_dir], '-outdir', opts.out_dir, src, lib, '-lpthread', '-ldl', '-lm');
end
fprintf('built the neurobatch MEX gateway in %s\n', opts.out_dir);
end
