function test_convert()
% BatchProcessor.convert (the library's apply without a function) and the
% read_ahead option: a disk convert writes the bytes (and sidecar) an
% apply of @(x) x writes, in 'samples' and 'channels' order, with a cast, a
% channel subset and a time range, whatever read_ahead says; memory mode
% gives the blocks an identity apply gives; read_ahead 'on', 'off' and
% 'auto' walk the same batches; bad options and outputs are errors naming
% them, and leave no file.
d = temp_folder();
cleanup = onCleanup(@() rmdir(d, 's'));
n_ch = 7;
n_obs = 1003;
p = write_fixture(d, 'wide.bin', 'int16', n_ch, n_obs, 'channels');
modes = {'auto', 'on', 'off'};
bps = cell(1, 3);
for k = 1:3
  bps{k} = neurobatch.BatchProcessor(p, 'max_memory', 3 * 2 * 50, 'read_ahead', modes{k});
  assert(strcmp(bps{k}.read_ahead, modes{k}));
end
bp = bps{1};

% disk, samples order: cast, channels [6 1 6], observations 12 to 990
opts = {'cast_dtype', 'float32', 'channels', [6 1 6], 'from_time', 12, 'to_time', 990};
want = fullfile(d, 'apply.bin');
bp.multiChannelApply(@(x) x, 'disk', 'output_path', want, opts{:});
for k = 1:3
  out = fullfile(d, sprintf('convert-%s.bin', modes{k}));
  [path, params, skipped] = bps{k}.convert('disk', 'output_path', out, opts{:});
  assert(strcmp(path, out) && ~skipped);
  assert(strcmp(params.dtype, 'float32') && params.n_channels == 3 && strcmp(params.data_order, 'samples'));
  assert(same_bytes(out, want) && same_bytes(sidecar(out), sidecar(want)));
end
r = neurobatch.RecordingsReader(fullfile(d, 'convert-on.bin'));
assert(strcmp(class(r(1, 1)), 'single') && isequal(double(r(:, :)), fixture_value(11:989, [5 0 5], n_ch)));
r.close();

% disk, channels order: the file written channel after channel, as a
% single-channel apply in windows writes it; 'wide' is the same order
want = fullfile(d, 'apply-wide.bin');
bp.singleChannelApply(@(x) x, 'disk', 'output_path', want, 'force_complete_channel_batch', false, 'channels', [2 5]);
out = fullfile(d, 'convert-wide.bin');
[~, params] = bp.convert('disk', 'output_path', out, 'data_order', 'channels', 'channels', [2 5]);
assert(strcmp(params.data_order, 'channels') && params.n_channels == 2);
assert(same_bytes(out, want) && same_bytes(sidecar(out), sidecar(want)));
bp.convert('mode', 'disk', 'output_path', fullfile(d, 'alias.bin'), 'data_order', 'wide', 'channels', [2 5]);
assert(same_bytes(fullfile(d, 'alias.bin'), want));

% memory: the blocks themselves, as an identity apply returns them
for k = 1:3
  blocks = bps{k}.convert('channels', [3 4 1], 'to_time', 400);
  res = bps{k}.multiChannelApply(@(x) x, 'memory', 'channels', [3 4 1], 'to_time', 400);
  assert(iscell(blocks) && numel(blocks) == 8 && isequal(blocks, res) && strcmp(class(blocks{1}), 'int16'));
  assert(isequal(double(cat(1, blocks{:})), fixture_value(0:399, [2 3 0], n_ch)));
end
cast = bp.convert('memory', 'cast_dtype', 'uint8', 'channels', 1, 'to_time', 60);
assert(strcmp(class(cast{1}), 'uint8') && isequal(cast{1}, neurobatch.castValues(int16(fixture_value(0:59, 0, n_ch)), 'uint8')));
assert(isempty(bp.convert('from_time', 6, 'to_time', 5)));   % an empty range: no batch

% read_ahead: the same batches from cursors, and from applies
walks = cell(1, 3);
sums = cell(1, 3);
for k = 1:3
  c = bps{k}.multiChannel('channels', [7 2 3]);
  walk = {};
  while c.hasNext()
    [data, idx_local, idx] = c.next();
    walk{end + 1} = {data, idx_local, idx}; %#ok<AGROW>
  end
  walks{k} = walk;
  sums{k} = bps{k}.multiChannelApply(@(x) sum(double(x), 1), 'channels', [7 2 3]);
end
assert(numel(walks{1}) == ceil(n_obs / 50));
assert(isequal(walks{1}, walks{2}) && isequal(walks{1}, walks{3}) && isequal(sums{1}, sums{2}) && isequal(sums{1}, sums{3}));
% and with a buffer (edge rows included) and single-channel batches
a = neurobatch.BatchProcessor(p, 'max_memory', 2 * 64, 'buffer_size', 5, 'edge', 'reflect', 'read_ahead', 'on');
b = neurobatch.BatchProcessor(p, 'max_memory', 2 * 64, 'buffer_size', 5, 'edge', 'reflect', 'read_ahead', 'off');
assert(isequal(a.singleChannelApply(@(x) x, 'force_complete_channel_batch', false), ...
               b.singleChannelApply(@(x) x, 'force_complete_channel_batch', false)));
% a buffered processor converts without its buffer rows
assert(isequal(a.convert('channels', 4), b.convert('channels', 4)));
blocks = a.convert('channels', 4);
assert(isequal(double(cat(1, blocks{:})), fixture_value(0:n_obs - 1, 3, n_ch)));
a.close();
b.close();

% pipelines give read_ahead to every step: the same outputs either way
ra = {'on', 'off'};
outs = cell(1, 2);
for k = 1:2
  sub = fullfile(d, ['pipe-' ra{k}]);
  mkdir(sub);
  pl = neurobatch.BatchPipeline(p, 'max_memory', 2 * n_obs, 'output_path', sub, 'read_ahead', ra{k});
  assert(strcmp(pl.options.read_ahead, ra{k}));
  pl.add({neurobatch.PipedTransformation(@(x) x + 1, 'a.bin', 'multi_channel', 'keep', true), ...
          neurobatch.PipedTransformation(@(x) single(x) * 2, 'b.bin', 'single_channel_one_batch')});
  outs{k} = pl.run();
end
assert(same_bytes(outs{1}{1}, outs{2}{1}) && same_bytes(outs{1}{2}, outs{2}{2}));

% if_file_exists: abort leaves the file as it was; skip reports it
out = fullfile(d, 'convert-on.bin');
before = fileread(out);
expect_error(@() bp.convert('disk', 'output_path', out, 'if_file_exists', 'abort'), 'neurobatch:output:fileExists', 'convert-on.bin');
[path, params, skipped] = bp.convert('disk', 'output_path', out, 'if_file_exists', 'skip', 'cast_dtype', 'int32');
assert(skipped && strcmp(path, out) && strcmp(params.dtype, 'float32') && strcmp(fileread(out), before));

% the progress bar, printed by the gateway
text = evalc('q = neurobatch.BatchProcessor(p, ''max_memory'', 2 * 7 * 500, ''show_progress_bar'', true); q.convert(); q.close();');
assert(~isempty(strfind(text, '3/3')), 'no progress bar in "%s"', text);

% errors: named, and nothing written
never = fullfile(d, 'never.bin');
expect_error(@() bp.convert('disk', 'output_path', p), 'neurobatch:output:badOutputPath', 'input');
expect_error(@() bp.convert('disk', 'output_path', fullfile(d, 'nowhere', 'x.bin')), 'neurobatch:output:badOutputPath');
expect_error(@() bp.convert('disk'), 'neurobatch:arg:badOutputPath', 'disk');
expect_error(@() bp.convert('memory', 'data_order', 'channels'), 'neurobatch:arg:badDataOrder', 'disk');
expect_error(@() bp.convert('disk', 'output_path', never, 'data_order', 'rows'), 'neurobatch:arg:badDataOrder', 'rows');
expect_error(@() bp.convert('disk', 'output_path', never, 'cast_dtype', 'int12'), 'neurobatch:arg:badCastDtype', 'int12');
expect_error(@() bp.convert('disk', 'output_path', never, 'channels', 8), 'neurobatch:arg:badChannels', 'channel 8');
expect_error(@() bp.convert('disk', 'output_path', never, 'to_time', n_obs + 1), 'neurobatch:arg:badToTime');
expect_error(@() bp.convert('disk', 'output_path', never, 'pass_batch_results', true), 'neurobatch:arg:unknownOption', 'pass_batch_results');
expect_error(@() bp.convert('tape'), 'neurobatch:arg:badMode', 'tape');
expect_error(@() neurobatch.BatchProcessor(p, 'read_ahead', 'sometimes'), 'neurobatch:arg:badReadAhead', 'sometimes');
expect_error(@() neurobatch.BatchProcessor(p, 'read_ahead', true), 'neurobatch:arg:badReadAhead', 'true');
assert(~exist(never, 'file'));
% the gateway's own guard, for any caller
expect_error(@() neurobatch.internal.gateway('reader_convert', bp.reader.Id, struct('read_ahead', 'fast'), struct()), ...
             'neurobatch:arg:badReadAhead', 'fast');
expect_error(@() neurobatch.internal.gateway('reader_convert', bp.reader.Id, struct(), struct('mode', 'tape')), ...
             'neurobatch:arg:badMode', 'tape');
for k = 1:3
  bps{k}.close();
end
expect_error(@() bp.convert(), 'neurobatch:processor:closed');
end

function tf = same_bytes(a, b)
fa = fopen(a);
fb = fopen(b);
x = fread(fa, Inf, 'uint8=>uint8');
y = fread(fb, Inf, 'uint8=>uint8');
fclose(fa);
fclose(fb);
tf = isequal(x, y) && ~isempty(x);
end

function y = sidecar(path)
[folder, base] = fileparts(path);
y = fullfile(folder, [base '.yaml']);
end
