//! Batch planning, exactly as YASS sizes batches (docs/yass.md).

use std::ops::Range;

use crate::dtype::{Dtype, Edge, Layout};
use crate::error::{show, Error, Result};
use std::path::Path;

use crate::reader::{block_bytes, Reader};
use crate::select::{resolve_range, ChannelSel};

/// YASS's default `max_memory`, "1GB".
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Traversal {
    /// Each batch: a time window of every selected channel.
    MultiChannel,
    /// Each batch: one selected channel. With `force_complete`, the whole
    /// range of that channel; otherwise windows of `max_memory / itemsize` rows.
    SingleChannel { force_complete: bool },
}

#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Bytes of one batch, buffer rows not counted (as YASS).
    pub max_memory: u64,
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub channels: ChannelSel,
    /// Extra rows on each side of every batch, zero beyond the recording.
    pub buffer: u64,
    pub traversal: Traversal,
    pub layout: Layout,
    /// What buffer rows beyond the recording's edges hold.
    pub edge: Edge,
    /// Deliver blocks as float32 microvolts (the recording's scales) instead
    /// of raw values. max_memory still bounds the raw block.
    pub microvolts: bool,
    /// Follow a recording that is still being written (a reader opened with
    /// `follow`, multi-channel, open-ended): batches are delivered as they
    /// become complete on disk, the last one once the recording ended.
    pub follow: bool,
    /// While following, treat the recording as ended when it has not grown
    /// for this long (None: only `Reader::end_follow` ends it).
    pub follow_idle: Option<std::time::Duration>,
    /// Read batch k+1 on a thread of its own while batch k is used, into a
    /// second batch buffer (so up to twice the batch memory). None: the
    /// default of who walks the batches (on for applies, off for cursors).
    pub read_ahead: Option<bool>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_memory: DEFAULT_MAX_MEMORY,
            from: None,
            to: None,
            channels: ChannelSel::All,
            buffer: 0,
            traversal: Traversal::MultiChannel,
            layout: Layout::SampleMajor,
            edge: Edge::Zeros,
            microvolts: false,
            follow: false,
            follow_idle: None,
            read_ahead: None,
        }
    }
}

/// What planning needs to know of a recording.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub n_obs: u64,
    pub n_channels: usize,
    pub dtype: Dtype,
}

/// The validated batches of one traversal; batch `i` is computed on demand.
#[derive(Clone, Debug)]
pub struct Plan {
    pub from: u64,
    pub to: u64,
    /// Selected file channels, in order.
    pub channels: Vec<usize>,
    pub buffer: u64,
    pub traversal: Traversal,
    pub layout: Layout,
    pub edge: Edge,
    pub max_memory: u64,
    pub dtype: Dtype,
    /// Observations in a full batch (the last one may be shorter).
    pub rows_per_batch: u64,
    pub n_batches: u64,
    /// Batches per selected channel (single-channel traversals; 1 for multi).
    per_channel: u64,
}

/// Batch `index` of a plan: absolute rows `[start, stop)` of the selected
/// channels at positions `positions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSpec {
    pub index: u64,
    pub start: u64,
    pub stop: u64,
    pub positions: Range<usize>,
}

impl Plan {
    /// Validates every argument (range, channels, memory) before anything is read.
    pub fn new(reader: &Reader, opts: &BatchOptions) -> Result<Plan> {
        Plan::for_shape(&Shape { n_obs: reader.n_observations(), n_channels: reader.n_channels(), dtype: reader.dtype() }, reader.path(), opts)
    }

    /// The plan for a recording of `shape`; `path` only names it in messages.
    pub fn for_shape(shape: &Shape, path: &Path, opts: &BatchOptions) -> Result<Plan> {
        let (from, to) = resolve_range(opts.from, opts.to, shape.n_obs)?;
        let channels = opts.channels.resolve(shape.n_channels)?;
        Reader::block_rows(from, to, opts.buffer)?;
        let dtype = shape.dtype;
        let isz = dtype.itemsize() as u64;
        let len = to - from;
        let n_sel = channels.len() as u64;
        let too_small = |n: usize| Error::MemoryTooSmall { max_memory: opts.max_memory, n_channels: n, dtype: dtype.name().into(), min: n as u64 * isz };
        let (rows_per_batch, per_channel, n_batches) = match opts.traversal {
            Traversal::MultiChannel => {
                let rows = opts.max_memory / (n_sel * isz);
                if rows == 0 {
                    return Err(too_small(channels.len()));
                }
                (rows, 1, len.div_ceil(rows))
            }
            Traversal::SingleChannel { force_complete: true } => {
                if len.checked_mul(isz).is_none_or(|b| b > opts.max_memory) {
                    return Err(Error::ChannelTooLarge {
                        path: show(path),
                        n_obs: len,
                        dtype: dtype.name().into(),
                        n_bytes: len.saturating_mul(isz),
                        max_memory: opts.max_memory,
                    });
                }
                (len, 1, if len == 0 { 0 } else { n_sel })
            }
            Traversal::SingleChannel { force_complete: false } => {
                let rows = opts.max_memory / isz;
                if rows == 0 {
                    return Err(too_small(1));
                }
                let per = len.div_ceil(rows);
                let total =
                    per.checked_mul(n_sel).ok_or_else(|| Error::InvalidArgument(format!("{per} batches per channel × {n_sel} channels overflow 64 bits")))?;
                (rows, per, total)
            }
        };
        // Every batch must be addressable in memory before the first is read.
        block_bytes(
            Reader::block_rows(0, rows_per_batch.min(len), opts.buffer)?,
            if opts.traversal == Traversal::MultiChannel { channels.len() } else { 1 },
            dtype,
        )?;
        Ok(Plan {
            from,
            to,
            channels,
            buffer: opts.buffer,
            traversal: opts.traversal,
            layout: opts.layout,
            edge: opts.edge,
            max_memory: opts.max_memory,
            dtype,
            rows_per_batch,
            n_batches,
            per_channel,
        })
    }

    pub fn is_multi_channel(&self) -> bool {
        self.traversal == Traversal::MultiChannel
    }

    /// Batch `index < n_batches`.
    pub fn batch(&self, index: u64) -> BatchSpec {
        debug_assert!(index < self.n_batches);
        let (part, positions) = if self.is_multi_channel() {
            (index, 0..self.channels.len())
        } else {
            let pos = (index / self.per_channel) as usize;
            (index % self.per_channel, pos..pos + 1)
        };
        let start = self.from + part * self.rows_per_batch;
        let stop = start.saturating_add(self.rows_per_batch).min(self.to);
        BatchSpec { index, start, stop, positions }
    }
}

impl Plan {
    /// Checks the plan's promises: per selected channel, its batches cover
    /// `[from, to)` exactly once, in order, none empty; no batch exceeds
    /// max_memory; every block's size is addressable. Used by the property
    /// tests and the fuzzer; walks at most `limit` batches (then the ends).
    #[doc(hidden)]
    pub fn check_consistency(&self, limit: u64) -> std::result::Result<(), String> {
        let isz = self.dtype.itemsize() as u64;
        let n_sel = self.channels.len() as u64;
        let len = self.to - self.from;
        let per = if self.is_multi_channel() { self.n_batches.max(1) } else { self.per_channel };
        let streams = if self.is_multi_channel() { 1 } else { n_sel };
        let want_batches = if len == 0 { 0 } else { len.div_ceil(self.rows_per_batch.max(1)) * streams };
        if self.n_batches != want_batches {
            return Err(format!("{} batches planned, {want_batches} needed", self.n_batches));
        }
        let width = if self.is_multi_channel() { n_sel } else { 1 };
        let check = |i: u64| -> std::result::Result<BatchSpec, String> {
            let b = self.batch(i);
            let rows = b.stop.checked_sub(b.start).ok_or_else(|| format!("batch {i}: stop {} before start {}", b.stop, b.start))?;
            if rows == 0 {
                return Err(format!("batch {i} is empty"));
            }
            if rows * width * isz > self.max_memory {
                return Err(format!("batch {i}: {rows} rows × {width} × {isz} bytes exceed max_memory {}", self.max_memory));
            }
            if b.positions.end > self.channels.len() || b.positions.len() as u64 != width {
                return Err(format!("batch {i}: positions {:?} of {} channels", b.positions, n_sel));
            }
            Reader::block_rows(b.start, b.stop, self.buffer).and_then(|r| block_bytes(r, width as usize, self.dtype)).map_err(|e| e.to_string())?;
            Ok(b)
        };
        if self.n_batches <= limit {
            // Walk each channel's stream: contiguous from `from` to `to`.
            let mut next = self.from;
            for i in 0..self.n_batches {
                let b = check(i)?;
                if b.start != next {
                    return Err(format!("batch {i} starts at {}, expected {next}", b.start));
                }
                next = if (i + 1) % per == 0 {
                    if b.stop != self.to {
                        return Err(format!("batch {i} ends its channel at {}, not {}", b.stop, self.to));
                    }
                    self.from
                } else {
                    b.stop
                };
            }
        } else {
            for i in [0, 1, self.n_batches - 2, self.n_batches - 1] {
                check(i)?;
            }
            if self.batch(self.n_batches - 1).stop != self.to || self.batch(0).start != self.from {
                return Err("the ends of the plan do not match [from, to)".into());
            }
        }
        Ok(())
    }
}
