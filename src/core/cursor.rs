//! Iteration over a plan's batches with memory reused from batch to batch.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use crate::dtype::{DataOrder, Dtype, Layout};
use crate::error::{Error, Result};
use crate::io::{AlignedBuf, PAGE};
use crate::plan::{BatchOptions, BatchSpec, Plan};
use crate::reader::Reader;

/// Where a batch sits and what it holds (YASS's `idx_local`, `idx`, batch number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    pub index: u64,
    pub count: u64,
    /// Absolute observations `[start, stop)` of the batch's own rows (`idx`).
    pub start: u64,
    pub stop: u64,
    /// Extra rows before and after the batch's own rows.
    pub buffer: u64,
    /// Rows in the block: `stop - start + 2·buffer`.
    pub n_rows: usize,
    /// Positions of the block's columns in the plan's channel selection.
    pub positions: Range<usize>,
    pub single_channel: bool,
}

impl BatchInfo {
    /// `idx_local`: where the batch's own rows sit in the block.
    pub fn idx_local(&self) -> Range<u64> {
        self.buffer..self.buffer + (self.stop - self.start)
    }
}

/// A borrowed batch: valid until the cursor moves on.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub data: &'a [u8],
    pub info: &'a BatchInfo,
    /// The file channels of the block's columns.
    pub channels: &'a [usize],
    pub dtype: Dtype,
    pub layout: Layout,
}

impl Batch<'_> {
    pub fn n_channels(&self) -> usize {
        self.channels.len()
    }

    /// The block as an `[observation, channel]` array of `T`, whatever the layout.
    pub fn view<T: crate::dtype::Element>(&self) -> Result<ndarray::ArrayView2<'_, T>> {
        if T::DTYPE != self.dtype {
            return Err(Error::InvalidArgument(format!("batch holds {}, not {}", self.dtype, T::DTYPE)));
        }
        let values: &[T] =
            bytemuck::try_cast_slice(self.data).map_err(|e| Error::InvalidArgument(format!("batch data cannot be viewed as {}: {e}", T::DTYPE)))?;
        let (rows, cols) = (self.info.n_rows, self.channels.len());
        let view = match self.layout {
            Layout::SampleMajor => ndarray::ArrayView2::from_shape((rows, cols), values),
            Layout::ChannelMajor => ndarray::ArrayView2::from_shape((cols, rows), values).map(|v| v.reversed_axes()),
        };
        view.map_err(|e| Error::InvalidArgument(format!("batch shape: {e}")))
    }
}

/// Walks a plan. Holds the reader alive, so the file stays open until both
/// the reader and its cursors are dropped.
pub struct Cursor {
    reader: Arc<Reader>,
    plan: Plan,
    next: u64,
    /// Holds the batch last returned.
    loader: BatchLoader,
    info: Option<BatchInfo>,
    follow: Option<Follow>,
    /// With read-ahead: the thread loading the next batch into a loader of its own.
    ahead: Option<ReadAhead>,
    /// Batches of 16 MiB or more are advised to the system ahead of their
    /// reads (not while following: what is not written yet cannot be read).
    hints: Arc<Hints>,
}

/// Loads batches of a plan into buffers of its own, reused from batch to
/// batch: each thread that reads batches has one.
pub(crate) struct BatchLoader {
    block: AlignedBuf,
    scratch: AlignedBuf,
    data: Range<usize>,
    /// Single-channel traversals of a samples-order file read several whole
    /// channels in one pass (as many as max_memory holds) instead of
    /// re-reading the file for every channel; these positions are loaded.
    group: Range<usize>,
    /// With `microvolts`: µV per count of each file channel, and the
    /// float32 block delivered instead of the raw one.
    scales: Option<Arc<Vec<f64>>>,
    uv: AlignedBuf,
    /// The batch `probe_cold` asked about, and the answer, for its load.
    probed: Option<(u64, bool)>,
}

/// A thread that loads one batch ahead of the caller (a second loader), so
/// reading batch k+1 overlaps with the work on batch k.
struct ReadAhead {
    requests: mpsc::Sender<(BatchLoader, u64, Ask)>,
    /// In a mutex only so a cursor is `Sync` (front ends share it behind
    /// their own locks); it is reached through `get_mut`, never locked.
    loaded: Mutex<mpsc::Receiver<(BatchLoader, u64, Result<()>)>>,
    /// The batch the thread holds a loader for, and what for.
    pending: Option<(u64, Ask)>,
    /// The second loader, when the thread does not hold it.
    spare: Option<BatchLoader>,
    thread: Option<std::thread::JoinHandle<()>>,
}

enum State {
    Ready,
    NotYet,
    Done,
}

/// A cursor following a recording that is still being written.
struct Follow {
    opts: BatchOptions,
    last_len: u64,
    last_change: std::time::Instant,
    /// Sticky: once the recording is known to have ended, its length is final.
    ended: bool,
}

/// What `Cursor::poll` found.
pub enum Next<'a> {
    Batch(Batch<'a>),
    /// Following: the next complete batch is not on disk yet.
    NotYet,
    /// Every batch was returned.
    Done,
}

impl Cursor {
    pub fn new(reader: Arc<Reader>, opts: &BatchOptions) -> Result<Cursor> {
        let follow = if opts.follow {
            let bad = |why: &str| Err(Error::InvalidArgument(format!("follow: {why}")));
            if opts.traversal != crate::plan::Traversal::MultiChannel {
                return bad("only multi-channel traversals can follow a growing recording (a channel is never complete)");
            }
            if opts.to.is_some() {
                return bad("to_time must be NB_TO_END: a followed recording has no known end");
            }
            if !reader.opened_to_follow() {
                return Err(Error::InvalidArgument(format!("follow: {} was not opened with follow", crate::error::show(reader.path()))));
            }
            reader.refresh()?;
            Some(Follow { opts: opts.clone(), last_len: reader.n_observations(), last_change: std::time::Instant::now(), ended: false })
        } else {
            None
        };
        // A followed range may start beyond what is on disk yet.
        let plan = match &follow {
            Some(_) if opts.from.unwrap_or(0) > reader.n_observations() => {
                Plan::new(&reader, &BatchOptions { from: Some(reader.n_observations()), ..opts.clone() })?
            }
            _ => Plan::new(&reader, opts)?,
        };
        let scales = scales_for(&reader, opts)?;
        let loader = BatchLoader::new(scales.clone());
        let hints = Arc::new(Hints::default());
        // A followed recording's next batch is not on disk ahead of time.
        let ahead = (opts.read_ahead == Some(true) && follow.is_none() && plan.n_batches > 1)
            .then(|| ReadAhead::start(reader.clone(), plan.clone(), BatchLoader::new(scales), hints.clone()))
            .transpose()?;
        Ok(Cursor { reader, plan, next: 0, loader, info: None, follow, ahead, hints })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn reader(&self) -> &Arc<Reader> {
        &self.reader
    }

    /// The next batch, or `None` once every batch was returned (and forever
    /// after). A following cursor waits for the next batch to be on disk.
    pub fn next_batch(&mut self) -> Result<Option<Batch<'_>>> {
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            // Two steps, so the borrow of a batch ends before waiting again.
            match self.poll_state()? {
                State::Ready => return Ok(Some(self.take_next()?)),
                State::Done => return Ok(None),
                State::NotYet => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(20));
                }
            }
        }
    }

    /// The next batch if it is ready, without waiting: `NotYet` only while
    /// following a recording whose next complete batch is not on disk.
    pub fn poll(&mut self) -> Result<Next<'_>> {
        Ok(match self.poll_state()? {
            State::Ready => Next::Batch(self.take_next()?),
            State::NotYet => Next::NotYet,
            State::Done => Next::Done,
        })
    }

    /// Whether batch `self.next` can be delivered; following, re-plans on
    /// the recording's current length first.
    fn poll_state(&mut self) -> Result<State> {
        let Some(f) = self.follow.as_mut() else {
            return Ok(if self.next < self.plan.n_batches { State::Ready } else { State::Done });
        };
        let reader = &self.reader;
        let n = if f.ended { f.last_len } else { reader.refresh()? };
        if n != f.last_len {
            f.last_len = n;
            f.last_change = std::time::Instant::now();
        }
        if !f.ended && (!reader.is_following() || f.opts.follow_idle.is_some_and(|d| f.last_change.elapsed() >= d)) {
            // Length after the end: growth that raced with end_follow counts.
            f.last_len = reader.refresh()?;
            f.ended = true;
        }
        let from = f.opts.from.unwrap_or(0);
        if from > f.last_len {
            return Ok(if f.ended { State::Done } else { State::NotYet });
        }
        let plan = Plan::new(reader, &f.opts)?;
        let to = plan.to;
        if self.next >= plan.n_batches {
            self.plan = plan;
            return Ok(if f.ended { State::Done } else { State::NotYet });
        }
        let spec = plan.batch(self.next);
        // Never a short batch, nor one whose trailing buffer is not written yet:
        // the bytes must be those an offline run on the finished file reads.
        let complete = spec.stop - spec.start == plan.rows_per_batch && spec.stop.saturating_add(plan.buffer) <= to;
        self.plan = plan;
        Ok(if complete || f.ended { State::Ready } else { State::NotYet })
    }

    fn take_next(&mut self) -> Result<Batch<'_>> {
        let spec = self.plan.batch(self.next);
        self.info = None; // the last batch's memory is about to be reused
        match self.ahead.as_mut() {
            Some(ahead) => ahead.take(&mut self.loader, &self.reader, &self.plan, self.next, &self.hints)?,
            None => {
                let advise = self.follow.is_none();
                if advise {
                    self.hints.through(&self.reader, &self.plan, self.next);
                }
                self.loader.load(&self.reader, &self.plan, &spec)?;
                // The system reads the next batch while the caller works on this
                // one: read-ahead at the cost of page cache only, no buffer.
                if advise {
                    self.hints.through(&self.reader, &self.plan, self.next + 1);
                }
            }
        }
        self.next += 1;
        self.info = Some(BatchInfo::of(&self.plan, &spec));
        Ok(self.current().expect("just set"))
    }

    /// Whether this cursor follows a growing recording.
    pub fn is_following(&self) -> bool {
        self.follow.is_some()
    }

    /// The batch last returned by `next_batch`, if any.
    pub fn current(&self) -> Option<Batch<'_>> {
        let info = self.info.as_ref()?;
        Some(self.loader.view(&self.plan, info))
    }

    /// Makes batch `index` the next one returned; `index == n_batches` ends the walk.
    pub fn seek(&mut self, index: u64) -> Result<()> {
        if index > self.plan.n_batches {
            return Err(Error::InvalidArgument(format!("batch index {index} is past the {} batches of this traversal", self.plan.n_batches)));
        }
        self.next = index;
        self.info = None;
        self.hints.restart(index);
        Ok(())
    }
}

/// With `microvolts`, the scales batches are converted with (an error for a
/// recording without them); None otherwise.
pub(crate) fn scales_for(reader: &Reader, opts: &BatchOptions) -> Result<Option<Arc<Vec<f64>>>> {
    if !opts.microvolts {
        return Ok(None);
    }
    let scales = reader.metadata().scales_uv(reader.path()).map_err(|e| Error::NoMetadata(format!("microvolts were asked for, but {e}")))?;
    Ok(Some(Arc::new(scales.to_vec())))
}

/// Batches smaller than this are not hinted: a hint costs a system call
/// or more, and a small read gains nothing from a deeper queue.
const HINT_FROM_BYTES: u64 = 16 << 20;

/// Advises the system that batch `index` of a multi-channel `plan` will be
/// read soon (`Reader::will_need`), when it is large enough to gain.
pub(crate) fn hint_batch(reader: &Reader, plan: &Plan, index: u64) {
    if !plan.is_multi_channel() || index >= plan.n_batches {
        return;
    }
    let spec = plan.batch(index);
    if whole_rows(reader, plan, &spec).is_some_and(|(lo, hi)| reader.may_read_uncached(lo, hi)) {
        return; // read past the page cache when cold: advice would fill the cache first
    }
    let rows = spec.stop - spec.start + 2 * plan.buffer;
    if rows * (plan.channels.len() * plan.dtype.itemsize()) as u64 >= HINT_FROM_BYTES {
        reader.will_need(spec.start.saturating_sub(plan.buffer), spec.stop.saturating_add(plan.buffer), &plan.channels);
    }
}

/// The file observations `[lo, hi)` batch `spec` of `plan` is, when it is
/// a copy of them as they lie in a samples-order file: every channel in
/// file order, sample-major, buffer rows included and all inside the
/// recording. Such a batch is one byte range of the file, which
/// `Reader::read_rows_uncached` may read past the page cache.
fn whole_rows(reader: &Reader, plan: &Plan, spec: &BatchSpec) -> Option<(u64, u64)> {
    let cols = &plan.channels[spec.positions.clone()];
    let every_channel = cols.len() == reader.n_channels() && cols.iter().enumerate().all(|(j, &c)| j == c);
    let (lo, hi) = (spec.start.checked_sub(plan.buffer)?, spec.stop.checked_add(plan.buffer)?);
    let whole = plan.is_multi_channel() && reader.data_order() == DataOrder::Samples && plan.layout == Layout::SampleMajor && every_channel;
    (whole && hi <= reader.n_observations()).then_some((lo, hi))
}

/// Which batches of a plan the system was advised of (`hint_batch`), so
/// each is advised once, whichever thread reads it: advising a range that
/// is already in the page cache still walks it (milliseconds per 300 MB).
#[derive(Default)]
pub(crate) struct Hints {
    /// Batches below this index were advised (since the last `restart`).
    below: AtomicU64,
}

impl Hints {
    /// Advises every batch up to `last` (inclusive) not advised yet: called
    /// with the batch about to be read (the read then finds all of it in
    /// the device's queue), and with the one after it (the system reads it
    /// while the caller works).
    pub(crate) fn through(&self, reader: &Reader, plan: &Plan, last: u64) {
        let first = self.below.fetch_max(last + 1, Ordering::Relaxed);
        for index in first..=last {
            hint_batch(reader, plan, index);
        }
    }

    /// After a seek: batches from `index` on are advised again.
    pub(crate) fn restart(&self, index: u64) {
        self.below.store(index, Ordering::Relaxed);
    }
}

impl BatchInfo {
    /// The index information of batch `spec` of `plan`.
    pub(crate) fn of(plan: &Plan, spec: &BatchSpec) -> BatchInfo {
        BatchInfo {
            index: spec.index,
            count: plan.n_batches,
            start: spec.start,
            stop: spec.stop,
            buffer: plan.buffer,
            n_rows: (spec.stop - spec.start + 2 * plan.buffer) as usize,
            positions: spec.positions.clone(),
            single_channel: !plan.is_multi_channel(),
        }
    }
}

impl BatchLoader {
    pub(crate) fn new(scales: Option<Arc<Vec<f64>>>) -> BatchLoader {
        BatchLoader { block: AlignedBuf::default(), scratch: AlignedBuf::default(), data: 0..0, group: 0..0, scales, uv: AlignedBuf::default(), probed: None }
    }

    /// Whether batch `spec` would be read past the page cache if it were
    /// loaded now (a large batch of whole rows, not cached). The next `load`
    /// of that batch keeps to the answer.
    pub(crate) fn probe_cold(&mut self, reader: &Reader, plan: &Plan, spec: &BatchSpec) -> bool {
        let cold = whole_rows(reader, plan, spec).is_some_and(|(lo, hi)| reader.rows_are_cold(lo, hi));
        self.probed = Some((spec.index, cold));
        cold
    }

    /// The loaded batch described by `info` (the last `load` of this loader).
    pub(crate) fn view<'a>(&'a self, plan: &'a Plan, info: &'a BatchInfo) -> Batch<'a> {
        let (data, dtype) = match self.scales {
            Some(_) => (&self.uv.bytes()[..self.data.len() / plan.dtype.itemsize() * 4], Dtype::F32),
            None => (&self.block.bytes()[self.data.clone()], plan.dtype),
        };
        Batch { data, info, channels: &plan.channels[info.positions.clone()], dtype, layout: plan.layout }
    }

    /// Reads batch `spec` of `plan` (and converts it to microvolts when asked).
    pub(crate) fn load(&mut self, reader: &Reader, plan: &Plan, spec: &BatchSpec) -> Result<()> {
        self.load_raw(reader, plan, spec)?;
        if self.scales.is_some() {
            self.convert_to_microvolts(plan, spec)?;
        }
        Ok(())
    }

    /// Allocates and touches the buffer batch `spec` will be read into, so a
    /// thread can take the cost of fresh memory (page faults, zeroing: on a
    /// VM as slow as a cold read) while another thread is reading.
    pub(crate) fn prepare(&mut self, reader: &Reader, p: &Plan, spec: &BatchSpec) -> Result<()> {
        if !p.is_multi_channel() {
            return Ok(()); // single-channel groups size their buffer by the group
        }
        let bytes = reader.block_bytes(Reader::block_rows(spec.start, spec.stop, p.buffer)?, spec.positions.len())?;
        let buf = self.block.ensure(PAGE + bytes).map_err(|e| Error::io("allocating the batch buffer", e))?;
        buf.iter_mut().step_by(PAGE).for_each(|b| *b = 0);
        Ok(())
    }

    fn load_raw(&mut self, reader: &Reader, p: &Plan, spec: &BatchSpec) -> Result<()> {
        let isz = p.dtype.itemsize();
        let cols = &p.channels[spec.positions.clone()];
        let io = |e| Error::io("allocating the batch buffer", e);
        let grouped = !p.is_multi_channel() && reader.data_order() == DataOrder::Samples && spec.start == p.from && spec.stop == p.to;
        if grouped {
            let pos = spec.positions.start;
            let col_bytes = reader.block_bytes(Reader::block_rows(p.from, p.to, p.buffer)?, 1)?;
            if !self.group.contains(&pos) {
                let fit = (p.max_memory / ((p.to - p.from) * isz as u64)).max(1) as usize;
                let group = pos..(pos + fit).min(p.channels.len());
                let bytes = col_bytes * group.len();
                self.group = 0..0; // invalid until filled
                let buf = self.block.ensure(bytes).map_err(io)?;
                reader.fill_block(p.from, p.to, p.buffer, &p.channels[group.clone()], Layout::ChannelMajor, p.edge, &mut buf[..bytes], &mut self.scratch)?;
                self.group = group;
            }
            // A single column reads the same in either layout.
            let o = (pos - self.group.start) * col_bytes;
            self.data = o..o + col_bytes;
            return Ok(());
        }
        self.group = 0..0;
        let bytes = reader.block_bytes(Reader::block_rows(spec.start, spec.stop, p.buffer)?, cols.len())?;
        // Start the block where its first file byte has the same offset within a
        // page as in the file, so pread copies on the kernel's fast path.
        let skew = match reader.data_order() {
            DataOrder::Samples => {
                let lo = spec.start.saturating_sub(p.buffer);
                let top = p.buffer - (spec.start - lo);
                (reader.offset_in_file(lo).wrapping_sub(top * (cols.len() * isz) as u64) % PAGE as u64) as usize
            }
            DataOrder::Channels => 0,
        };
        // PAGE of slack: the skew changes from batch to batch and must never
        // force a reallocation, and an uncached read fills whole pages.
        let buf = self.block.ensure(PAGE + bytes).map_err(io)?;
        self.data = skew..skew + bytes;
        let cold = self.probed.take().filter(|&(index, _)| index == spec.index).map(|(_, cold)| cold);
        if let Some((lo, hi)) = whole_rows(reader, p, spec) {
            if reader.read_rows_uncached(lo, hi, buf, skew, cold)? {
                return Ok(());
            }
        }
        reader.fill_block(spec.start, spec.stop, p.buffer, cols, p.layout, p.edge, &mut buf[skew..skew + bytes], &mut self.scratch)
    }

    /// Converts the loaded raw block to float32 microvolts in `uv`, computing
    /// in float64 (value × scale) and rounding once.
    fn convert_to_microvolts(&mut self, plan: &Plan, spec: &BatchSpec) -> Result<()> {
        let scales = self.scales.as_ref().expect("only with microvolts");
        let dtype = plan.dtype;
        let isz = dtype.itemsize();
        let cols = &plan.channels[spec.positions.clone()];
        let n = self.data.len() / isz;
        let n_rows = n / cols.len().max(1);
        let out = self.uv.ensure(n * 4).map_err(|e| Error::io("allocating the microvolt block", e))?;
        let raw = &self.block.bytes()[self.data.clone()];
        let mut wide = [0f64; 1024];
        for (k, chunk) in raw.chunks(isz * wide.len()).enumerate() {
            let m = chunk.len() / isz;
            crate::result::cast_values(dtype, chunk, Dtype::F64, bytemuck::cast_slice_mut(&mut wide[..m]));
            for (i, v) in wide[..m].iter().enumerate() {
                let at = k * 1024 + i;
                let col = match plan.layout {
                    Layout::SampleMajor => at % cols.len(),
                    Layout::ChannelMajor => at / n_rows.max(1),
                };
                out[at * 4..at * 4 + 4].copy_from_slice(&((v * scales[cols[col]]) as f32).to_le_bytes());
            }
        }
        Ok(())
    }
}

/// What the read-ahead thread is asked to do with the loader it is handed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ask {
    /// Read batch `index` into it.
    Load,
    /// Only ready its buffer for batch `index` (see `BatchLoader::prepare`).
    Prepare,
}

impl ReadAhead {
    fn start(reader: Arc<Reader>, plan: Plan, loader: BatchLoader, hints: Arc<Hints>) -> Result<ReadAhead> {
        let (requests, jobs) = mpsc::channel::<(BatchLoader, u64, Ask)>();
        let (done, loaded) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("neurobatch-read-ahead".into())
            .spawn(move || {
                let _inside = crate::panic_scope::enter();
                for (mut loader, index, ask) in jobs {
                    let spec = plan.batch(index);
                    // A panic here must reach the caller as an error, with the loader back.
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match ask {
                        Ask::Load => {
                            hints.through(&reader, &plan, index);
                            loader.load(&reader, &plan, &spec)
                        }
                        Ask::Prepare => loader.prepare(&reader, &plan, &spec),
                    }))
                    .unwrap_or_else(|p| Err(Error::Panic(crate::apply::panic_text(p.as_ref()))));
                    let loaded = ask == Ask::Load && outcome.is_ok();
                    if done.send((loader, index, outcome)).is_err() {
                        return;
                    }
                    if loaded {
                        // Idle until the caller takes this batch: the system reads the next.
                        hints.through(&reader, &plan, index + 1);
                    }
                }
            })
            .map_err(|e| Error::io("starting the read-ahead thread", e))?;
        Ok(ReadAhead { requests, loaded: Mutex::new(loaded), pending: None, spare: Some(loader), thread: Some(thread) })
    }

    /// Hands the spare loader to the thread; `pending` records what for.
    fn ask(&mut self, index: u64, ask: Ask) {
        if let Some(spare) = self.spare.take() {
            if self.requests.send((spare, index, ask)).is_ok() {
                self.pending = Some((index, ask));
            }
        }
    }

    /// The loader back from the thread, with its batch and outcome.
    fn receive(&mut self) -> Result<(BatchLoader, u64, Result<()>)> {
        self.loaded.get_mut().unwrap_or_else(|p| p.into_inner()).recv().map_err(|_| Error::Panic("the read-ahead thread ended".into()))
    }

    /// Puts batch `index` in `current` (taking it from the thread when it
    /// was read ahead), then has the thread read batch `index + 1` into the
    /// loader that held the previous batch.
    fn take(&mut self, current: &mut BatchLoader, reader: &Reader, plan: &Plan, index: u64, hints: &Hints) -> Result<()> {
        let outcome = match self.pending.take() {
            Some((p, Ask::Load)) => {
                let (loader, got, result) = self.receive()?;
                debug_assert_eq!(got, p);
                if got == index {
                    // The batch read ahead becomes current; the previous one's loader is free.
                    self.spare = Some(std::mem::replace(current, loader));
                    result
                } else {
                    // A seek: what was read ahead is not wanted.
                    self.spare = Some(loader);
                    hints.through(reader, plan, index);
                    current.load(reader, plan, &plan.batch(index))
                }
            }
            pending => {
                // The first batch (or one after a seek) is read here; meanwhile
                // the thread readies its buffer for the next one, so the next
                // read does not also pay for fresh memory.
                if pending.is_some() {
                    let (loader, _, _) = self.receive()?;
                    self.spare = Some(loader);
                }
                if index + 1 < plan.n_batches {
                    self.ask(index + 1, Ask::Prepare);
                }
                hints.through(reader, plan, index);
                let loaded = current.load(reader, plan, &plan.batch(index));
                if let Some((_, Ask::Prepare)) = self.pending.take() {
                    // A failed preparation only costs the speed it was for.
                    let (loader, _, _) = self.receive()?;
                    self.spare = Some(loader);
                }
                loaded
            }
        };
        if outcome.is_ok() && index + 1 < plan.n_batches {
            self.ask(index + 1, Ask::Load);
        }
        outcome
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Closing the request channel ends the thread after its current read.
        let (closed, _) = mpsc::channel();
        self.requests = closed;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
