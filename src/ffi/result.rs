//! `nb_result` (where a callback puts its result) and `nb_result_view` (a
//! read-only look at a result).

use std::ffi::{c_int, c_void};

use crate::core::error::Error;
use crate::core::result::ResultBlock;
use crate::ffi::batch::nb_batch;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::status::*;
use crate::ffi::{out_arg, slice_arg};

/// The slot a callback fills with its result, owned by the library and lent
/// to the callback for the duration of the call. Fill it with
/// `nb_result_set` (copies) or `nb_result_lend` (the library lends a buffer
/// to write into). Setting it again replaces the earlier result.
///
/// May be moved between threads but must not be used from two threads at once.
pub struct nb_result {
    pub(crate) block: Option<ResultBlock>,
    /// The first invalid nb_result_set/lend, reported when the callback returns.
    pub(crate) error: Option<Error>,
}

impl nb_result {
    pub(crate) fn new() -> nb_result {
        nb_result { block: None, error: None }
    }
}

/// A read-only result: `n_rows × n_cols` values of `dtype`, row-major
/// (`data[row * n_cols + col]`).
///
/// Lent by the library: valid for the duration of the callback it is passed
/// to, or as long as the `nb_results` it came from. Fields are only ever appended.
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

fn dtype_arg(dtype: nb_dtype) -> Result<crate::core::dtype::Dtype, Fail> {
    optional_dtype(dtype, "dtype")?.ok_or_else(|| Fail::Status(NB_STATUS_BAD_DTYPE, "dtype is NB_DTYPE_UNSET (0), which is not a result dtype; expected a dtype such as NB_DTYPE_FLOAT32".into()))
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
/// **Thread safety:** only on the thread running the callback that got `out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_set(out: *mut nb_result, dtype: nb_dtype, n_rows: usize, n_cols: usize, layout: nb_layout, data: *const c_void) -> nb_status {
    ffi_status!({
        let slot = unsafe { out.as_mut() }.ok_or(Fail::Null("out"))?;
        let made = (|| -> Result<ResultBlock, Fail> {
            let d = dtype_arg(dtype)?;
            let layout = layout_from_c(layout, "layout")?;
            let n = n_rows.checked_mul(n_cols).and_then(|n| n.checked_mul(d.itemsize())).ok_or_else(|| Fail::Invalid(format!("a {n_rows} × {n_cols} result is too large")))?;
            let bytes = unsafe { slice_arg(data.cast::<u8>(), n, "data")? };
            Ok(ResultBlock::from_bytes(d, n_rows, n_cols, layout, bytes)?)
        })();
        slot.block = Some(record(slot, made)?);
        Ok(NB_STATUS_OK)
    })
}

/// Sets the callback's result to a zeroed `n_rows × n_cols` matrix of
/// `dtype` and lends its memory (row-major) to fill in place, saving a copy.
///
/// @param[in,out] out the slot passed to the callback.
/// @param[out] out_data the buffer: `n_rows × n_cols × itemsize` bytes,
///             8-byte aligned; written on success only.
/// @return as `nb_result_set`.
///
/// **Lifetime:** `*out_data` is valid until the callback returns or sets `out` again.
/// **Thread safety:** only on the thread running the callback that got `out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_lend(out: *mut nb_result, dtype: nb_dtype, n_rows: usize, n_cols: usize, out_data: *mut *mut c_void) -> nb_status {
    ffi_status!({
        let slot = unsafe { out.as_mut() }.ok_or(Fail::Null("out"))?;
        let dst = out_arg(out_data, "out_data")?;
        let made = dtype_arg(dtype).and_then(|d| Ok(ResultBlock::zeros(d, n_rows, n_cols)?));
        let block = record(slot, made)?;
        let b = slot.block.insert(block);
        dst.write(b.bytes_mut().as_mut_ptr().cast());
        Ok(NB_STATUS_OK)
    })
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
pub unsafe extern "C" fn nb_cleanup_trim_buffer(result: *const nb_result_view, batch: *const nb_batch, out: *mut nb_result, user_data: *mut c_void) -> c_int {
    let _ = user_data;
    ffi_boundary!(-1, {
        let (Some(r), Some(b), Some(slot)) = (unsafe { result.as_ref() }, unsafe { batch.as_ref() }, unsafe { out.as_mut() }) else {
            return -1;
        };
        if r.n_rows != b.n_rows || (r.data.is_null() && r.n_bytes > 0) {
            return -1;
        }
        let row = r.n_bytes / r.n_rows.max(1);
        let all = unsafe { slice_arg(r.data.cast::<u8>(), r.n_bytes, "result") }.unwrap_or(&[]);
        let (a, z) = (b.idx_local_start as usize * row, b.idx_local_stop as usize * row);
        let Some(d) = dtype_from_c(r.dtype) else { return -1 };
        match ResultBlock::from_bytes(d, (b.idx_local_stop - b.idx_local_start) as usize, r.n_cols, crate::core::dtype::Layout::SampleMajor, &all[a..z]) {
            Ok(block) => {
                slot.block = Some(block);
                0
            }
            Err(_) => -1,
        }
    })
}

/// Keeps the first failure in the slot, so the apply call reports it even
/// when the callback ignores the status.
fn record(slot: &mut nb_result, made: Result<ResultBlock, Fail>) -> Result<ResultBlock, Fail> {
    made.map_err(|fail| {
        let (status, message) = fail.status_and_message();
        slot.error.get_or_insert_with(|| Error::InvalidArgument(format!("the callback's result was invalid: {message}")));
        Fail::Status(status, message)
    })
}

/// Converts `n_values` values of `from` at `src` to `to` at `dst`, exactly as
/// `cast_dtype` does in apply: integers wrap to the target width, floats
/// truncate toward zero (saturating at the target's limits; NaN becomes 0).
/// Bindings use it so casts give the same values in every language.
///
/// @param[in] src `n_values` values of `from`; any alignment.
/// @param[out] dst room for `n_values` values of `to`; any alignment; must not
///             overlap `src`. Written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_BAD_DTYPE`; `NB_STATUS_INVALID_ARGUMENT`
///         (too many values); `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cast_values(from: nb_dtype, src: *const c_void, to: nb_dtype, dst: *mut c_void, n_values: usize) -> nb_status {
    ffi_status!({
        let (f, t) = (dtype_arg(from)?, dtype_arg(to)?);
        let bytes = |d: crate::core::dtype::Dtype| n_values.checked_mul(d.itemsize()).ok_or_else(|| Fail::Invalid(format!("{n_values} values are too many")));
        let input = unsafe { slice_arg(src.cast::<u8>(), bytes(f)?, "src")? };
        let output = unsafe { crate::ffi::slice_mut_arg(dst.cast::<u8>(), bytes(t)?, "dst")? };
        let block = ResultBlock::from_bytes(f, n_values, 1, crate::core::dtype::Layout::SampleMajor, input)?;
        output.copy_from_slice(block.cast(t).bytes());
        Ok(NB_STATUS_OK)
    })
}
