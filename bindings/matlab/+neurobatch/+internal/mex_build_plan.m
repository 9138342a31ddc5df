function plan = mex_build_plan(platform, octave, opts)
%MEX_BUILD_PLAN  How make_neurobatch builds the gateway on PLATFORM
%   ('linux', 'windows' or 'macos') with GNU Octave (OCTAVE true: mkoctfile
%   --mex) or MATLAB (mex -R2018a). OPTS: src, lib_dir, include_dir,
%   out_dir, bin_dir. Returns the tool, its arguments, the library files it
%   needs (REQUIRE, checked before building) and the files to copy beside
%   the MEX file (COPY, {from, to} rows) so it finds the library at run time.
%
%   linux    links the static library libneurobatch.a: nothing to find later.
%   windows  links neurobatch.dll through its import library and copies
%            neurobatch.dll beside the MEX file. The import library is
%            neurobatch.dll.lib in a `cargo build` with MSVC (where
%            neurobatch.lib is the static library, so it is passed by name),
%            else -lneurobatch: neurobatch.lib in the distribution (made from
%            neurobatch.def), libneurobatch.dll.a from MinGW.
%   macos    links libneurobatch.dylib, whose install name is
%            @rpath/libneurobatch.0.dylib; the MEX file's rpath is its own
%            folder (@loader_path), where the library is copied under that name.
inc = ['-I' opts.include_dir];
plan = struct('tool', '', 'args', {{}}, 'require', {{}}, 'copy', {cell(0, 2)}, 'output', '');
if octave
  plan.tool = 'mkoctfile';
  plan.output = fullfile(opts.out_dir, 'neurobatch_mex.mex');
  head = {'--mex', '-DMX_HAS_INTERLEAVED_COMPLEX=1', inc, '-o', plan.output, opts.src};
else
  plan.tool = 'mex';
  head = {'-R2018a', inc, '-outdir', opts.out_dir, opts.src};
end
switch platform
  case 'linux'
    lib = fullfile(opts.lib_dir, 'libneurobatch.a');
    plan.require = {lib};
    % what a Rust static library needs from the system (cargo's native-static-libs)
    plan.args = [head, {lib, '-lgcc_s', '-lutil', '-lrt', '-lpthread', '-lm', '-ldl', '-lc'}];
  case 'windows'
    dll = '';
    for candidate = {opts.bin_dir, opts.lib_dir, fullfile(opts.lib_dir, '..', 'bin')}
      if ~isempty(candidate{1}) && exist(fullfile(candidate{1}, 'neurobatch.dll'), 'file')
        dll = fullfile(candidate{1}, 'neurobatch.dll');
        break
      end
    end
    if isempty(dll)
      dll = fullfile(opts.lib_dir, 'neurobatch.dll');
    end
    import_libs = {fullfile(opts.lib_dir, 'neurobatch.dll.lib'), fullfile(opts.lib_dir, 'neurobatch.lib'), fullfile(opts.lib_dir, 'libneurobatch.dll.a')};
    found = import_libs(cellfun(@(f) exist(f, 'file') == 2, import_libs));
    if isempty(found)
      plan.require = {dll, strjoin(import_libs, ' or ')};
    else
      plan.require = {dll, found{1}};
    end
    if ~isempty(found) && strcmp(found{1}, import_libs{1})
      plan.args = [head, found(1)];
    else
      plan.args = [head, {['-L' opts.lib_dir], '-lneurobatch'}];
    end
    plan.copy = {dll, fullfile(opts.out_dir, 'neurobatch.dll')};
  case 'macos'
    dylib = fullfile(opts.lib_dir, 'libneurobatch.dylib');
    plan.require = {dylib};
    if octave
      rpath = {'-Wl,-rpath,@loader_path'};
    else
      rpath = {'LDFLAGS=$LDFLAGS -Wl,-rpath,@loader_path'};
    end
    plan.args = [head, {['-L' opts.lib_dir], '-lneurobatch'}, rpath];
    plan.copy = {dylib, fullfile(opts.out_dir, 'libneurobatch.0.dylib')};
  otherwise
    error('neurobatch:build:platform', 'unknown platform ''%s'': expected ''linux'', ''windows'' or ''macos''', platform);
end
end
