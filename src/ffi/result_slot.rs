//! `nb_result_slot`: where a callback puts its result.

use std::ffi::c_void;

use neurobatch_core::error::Error;
use neurobatch_core::result::ResultBlock;
use std::sync::atomic::AtomicBool;

use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::handle::{borrow_mut, handle_type, BorrowedMut};
use crate::ffi::layout::*;
use crate::ffi::status::*;
use crate::ffi::{out_arg, slice_arg};

/// The slot a callback fills with its result, owned by the library and lent
/// to the callback for the duration of the call. Fill it with
/// `nb_result_slot_set` (copies) or `nb_result_slot_lend` (the library lends a buffer
/// to write into). Setting it again replaces the earlier result.
///
/// Valid only during the callback it was passed to, and only on the thread
/// running that callback: afterwards, or elsewhere, every function given it
/// returns `NB_STATUS_BAD_HANDLE` without touching it.
pub struct nb_result_slot {
    pub(crate) block: Option<ResultBlock>,
    /// The last call's invalid result, reported when the callback returns
    /// (so it is seen even when the callback ignores the status).
    pub(crate) error: Option<Error>,
    thread: std::thread::ThreadId,
    poisoned: AtomicBool,
}

handle_type!(nb_result_slot, 0x6e62736c6f740001);

impl nb_result_slot {
    pub(crate) fn new() -> nb_result_slot {
        nb_result_slot { block: None, error: None, thread: std::thread::current().id(), poisoned: AtomicBool::new(false) }
    }
}

/// The slot behind `out`, if it is lent to a callback running on this thread.
pub(crate) unsafe fn slot_arg<'a>(out: *mut nb_result_slot) -> Result<BorrowedMut<'a, nb_result_slot>, Fail> {
    let slot = unsafe { borrow_mut(out, "out")? };
    if slot.thread != std::thread::current().id() {
        return Err(Fail::BadHandle("out is a result slot lent to a callback on another thread; use it only in the callback it was passed to".into()));
    }
    Ok(slot)
}

/// Sets the callback's result to a copy of `data`, an `n_rows × n_cols`
/// matrix of `dtype` in `layout`. A per-batch maximum over channels is
/// `1 × n_channels`; a scalar is `1 × 1`. For single-channel disk output the
/// values are taken row-major as the channel's series (use `n × 1`).
///
/// @param[in,out] out the slot passed to the callback.
/// @param[in] dtype an `NB_DTYPE_` value (not UNSET).
/// @param[in] n_rows rows.
/// @param[in] n_cols columns.
/// @param[in] layout `NB_LAYOUT_SAMPLE_MAJOR` (row-major) or
///            `NB_LAYOUT_CHANNEL_MAJOR` (column-major) for `data`.
/// @param[in] data `n_rows × n_cols` values; may be NULL when that is 0.
///            Copied; the caller keeps ownership.
/// @return `NB_STATUS_OK`; `NB_STATUS_BAD_DTYPE`; `NB_STATUS_INVALID_ARGUMENT`;
///         `NB_STATUS_NULL_ARGUMENT`. On error the apply call that lent `out`
///         also fails with this message.
///
/// **Thread safety:** only on the thread running the callback that got `out`
/// (elsewhere, or after the callback returned: `NB_STATUS_BAD_HANDLE`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_slot_set(
    out: *mut nb_result_slot,
    dtype: nb_dtype,
    n_rows: usize,
    n_cols: usize,
    layout: nb_layout,
    data: *const c_void,
) -> nb_status {
    ffi_status!({
        let mut slot = unsafe { slot_arg(out)? };
        let made = (|| -> Result<ResultBlock, Fail> {
            let d = required_dtype(dtype, "dtype")?;
            let layout = layout_from_c(layout, "layout")?;
            let n = n_rows
                .checked_mul(n_cols)
                .and_then(|n| n.checked_mul(d.itemsize()))
                .ok_or_else(|| Fail::Invalid(format!("a {n_rows} × {n_cols} result is too large")))?;
            let bytes = unsafe { slice_arg(data.cast::<u8>(), n, "data")? };
            Ok(ResultBlock::from_bytes(d, n_rows, n_cols, layout, bytes)?)
        })();
        slot.block = Some(record(&mut slot, made)?);
        Ok(NB_STATUS_OK)
    })
}

/// Sets the callback's result to a zeroed `n_rows × n_cols` matrix of
/// `dtype` and lends its memory (row-major) to fill in place, saving a copy.
///
/// @param[in,out] out the slot passed to the callback.
/// @param[out] out_data the buffer: `n_rows × n_cols × itemsize` bytes,
///             8-byte aligned; written on success only.
/// @return as `nb_result_slot_set`.
///
/// **Lifetime:** `*out_data` is valid until the callback returns or sets `out` again.
/// **Thread safety:** only on the thread running the callback that got `out`
/// (elsewhere, or after the callback returned: `NB_STATUS_BAD_HANDLE`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_slot_lend(out: *mut nb_result_slot, dtype: nb_dtype, n_rows: usize, n_cols: usize, out_data: *mut *mut c_void) -> nb_status {
    ffi_status!({
        let dst = out_arg(out_data, "out_data")?;
        let mut slot = unsafe { slot_arg(out)? };
        let made = required_dtype(dtype, "dtype").and_then(|d| Ok(ResultBlock::zeros(d, n_rows, n_cols)?));
        let block = record(&mut slot, made)?;
        let b = slot.block.insert(block);
        dst.write(b.bytes_mut().as_mut_ptr().cast());
        Ok(NB_STATUS_OK)
    })
}

/// Keeps the outcome of the slot's last set or lend: a failure is reported
/// by the apply call even when the callback ignores the status; a later
/// success replaces it, as it replaces an earlier result.
fn record(slot: &mut nb_result_slot, made: Result<ResultBlock, Fail>) -> Result<ResultBlock, Fail> {
    match made {
        Ok(block) => {
            slot.error = None;
            Ok(block)
        }
        Err(fail) => {
            let (status, message) = fail.status_and_message();
            slot.block = None;
            slot.error = Some(Error::InvalidArgument(format!("the callback's result was invalid: {message}")));
            Err(Fail::Status(status, message))
        }
    }
}
