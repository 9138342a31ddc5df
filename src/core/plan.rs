//! Batch planning, exactly as YASS sizes batches (behaviour.md §4, §6).

use std::ops::Range;

use crate::core::dtype::{Dtype, Layout};
use crate::core::error::{show, Error, Result};
use crate::core::reader::Reader;
use crate::core::select::{resolve_range, ChannelSel};

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
        }
    }
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
        let (from, to) = resolve_range(opts.from, opts.to, reader.n_observations())?;
        let channels = opts.channels.resolve(reader.n_channels())?;
        Reader::block_rows(from, to, opts.buffer)?;
        let dtype = reader.dtype();
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
                        path: show(reader.path()),
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
                (rows, per, per * n_sel)
            }
        };
        // Every batch must be addressable in memory before the first is read.
        reader.block_bytes(Reader::block_rows(0, rows_per_batch.min(len), opts.buffer)?, if opts.traversal == Traversal::MultiChannel { channels.len() } else { 1 })?;
        Ok(Plan {
            from,
            to,
            channels,
            buffer: opts.buffer,
            traversal: opts.traversal,
            layout: opts.layout,
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
