//! Apply: a user function over every batch of a traversal, results in memory
//! or appended to an output file, optionally on worker threads (docs/yass.md).

use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use crate::cursor::{Batch, BatchInfo, Cursor};
use crate::dtype::{DataOrder, Dtype, Layout};
use crate::error::{Error, Result};
use crate::fault;
use crate::io::{AlignedBuf, PAGE};
use crate::output::{check_output_path, resolve_existing, IfExists, OutputInfo};
use crate::plan::{BatchOptions, Plan};
use crate::reader::Reader;
use crate::result::ResultBlock;
use crate::shard::{Manifest, Shard, ShardFiles, ShardOutput};
use crate::writer::{FileUse, Writer};

/// The most worker threads an apply starts; more is a mistake (a negative
/// number passed as unsigned), not a wish.
pub const MAX_THREADS: usize = 1024;

/// Where results go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every batch's result is returned, in batch order.
    Memory,
    /// Results are appended, in batch order, to `path`, and its sidecar written.
    Disk { path: PathBuf, if_exists: IfExists },
}

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    pub mode: Mode,
    /// Results are converted to this dtype before the cleanup runs.
    pub cast: Option<Dtype>,
    /// The function sees the previous batch's final result; memory mode then
    /// returns only the last result.
    pub pass_batch_results: bool,
    /// 0 or 1: every callback on the calling thread, in order. More: callbacks
    /// run concurrently on that many worker threads; results are still
    /// delivered in batch order.
    pub n_threads: usize,
    /// Run only this shard's batches; in disk mode, write its piece of the
    /// output for `shard::finish` to assemble.
    pub shard: Option<(Shard, ShardOutput)>,
    /// The run the shard belongs to (see `shard`); None: derived alike by
    /// every shard from the input, output, shard count and options.
    pub shard_run: Option<String>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { mode: Mode::Memory, cast: None, pass_batch_results: false, n_threads: 1, shard: None, shard_run: None }
    }
}

/// What a user function (or cleanup) said about one batch: `code` is 0 to go
/// on, positive to stop early, negative to fail; `result` as set by it (a
/// cleanup that sets none keeps the result it was given).
#[derive(Debug, Default)]
pub struct CallOutput {
    pub code: i32,
    pub result: Option<ResultBlock>,
}

/// The user function: `(batch, previous final result) -> CallOutput`.
pub type BatchFn<'a> = dyn Fn(&Batch<'_>, Option<&ResultBlock>) -> Result<CallOutput> + Sync + 'a;
/// A cleanup: `(result, batch) -> CallOutput`; the batch carries idx_local, idx and buffer_size.
pub type CleanupFn<'a> = dyn Fn(&ResultBlock, &Batch<'_>) -> Result<CallOutput> + Sync + 'a;
/// Progress: `(batches_done, batches_total) -> cancel?`, on the calling thread.
pub type ProgressFn<'a> = dyn FnMut(u64, u64) -> bool + 'a;

/// The ready cleanup YASS users write by hand: keep only the batch's own
/// rows (`idx_local`) of a result that has one row per block row.
pub fn trim_buffer(result: &ResultBlock, batch: &Batch<'_>) -> Result<CallOutput> {
    if result.rows != batch.info.n_rows {
        return Err(trim_mismatch(batch.info.index, result.rows, batch.info.n_rows));
    }
    let local = batch.info.idx_local();
    Ok(CallOutput { code: 0, result: Some(result.rows(local.start as usize..local.end as usize)?) })
}

/// Why `trim_buffer` cannot trim a result (also what the C ABI's ready
/// cleanup reports when it is called through a pointer, as on Windows).
pub fn trim_mismatch(batch_index: u64, result_rows: usize, block_rows: usize) -> Error {
    Error::ResultMismatch(format!(
        "trim_buffer: the result of batch {batch_index} has {result_rows} rows, but trimming needs one row per block row ({block_rows})"
    ))
}

#[derive(Debug, Default)]
pub struct ApplyOutcome {
    /// Memory mode: every result in batch order (only the last with pass_batch_results).
    pub results: Vec<ResultBlock>,
    /// Disk mode: the output written, or found and skipped.
    pub output: Option<OutputInfo>,
    /// Set when a callback returned a positive value; disk mode then wrote nothing.
    pub stopped: Option<i32>,
}

/// Where a batch's result belongs: its channel position (single-channel
/// traversals) and its batch number.
#[derive(Clone, Copy, Debug)]
struct Slot {
    position: usize,
    index: u64,
}

/// One batch through the function, the cast and the cleanup.
enum Processed {
    /// The callback set no result (memory mode only): nothing to store.
    Nothing,
    Result(ResultBlock, Slot),
    Stop(i32, Option<(ResultBlock, Slot)>),
}

struct Callbacks<'a, 'b> {
    /// None: a convert, each batch's block is its result.
    f: Option<&'a BatchFn<'b>>,
    cleanup: Option<&'a CleanupFn<'b>>,
    cast: Option<Dtype>,
    /// Disk outputs need a result from every batch; in memory a callback
    /// may run for its side effects only (the batch then stores nothing).
    result_required: bool,
}

impl Callbacks<'_, '_> {
    fn process(&self, batch: &Batch<'_>, previous: Option<&ResultBlock>) -> Result<Processed> {
        let index = batch.info.index;
        let position = batch.info.positions.start;
        let out = match self.f {
            Some(f) => f(batch, previous)?,
            None => {
                CallOutput { code: 0, result: Some(ResultBlock::from_bytes(batch.dtype, batch.info.n_rows, batch.channels.len(), batch.layout, batch.data)?) }
            }
        };
        if out.code < 0 {
            return Err(Error::CallbackFailed { batch: index, value: out.code });
        }
        let Some(mut result) = out.result else {
            if out.code > 0 {
                return Ok(Processed::Stop(out.code, None));
            }
            if self.result_required {
                return Err(Error::NoResult { batch: index });
            }
            return Ok(Processed::Nothing);
        };
        if let Some(to) = self.cast {
            result = result.cast(to)?;
        }
        let mut code = out.code;
        if let Some(cleanup) = self.cleanup {
            let c = cleanup(&result, batch)?;
            if c.code < 0 {
                return Err(Error::CallbackFailed { batch: index, value: c.code });
            }
            code = code.max(c.code);
            if let Some(r) = c.result {
                result = r;
            }
        }
        let slot = Slot { position, index };
        Ok(if code > 0 { Processed::Stop(code, Some((result, slot))) } else { Processed::Result(result, slot) })
    }
}

/// Results on their way out, in batch order.
enum Sink {
    Memory {
        results: Vec<ResultBlock>,
        keep_last: bool,
    },
    /// With a placer, each result is written at the offset the plan gives it
    /// (a shard writing its region of a shared output).
    Disk(BackgroundWriter, Option<Placer>),
}

/// Offsets of results in an output whose every result has its batch's own
/// rows (`ShardOutput::SameRows`).
struct Placer {
    plan: Plan,
    /// The dtype results are written in, when the writer casts them.
    cast: Option<Dtype>,
}

impl Placer {
    fn offset(&self, result: &ResultBlock, slot: Slot) -> Result<u64> {
        let spec = self.plan.batch(slot.index);
        let rows = spec.stop - spec.start;
        let isz = self.cast.unwrap_or(result.dtype).itemsize() as u64;
        let (have, what) = if self.plan.is_multi_channel() { (result.rows as u64, "rows") } else { ((result.rows * result.cols) as u64, "values") };
        if have != rows {
            return Err(Error::ResultMismatch(format!(
                "shard_output same_rows needs every result to have its batch's own {what}: batch {} has {rows}, its result {have}; trim the buffer (nb_result_view_trim_buffer) or use shard_output parts",
                slot.index
            )));
        }
        let start = spec.start - self.plan.from;
        Ok(if self.plan.is_multi_channel() { start * result.cols as u64 * isz } else { (slot.position as u64 * (self.plan.to - self.plan.from) + start) * isz })
    }
}

impl Sink {
    fn deliver(&mut self, result: ResultBlock, slot: Slot) -> Result<()> {
        fault::check(fault::Point::Deliver);
        match self {
            Sink::Memory { results, keep_last } => {
                if *keep_last {
                    results.clear();
                }
                results.push(result);
                Ok(())
            }
            Sink::Disk(w, None) => w.send(result, Placement { position: Some(slot.position), offset: None }),
            Sink::Disk(w, Some(placer)) => {
                let offset = placer.offset(&result, slot)?;
                w.send(result, Placement { position: Some(slot.position), offset: Some(offset) })
            }
        }
    }
}

/// Where the writer thread puts a result.
#[derive(Clone, Copy, Debug)]
struct Placement {
    position: Option<usize>,
    offset: Option<u64>,
}

/// Writes results on a thread of its own, so the kernel's copy into the
/// output (most of a disk apply's time: perf put 62% of a float32 run in it)
/// overlaps with reading and converting the next batch. The hand-over is a
/// rendezvous: at most one result waits while one is written.
struct BackgroundWriter {
    tx: Option<mpsc::SyncSender<(ResultBlock, Placement)>>,
    thread: Option<std::thread::JoinHandle<(Writer, Result<()>)>>,
    failed: Arc<AtomicBool>,
}

impl BackgroundWriter {
    /// `cast` is applied while writing (when no cleanup needs the cast result);
    /// `single_channel` results are appended as channel series.
    fn start(mut writer: Writer, single_channel: bool, cast: Option<Dtype>) -> Result<BackgroundWriter> {
        let (tx, rx) = mpsc::sync_channel::<(ResultBlock, Placement)>(0);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let thread = std::thread::Builder::new().name("neurobatch-writer".into()).spawn(move || {
            let _inside = crate::panic_scope::enter();
            let mut outcome = Ok(());
            for (block, place) in rx {
                let position = place.position.filter(|_| single_channel);
                fault::check(fault::Point::Write);
                outcome = place.offset.map_or(Ok(()), |at| writer.seek(at)).and_then(|()| match cast {
                    Some(to) => writer.append_result_cast(&block, to, position),
                    None => writer.append_result(&block, position),
                });
                if outcome.is_err() {
                    flag.store(true, Ordering::Relaxed);
                    break;
                }
            }
            (writer, outcome)
        });
        match thread {
            Ok(thread) => Ok(BackgroundWriter { tx: Some(tx), thread: Some(thread), failed }),
            // The writer (and its temporary file) was moved into the closure
            // that never ran, and dropped with it.
            Err(e) => Err(Error::io("starting the output writer thread", e)),
        }
    }

    fn send(&mut self, block: ResultBlock, place: Placement) -> Result<()> {
        let sent = self.tx.as_ref().map(|tx| tx.send((block, place)));
        if self.failed.load(Ordering::Relaxed) || !matches!(sent, Some(Ok(()))) {
            // The writer stopped on an error: report it now.
            return self.join().1;
        }
        Ok(())
    }

    fn join(&mut self) -> (Option<Writer>, Result<()>) {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok((writer, outcome))) => (Some(writer), outcome),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => (None, Err(Error::InvalidArgument("the output writer already stopped".into()))),
        }
    }

    /// The writer, once every result is written.
    fn finish(mut self) -> Result<Writer> {
        match self.join() {
            (Some(writer), Ok(())) => Ok(writer),
            (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(Error::InvalidArgument("the output writer already stopped".into())),
        }
    }
}

impl Drop for BackgroundWriter {
    /// Without finish, the writer is dropped, which removes its temporary
    /// file. A panic of the writer thread is not re-raised here: this may
    /// run while unwinding, and a second panic would abort the host.
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `f` over every batch that `batch_opts` plans. Every argument is
/// validated before any file is created or any callback runs; a failure,
/// stop or cancellation leaves no output file.
pub fn apply(
    reader: &Arc<Reader>,
    batch_opts: &BatchOptions,
    opts: &ApplyOptions,
    f: Option<&BatchFn<'_>>,
    cleanup: Option<&CleanupFn<'_>>,
    mut progress: Option<&mut ProgressFn<'_>>,
) -> Result<ApplyOutcome> {
    let plan = Plan::new(reader, batch_opts)?;
    if opts.n_threads > MAX_THREADS {
        return Err(Error::InvalidArgument(format!(
            "n_threads {} is more than the {MAX_THREADS} worker threads an apply may start; use at most the number of cores",
            opts.n_threads
        )));
    }
    if f.is_none() && opts.pass_batch_results {
        return Err(Error::InvalidArgument(
            "pass_batch_results hands each batch's function the previous result, but there is no function (a convert: each batch is its result)".into(),
        ));
    }
    let n_threads = opts.n_threads.max(1);
    if n_threads > 1 && opts.pass_batch_results {
        return Err(Error::InvalidArgument(format!(
            "pass_batch_results hands each batch the previous batch's result, so batches run one after another: n_threads must be 1, got {n_threads}"
        )));
    }
    let shard = opts.shard.map(|(s, _)| s).unwrap_or(Shard { index: 0, count: 1 });
    if shard.count > 1 && opts.pass_batch_results {
        return Err(Error::InvalidArgument(format!(
            "pass_batch_results hands each batch the previous batch's result, which another shard computes: shard_count must be 1, got {}",
            shard.count
        )));
    }
    let following = batch_opts.follow;
    if following && (n_threads > 1 || opts.shard.is_some()) {
        return Err(Error::InvalidArgument(format!(
            "follow: a followed recording is processed as it grows, batch after batch: n_threads must be 1 (got {n_threads}) and there can be no shards"
        )));
    }
    // Following, the number of batches is known only at the end.
    let batches = if following { 0..u64::MAX } else { shard.batches(plan.n_batches) };
    let batch_dtype = if batch_opts.microvolts { Dtype::F32 } else { reader.dtype() };
    let out_dtype = opts.cast.unwrap_or(batch_dtype);
    // Without a cleanup to see the cast result, a disk output casts while writing.
    let cast_when_writing = cleanup.is_none() && matches!(opts.mode, Mode::Disk { .. });
    let writer_cast = opts.cast.filter(|_| cast_when_writing);
    let single = !plan.is_multi_channel();
    let order = if single { DataOrder::Channels } else { DataOrder::Samples };
    let mut sink = match &opts.mode {
        Mode::Memory => Sink::Memory { results: Vec::new(), keep_last: opts.pass_batch_results },
        Mode::Disk { path, if_exists } => {
            check_output_path(path, reader.protected())?;
            if let Some(existing) = resolve_existing(path, *if_exists)? {
                return Ok(ApplyOutcome { output: Some(existing), ..Default::default() });
            }
            match opts.shard {
                None => {
                    let writer = Writer::create(path, order, plan.channels.len(), out_dtype, reader.protected())?;
                    // A convert (no function) of whole rows streams: the batches are
                    // read, cast and written in pieces of a few MiB.
                    if f.is_none() && cleanup.is_none() && !single && plan.buffer == 0 && !following {
                        let mut progress = |done: u64| -> Result<()> {
                            match progress.as_mut().is_some_and(|p| p(done, plan.n_batches)) {
                                true => Err(Error::Cancelled { done, total: plan.n_batches }),
                                false => Ok(()),
                            }
                        };
                        let writer = convert_streamed(reader, batch_opts, &plan, writer, opts.cast, &mut progress)?;
                        return Ok(ApplyOutcome { output: Some(publish_output(reader, batch_opts, writer)?), ..Default::default() });
                    }
                    Sink::Disk(BackgroundWriter::start(writer, single, writer_cast)?, None)
                }
                Some((shard, how)) => {
                    let files = ShardFiles::new(path, shard.count, &run_id(reader, path, &plan, opts, shard, how)?);
                    // A rerun of this shard replaces what an earlier attempt left.
                    let _ = std::fs::remove_file(files.manifest(shard.index));
                    let (file, use_, placer) = match how {
                        ShardOutput::Parts => (files.part(shard.index), FileUse::Replace, None),
                        ShardOutput::SameRows => (files.data(), FileUse::Shared, Some(Placer { plan: plan.clone(), cast: writer_cast })),
                    };
                    let writer = Writer::unpublished(path, file, use_, order, plan.channels.len(), out_dtype)?;
                    Sink::Disk(BackgroundWriter::start(writer, single, writer_cast)?, placer)
                }
            }
        }
    };
    let callbacks = Callbacks { f, cleanup, cast: opts.cast.filter(|_| !cast_when_writing), result_required: matches!(opts.mode, Mode::Disk { .. }) };
    // Progress reports 0 as the total while following (unknown until the end).
    let total = if following { 0 } else { batches.end - batches.start };
    let mut on_done = |done: u64| -> Result<()> {
        let cancel = progress.as_mut().is_some_and(|p| p(done, total));
        if cancel {
            return Err(Error::Cancelled { done, total });
        }
        Ok(())
    };
    let stopped = if n_threads > 1 && total > 1 && !following {
        run_parallel(reader, batch_opts, &plan, &callbacks, n_threads.min(total as usize), batches.clone(), &mut sink, &mut on_done)?
    } else {
        run_serial(reader, batch_opts, &callbacks, opts.pass_batch_results, batches.clone(), &mut sink, &mut on_done)?
    };
    Ok(match sink {
        Sink::Memory { results, .. } => ApplyOutcome { results, output: None, stopped },
        // A stop publishes nothing: dropping the writer removes its temporary file.
        Sink::Disk(writer, _) if stopped.is_some() => {
            drop(writer);
            ApplyOutcome { stopped, ..Default::default() }
        }
        Sink::Disk(writer, _) => match opts.shard {
            None => ApplyOutcome { output: Some(publish_output(reader, batch_opts, writer.finish()?)?), ..Default::default() },
            Some((shard, how)) => {
                // The shard is complete once its manifest is in place; the
                // output appears when `shard::finish` assembles all shards.
                let Mode::Disk { path, .. } = &opts.mode else { unreachable!("disk sinks come from disk mode") };
                let stats = writer.finish()?.close()?;
                let mut manifest = Manifest::new(shard, how, batches, plan.n_batches, order, &stats);
                manifest.sampling_rate = reader.metadata().sampling_rate;
                manifest.rate_observations = plan.to - plan.from;
                manifest.run = run_id(reader, path, &plan, opts, shard, how)?;
                manifest.input = reader.input_identity()?;
                manifest.options = options_identity(&plan, opts, how);
                manifest.write(&ShardFiles::new(path, shard.count, &manifest.run))?;
                ApplyOutcome::default()
            }
        },
    })
}

/// Publishes a finished output, keeping the input's sampling rate when the
/// output has one row per input observation.
fn publish_output(reader: &Reader, batch_opts: &BatchOptions, mut writer: Writer) -> Result<OutputInfo> {
    if let Some(rate) = reader.metadata().sampling_rate {
        // The input's final length: a followed recording grew meanwhile.
        let to = batch_opts.to.unwrap_or(reader.n_observations());
        writer.set_sampling_rate(rate, to - batch_opts.from.unwrap_or(0).min(to));
    }
    writer.finish()
}

/// Input bytes per piece of a streamed convert: large enough for fast reads
/// and writes, small enough that a few stay in the caches and in budget.
const CONVERT_PIECE_BYTES: u64 = 8 << 20;

/// A convert (apply without a function) of whole rows, streamed: the
/// plan's rows are read in pieces of CONVERT_PIECE_BYTES (read ahead on a
/// thread of their own unless turned off), converted to the output dtype on
/// the calling thread and written on a third thread, so reading, converting
/// and writing overlap and no batch-sized result is ever made. The bytes
/// are those of the batches, as an identity function would return them.
fn convert_streamed(
    reader: &Arc<Reader>,
    batch_opts: &BatchOptions,
    plan: &Plan,
    mut writer: Writer,
    cast: Option<Dtype>,
    on_done: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<Writer> {
    let n_sel = plan.channels.len() as u64;
    let isz = if batch_opts.microvolts { 4 } else { plan.dtype.itemsize() as u64 };
    let rows = (CONVERT_PIECE_BYTES / (n_sel * isz)).max(1).min(plan.rows_per_batch.max(1));
    let pieces = BatchOptions {
        max_memory: rows.max(1) * n_sel * plan.dtype.itemsize() as u64,
        layout: Layout::SampleMajor,
        read_ahead: Some(batch_opts.read_ahead.unwrap_or(true)),
        ..batch_opts.clone()
    };
    let mut cursor = Cursor::new(reader.clone(), &pieces)?;
    let cols = n_sel as usize;
    std::thread::scope(|scope| {
        // Two output buffers go round: one converted into, one being written.
        let (full_tx, full_rx) = mpsc::sync_channel::<(AlignedBuf, usize, usize, Dtype)>(1);
        let (empty_tx, empty_rx) = mpsc::channel::<AlignedBuf>();
        for _ in 0..2 {
            let _ = empty_tx.send(AlignedBuf::default());
        }
        let writer_ref = &mut writer;
        let written = std::thread::Builder::new()
            .name("neurobatch-writer".into())
            .spawn_scoped(scope, move || -> Result<()> {
                let _inside = crate::panic_scope::enter();
                for (buf, at, n_rows, dtype) in full_rx {
                    fault::check(fault::Point::Write);
                    let len = n_rows * cols * dtype.itemsize();
                    writer_ref.append(dtype, n_rows, cols, Layout::SampleMajor, &buf.bytes()[at..at + len])?;
                    if empty_tx.send(buf).is_err() {
                        break;
                    }
                }
                Ok(())
            })
            .map_err(|e| Error::io("starting the output writer thread", e))?;
        let mut pos = 0u64; // bytes written: the writer copies fastest from its in-page offset
        let mut reported = 0u64; // progress is counted in the plan's batches
        let fed = (|| -> Result<()> {
            while let Some(b) = cursor.next_batch()? {
                let Ok(mut buf) = empty_rx.recv() else { break }; // the writer failed: join says why
                let to = cast.unwrap_or(b.dtype);
                let len = b.info.n_rows * cols * to.itemsize();
                let at = (pos % PAGE as u64) as usize;
                let out = buf.ensure(at + len).map_err(|e| Error::io("allocating a convert buffer", e))?;
                crate::result::cast_values(b.dtype, b.data, to, &mut out[at..at + len]);
                pos += len as u64;
                let done = if b.info.stop == plan.to { plan.n_batches } else { (b.info.stop - plan.from) / plan.rows_per_batch.max(1) };
                if full_tx.send((buf, at, b.info.n_rows, to)).is_err() {
                    break;
                }
                if done > reported {
                    reported = done;
                    on_done(done)?;
                }
            }
            Ok(())
        })();
        drop(full_tx);
        let wrote = match written.join() {
            Ok(r) => r,
            Err(p) => Err(Error::Panic(panic_text(p.as_ref()))),
        };
        fed.and(wrote)
    })?;
    Ok(writer)
}

/// What a shard ran with, beyond its input: every shard of a run must agree.
fn options_identity(plan: &Plan, opts: &ApplyOptions, how: ShardOutput) -> String {
    format!(
        "from={} to={} channels={:?} rows={} batches={} buffer={} traversal={:?} layout={:?} edge={:?} dtype={} cast={:?} output={how:?}",
        plan.from, plan.to, plan.channels, plan.rows_per_batch, plan.n_batches, plan.buffer, plan.traversal, plan.layout, plan.edge, plan.dtype, opts.cast
    )
}

/// The run a shard belongs to: the caller's id, or one derived alike by
/// every shard of the job from its input, output location, count and options.
fn run_id(reader: &Reader, output: &std::path::Path, plan: &Plan, opts: &ApplyOptions, shard: Shard, how: ShardOutput) -> Result<String> {
    if let Some(run) = &opts.shard_run {
        crate::shard::check_run_id(run)?;
        return Ok(run.clone());
    }
    let dir = crate::protect::parent_dir(output);
    let dir_id = crate::platform::path_id(dir).map_err(|e| Error::io(format!("reading the identity of {}", crate::error::show(dir)), e))?;
    let output_place = format!("{dir_id:?}/{}", output.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let input = reader.input_identity()?;
    Ok(crate::shard::derive_run_id(&[&input, &output_place, &shard.count.to_string(), &options_identity(plan, opts, how)]))
}

fn run_serial(
    reader: &Arc<Reader>,
    batch_opts: &BatchOptions,
    callbacks: &Callbacks<'_, '_>,
    pass_batch_results: bool,
    batches: Range<u64>,
    sink: &mut Sink,
    on_done: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<Option<i32>> {
    // Applies read ahead unless told not to: batch k+1 is read while the
    // callback works on batch k.
    let opts = BatchOptions { read_ahead: Some(batch_opts.read_ahead.unwrap_or(true)), ..batch_opts.clone() };
    let mut cursor = Cursor::new(reader.clone(), &opts)?;
    if batches.start > 0 {
        cursor.seek(batches.start)?;
    }
    let mut previous: Option<ResultBlock> = None;
    let mut done = 0;
    while done < batches.end - batches.start {
        let Some(batch) = cursor.next_batch()? else { break };
        let prev = if pass_batch_results { previous.as_ref() } else { None };
        match callbacks.process(&batch, prev)? {
            Processed::Nothing => previous = None,
            Processed::Result(result, slot) => {
                if pass_batch_results {
                    previous = Some(result.try_clone()?);
                }
                sink.deliver(result, slot)?;
            }
            Processed::Stop(code, result) => {
                if let Some((result, slot)) = result {
                    sink.deliver(result, slot)?;
                }
                return Ok(Some(code));
            }
        }
        done += 1;
        on_done(done)?;
    }
    Ok(None)
}

pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown payload".into())
}

/// A batch copied out of the cursor for a worker, in a recycled buffer
/// (single-channel traversals, whose channel groups are read once).
struct OwnedBatch {
    buf: AlignedBuf,
    len: usize,
    info: BatchInfo,
    channels: Vec<usize>,
    dtype: Dtype,
    layout: Layout,
}

impl OwnedBatch {
    fn copy(b: &Batch<'_>, mut buf: AlignedBuf) -> Result<OwnedBatch> {
        buf.ensure(b.data.len()).map_err(|e| Error::io("allocating a batch copy", e))?[..b.data.len()].copy_from_slice(b.data);
        Ok(OwnedBatch { buf, len: b.data.len(), info: b.info.clone(), channels: b.channels.to_vec(), dtype: b.dtype, layout: b.layout })
    }

    fn batch(&self) -> Batch<'_> {
        Batch { data: &self.buf.bytes()[..self.len], info: &self.info, channels: &self.channels, dtype: self.dtype, layout: self.layout }
    }
}

/// What a worker is handed: a batch to read itself (multi-channel), or a
/// copy the calling thread read (single-channel).
enum Job {
    Read(u64),
    Copied(OwnedBatch),
}

/// Runs the callbacks on `n_threads` workers; results are delivered in batch
/// order. In a multi-channel traversal each worker reads its batch itself,
/// into a buffer of its own (positioned reads need no lock), so the batches
/// in flight are the workers' n_threads buffers; in a single-channel one the
/// calling thread reads every channel group once and hands out copies.
/// Batch `i` is handed out only while `i < delivered + window`, so at most
/// `window` batches and results exist at once.
#[allow(clippy::too_many_arguments)]
fn run_parallel(
    reader: &Arc<Reader>,
    batch_opts: &BatchOptions,
    plan: &Plan,
    callbacks: &Callbacks<'_, '_>,
    n_threads: usize,
    batches: Range<u64>,
    sink: &mut Sink,
    on_done: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<Option<i32>> {
    let window = n_threads as u64 + 1;
    let total = batches.end - batches.start;
    let direct = plan.is_multi_channel();
    let mut cursor = if direct {
        None
    } else {
        let mut c = Cursor::new(reader.clone(), &BatchOptions { read_ahead: Some(false), ..batch_opts.clone() })?;
        c.seek(batches.start)?;
        Some(c)
    };
    let scales = crate::cursor::scales_for(reader, batch_opts)?;
    let spare: Mutex<Vec<AlignedBuf>> = Mutex::new(Vec::new());
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(window as usize);
    let job_rx = Mutex::new(job_rx);
    let turns = crate::uncached::ReadTurns::new(batches.start);
    // Set when the calling thread stops taking results (an error, a stop
    // code, a cancel): batches still queued are then not processed.
    let ended = AtomicBool::new(false);
    let (job_rx, spare, scales, turns, ended) = (&job_rx, &spare, &scales, &turns, &ended);
    std::thread::scope(move |scope| {
        let (res_tx, res_rx) = mpsc::channel::<(u64, Result<Processed>)>();
        for k in 0..n_threads {
            let res_tx = res_tx.clone();
            let started = std::thread::Builder::new().name(format!("neurobatch-worker-{k}")).spawn_scoped(scope, move || {
                let _inside = crate::panic_scope::enter();
                // The prefetch thread advises the system of every batch, in order.
                let mut loader = crate::cursor::BatchLoader::new(scales.clone());
                loop {
                    let job = {
                        let jobs = job_rx.lock().unwrap_or_else(|p| p.into_inner());
                        let job = jobs.recv();
                        // A test's hold keeps the queue too, so takes stay in batch order.
                        fault::hold(fault::Point::WorkerTake, ended);
                        job
                    };
                    let Ok(job) = job else { return };
                    if ended.load(Ordering::Relaxed) {
                        return;
                    }
                    // A panic here must reach the calling thread as an error: left
                    // alone it would end this worker and its result would never
                    // arrive, so the calling thread would wait forever.
                    let (index, out) = match job {
                        Job::Read(index) => {
                            let out = std::panic::catch_unwind(AssertUnwindSafe(|| {
                                let spec = plan.batch(index);
                                let turn = turns.take(index, loader.probe_cold(reader, plan, &spec));
                                loader.load(reader, plan, &spec)?;
                                drop(turn);
                                let info = BatchInfo::of(plan, &spec);
                                let out = callbacks.process(&loader.view(plan, &info), None);
                                fault::check(fault::Point::Worker);
                                out
                            }));
                            (index, out)
                        }
                        Job::Copied(job) => {
                            let out = std::panic::catch_unwind(AssertUnwindSafe(|| {
                                let out = callbacks.process(&job.batch(), None);
                                fault::check(fault::Point::Worker);
                                out
                            }));
                            let index = job.info.index;
                            spare.lock().unwrap_or_else(|p| p.into_inner()).push(job.buf);
                            (index, out)
                        }
                    };
                    let out = out.unwrap_or_else(|payload| Err(Error::Panic(panic_text(payload.as_ref()))));
                    if res_tx.send((index, out)).is_err() {
                        return;
                    }
                }
            });
            if let Err(e) = started {
                // The workers already started see the job channel close and end.
                drop(job_tx);
                return Err(Error::io(format!("starting worker thread {} of {n_threads}", k + 1), e));
            }
        }
        drop(res_tx);
        // Read-ahead hints wait while the device's queue is full, so a thread
        // of their own gives them (a hint only: without the thread, none).
        // Counted from the shard's first batch; `index - first` orders results.
        let first = batches.start;
        let hint_tx = direct.then(|| {
            let (tx, rx) = mpsc::channel::<u64>();
            let hints = crate::cursor::Hints::default();
            hints.restart(first);
            let hinting = std::thread::Builder::new().name("neurobatch-prefetch".into()).spawn_scoped(scope, move || {
                let _inside = crate::panic_scope::enter();
                for last in rx {
                    hints.through(reader, plan, last);
                }
            });
            hinting.ok().map(|_| tx)
        });
        let hint_tx = hint_tx.flatten();
        let mut pending: BTreeMap<u64, Processed> = BTreeMap::new();
        let (mut fed, mut expected) = (0u64, 0u64);
        let outcome = (|| -> Result<Option<i32>> {
            while expected < total {
                while fed < total && fed < expected + window {
                    let job = match cursor.as_mut() {
                        None => {
                            // The system is advised of the batches in order, up to one
                            // beyond the queue, from a single thread: the disk serves
                            // them in the order the workers need them, and keeps
                            // streaming while every worker computes.
                            if let Some(tx) = &hint_tx {
                                let _ = tx.send(first + (fed + 1).min(total - 1));
                            }
                            Job::Read(first + fed)
                        }
                        Some(c) => {
                            let Some(batch) = c.next_batch()? else { break };
                            let buf = spare.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
                            Job::Copied(OwnedBatch::copy(&batch, buf)?)
                        }
                    };
                    if job_tx.send(job).is_err() {
                        return Err(Error::InvalidArgument("the worker threads ended early".into()));
                    }
                    fed += 1;
                }
                let Ok((i, out)) = res_rx.recv() else {
                    return Err(Error::InvalidArgument("a worker thread ended without a result".into()));
                };
                // An error is reported at once, whatever batch it came from.
                pending.insert(i - first, out?);
                while let Some(out) = pending.remove(&expected) {
                    match out {
                        Processed::Nothing => {}
                        Processed::Result(result, slot) => sink.deliver(result, slot)?,
                        Processed::Stop(code, result) => {
                            if let Some((result, slot)) = result {
                                sink.deliver(result, slot)?;
                            }
                            return Ok(Some(code));
                        }
                    }
                    expected += 1;
                    on_done(expected)?;
                }
            }
            Ok(None)
        })();
        // Workers finish the batch in hand and stop; queued batches are dropped.
        ended.store(true, Ordering::Relaxed);
        drop(job_tx);
        drop(hint_tx);
        outcome
    })
}
