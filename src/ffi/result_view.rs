//! `nb_result_view`: a read-only look at a result, and the ready cleanup
//! that trims a result's buffer rows.

use std::ffi::{c_int, c_void};

use crate::ffi::batch::nb_batch;
use crate::ffi::dtype::*;
use crate::ffi::result_slot::nb_result_slot;
use crate::ffi::slice_arg;
use neurobatch_core::result::ResultBlock;

/// A read-only result: `n_rows × n_cols` values of `dtype`, row-major
/// (`data[row * n_cols + col]`).
///
/// Lent by the library: valid for the duration of the callback it is passed
/// to, or as long as the `nb_result_list` it came from. Fields are only ever appended.
#[repr(C)]
pub struct nb_result_view {
    pub data: *const c_void,
    pub dtype: nb_dtype,
    pub n_rows: usize,
    pub n_cols: usize,
    /// Bytes at `data`: `n_rows × n_cols × itemsize`.
    pub n_bytes: usize,
}

impl nb_result_view {
    pub(crate) fn of(b: &ResultBlock) -> nb_result_view {
        nb_result_view { data: b.bytes().as_ptr().cast(), dtype: dtype_to_c(b.dtype), n_rows: b.rows, n_cols: b.cols, n_bytes: b.n_bytes() }
    }
}

/// The ready cleanup: keeps only the batch's own rows of a result that has
/// one row per block row, i.e. drops `buffer_size` rows at each end (rows
/// `[idx_local_start, idx_local_stop)`). Pass it as `nb_apply_options.cleanup`;
/// the library then trims without calling back into C. Called directly, it
/// sets `out` to the trimmed copy of `result`.
///
/// @return 0 on success; -1 when `result` does not have `batch->n_rows` rows
///         (the apply call then fails with a message saying so).
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_view_trim_buffer(
    result: *const nb_result_view,
    batch: *const nb_batch,
    out: *mut nb_result_slot,
    user_data: *mut c_void,
) -> c_int {
    let _ = user_data;
    ffi_boundary!(-1, {
        let (Some(r), Some(b)) = (unsafe { result.as_ref() }, unsafe { batch.as_ref() }) else {
            return -1;
        };
        let Ok(mut slot) = (unsafe { crate::ffi::result_slot::slot_arg(out) }) else {
            return -1;
        };
        if r.n_rows != b.n_rows {
            // The same error as the library's own trim: a C program on Windows
            // passes the address of its import thunk, not of this function,
            // so the library cannot recognise it and calls it here.
            slot.error = Some(neurobatch_core::apply::trim_mismatch(b.batch_index, r.n_rows, b.n_rows));
            return -1;
        }
        if r.data.is_null() && r.n_bytes > 0 {
            return -1;
        }
        let row = r.n_bytes / r.n_rows.max(1);
        let all = unsafe { slice_arg(r.data.cast::<u8>(), r.n_bytes, "result") }.unwrap_or(&[]);
        let (a, z) = (b.idx_local_start as usize * row, b.idx_local_stop as usize * row);
        let Some(d) = dtype_from_c(r.dtype) else { return -1 };
        match ResultBlock::from_bytes(d, (b.idx_local_stop - b.idx_local_start) as usize, r.n_cols, neurobatch_core::dtype::Layout::SampleMajor, &all[a..z]) {
            Ok(block) => {
                slot.block = Some(block);
                0
            }
            Err(_) => -1,
        }
    })
}
