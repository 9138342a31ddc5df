//! `nb_batch`: the C view of one batch.

use crate::ffi::dtype::{dtype_to_c, nb_dtype};
use crate::ffi::layout::{layout_to_c, nb_layout};
use neurobatch_core::cursor::Batch;

/// One batch: a block of observations × channels with YASS's index
/// information (`idx_local`, `idx`, batch number and count).
///
/// Element (row r, column j), for `r < n_rows`, `j < n_channels`, is
/// `data[r * n_channels + j]` in `NB_LAYOUT_SAMPLE_MAJOR` and
/// `data[j * n_rows + r]` in `NB_LAYOUT_CHANNEL_MAJOR`. Row r is observation
/// `idx_start - buffer_size + r`; rows outside the recording are zero.
///
/// The struct and everything it points to are owned by the cursor (or lent
/// to a callback): valid until the next `nb_cursor_next`, `nb_cursor_seek`
/// or `nb_cursor_free` on that cursor. Fields are only ever appended.
///
/// May be moved between threads but must not be used from two threads at once.
#[repr(C)]
pub struct nb_batch {
    /// The block, in the file's dtype; `n_bytes` bytes.
    pub data: *const std::ffi::c_void,
    /// Element type of `data` (the file's dtype).
    pub dtype: nb_dtype,
    /// Memory layout of `data`.
    pub layout: nb_layout,
    /// Rows in the block, buffer rows included: `idx_stop - idx_start + 2·buffer_size`.
    pub n_rows: usize,
    /// Columns in the block.
    pub n_channels: usize,
    /// The 0-based file channel of each column (`n_channels` entries).
    pub channels: *const usize,
    /// `idx`: absolute observations `[idx_start, idx_stop)` of the batch's own rows.
    pub idx_start: u64,
    pub idx_stop: u64,
    /// `idx_local`: rows `[idx_local_start, idx_local_stop)` of the block are the
    /// batch's own rows (`idx_local_start == buffer_size`).
    pub idx_local_start: u64,
    pub idx_local_stop: u64,
    /// Extra rows before and after the batch's own rows.
    pub buffer_size: u64,
    /// 0-based number of this batch, and the number of batches of the traversal.
    pub batch_index: u64,
    pub n_batches: u64,
    /// Single-channel traversal: the file channel of this batch. -1 for multi-channel.
    pub channel: i64,
    /// Bytes at `data`: `n_rows × n_channels × itemsize`.
    pub n_bytes: usize,
}

impl nb_batch {
    pub(crate) fn empty() -> nb_batch {
        nb_batch {
            data: std::ptr::null(),
            dtype: 0,
            layout: 0,
            n_rows: 0,
            n_channels: 0,
            channels: std::ptr::null(),
            idx_start: 0,
            idx_stop: 0,
            idx_local_start: 0,
            idx_local_stop: 0,
            buffer_size: 0,
            batch_index: 0,
            n_batches: 0,
            channel: -1,
            n_bytes: 0,
        }
    }

    /// A view of `b`; its pointers borrow from `b`'s owner.
    pub(crate) fn of(b: &Batch<'_>) -> nb_batch {
        let local = b.info.idx_local();
        nb_batch {
            data: b.data.as_ptr().cast(),
            dtype: dtype_to_c(b.dtype),
            layout: layout_to_c(b.layout),
            n_rows: b.info.n_rows,
            n_channels: b.channels.len(),
            channels: b.channels.as_ptr(),
            idx_start: b.info.start,
            idx_stop: b.info.stop,
            idx_local_start: local.start,
            idx_local_stop: local.end,
            buffer_size: b.info.buffer,
            batch_index: b.info.index,
            n_batches: b.info.count,
            channel: if b.info.single_channel { b.channels[0] as i64 } else { -1 },
            n_bytes: b.data.len(),
        }
    }
}
