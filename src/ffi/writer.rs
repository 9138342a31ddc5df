//! `nb_writer`: the result sink on its own, for bindings that run their own
//! function in their own loop over a cursor.

use std::ffi::{c_char, c_void};
use std::sync::atomic::AtomicBool;

use crate::ffi::data_order::*;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::handle::{borrow_mut, free, give, handle_type};
use crate::ffi::if_file_exists::{if_exists_from_c, nb_if_file_exists};
use crate::ffi::layout::*;
use crate::ffi::result_list::nb_result_list;
use crate::ffi::status::*;
use crate::ffi::{out_arg, path_arg, slice_arg};
use neurobatch_core::dtype::DataOrder;
use neurobatch_core::output::{check_output_path, resolve_existing};
use neurobatch_core::protect::{protected_files_of, ProtectedSet};
use neurobatch_core::writer::Writer;

/// An output being written: blocks are appended to a temporary file beside
/// the output; `nb_writer_finish` publishes data and sidecar atomically;
/// `nb_writer_free` without finish removes the temporary file, leaving no output.
///
/// May be moved between threads but must not be used from two threads at once.
pub struct nb_writer {
    inner: Option<Writer>,
    poisoned: AtomicBool,
}

handle_type!(nb_writer, 0x6e62777269746572);

const _: fn() = || {
    fn movable<T: Send>() {}
    movable::<nb_writer>();
};

/// Checks an output path and applies if_file_exists, as apply does before
/// it runs: the path may not be the input (nor share a sidecar with it), end
/// in ".yaml", or lie in a missing directory.
///
/// @param[in] output_path NUL-terminated output data path.
/// @param[in] input_path the input recording, or NULL when there is none.
/// @param[in] if_file_exists what to do when `output_path` exists.
/// @param[out] out_skip true when the output exists, has its sidecar, and
///             `if_file_exists` is SKIP: run nothing. Written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_BAD_OUTPUT_PATH`; `NB_STATUS_FILE_EXISTS`
///         (ABORT); `NB_STATUS_SIDECAR_MISSING` (SKIP without sidecar);
///         `NB_STATUS_INVALID_ARGUMENT`; `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_check_path(
    output_path: *const c_char,
    input_path: *const c_char,
    if_file_exists: nb_if_file_exists,
    out_skip: *mut bool,
) -> nb_status {
    ffi_status!({
        let out = out_arg(out_skip, "out_skip")?;
        let output = unsafe { path_arg(output_path, "output_path")? };
        let input = if input_path.is_null() { None } else { Some(unsafe { path_arg(input_path, "input_path")? }) };
        let if_exists = if_exists_from_c(if_file_exists)?;
        let protected = input.as_deref().map(protected_files_of).unwrap_or_default();
        check_output_path(&output, &protected)?;
        out.write(resolve_existing(&output, if_exists)?.is_some());
        Ok(NB_STATUS_OK)
    })
}

/// Starts an output. Nothing appears at `output_path` until `nb_writer_finish`.
///
/// @param[in] output_path NUL-terminated path of the data file; its directory must exist.
/// @param[in] order `NB_DATA_ORDER_SAMPLES`: blocks appended with
///            `nb_writer_append`, rows after rows (multi-channel results).
///            `NB_DATA_ORDER_CHANNELS`: one series per channel, appended with
///            `nb_writer_append_channel` (single-channel results).
/// @param[in] n_channels channels order: the number of series (>= 1). Samples
///            order: the n_channels of an output that receives no block.
/// @param[in] dtype the dtype of an output that receives no block (e.g. the
///            cast dtype or the input's); the first block fixes it otherwise.
/// @param[out] out_writer written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_BAD_OUTPUT_PATH`; `NB_STATUS_BAD_DATA_ORDER`;
///         `NB_STATUS_BAD_DTYPE`; `NB_STATUS_INVALID_ARGUMENT`; `NB_STATUS_IO`;
///         `NB_STATUS_NULL_ARGUMENT`.
///
/// **Ownership:** free with `nb_writer_free` (after `nb_writer_finish`, or to abandon).
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_open(
    output_path: *const c_char,
    order: nb_data_order,
    n_channels: usize,
    dtype: nb_dtype,
    out_writer: *mut *mut nb_writer,
) -> nb_status {
    ffi_status!({
        let out = out_arg(out_writer, "out_writer")?;
        let path = unsafe { path_arg(output_path, "output_path")? };
        let order: DataOrder = optional_order(order, "order")?.ok_or_else(|| {
            Fail::Status(NB_STATUS_BAD_DATA_ORDER, "order is NB_DATA_ORDER_UNSET (0); expected NB_DATA_ORDER_SAMPLES (1) or NB_DATA_ORDER_CHANNELS (2)".into())
        })?;
        let dtype = required_dtype(dtype, "dtype")?;
        let w = Writer::create(&path, order, n_channels, dtype, &ProtectedSet::default())?;
        give(nb_writer { inner: Some(w), poisoned: AtomicBool::new(false) }, out);
        Ok(NB_STATUS_OK)
    })
}

fn block_args<'a>(
    dtype: nb_dtype,
    n_rows: usize,
    n_cols: usize,
    layout: nb_layout,
    data: *const c_void,
) -> Result<(neurobatch_core::dtype::Dtype, neurobatch_core::dtype::Layout, &'a [u8]), Fail> {
    let d = required_dtype(dtype, "dtype")?;
    let layout = layout_from_c(layout, "layout")?;
    let n = n_rows
        .checked_mul(n_cols)
        .and_then(|n| n.checked_mul(d.itemsize()))
        .ok_or_else(|| Fail::Invalid(format!("a {n_rows} × {n_cols} block is too large")))?;
    Ok((d, layout, unsafe { slice_arg(data.cast::<u8>(), n, "data")? }))
}

fn live(w: &mut nb_writer) -> Result<&mut Writer, Fail> {
    w.inner.as_mut().ok_or_else(|| Fail::Invalid("the writer is already finished".into()))
}

/// Appends an `n_rows × n_cols` block (a samples-order writer). Every block
/// must have the same dtype and column count.
///
/// @param[in] data `n_rows × n_cols` values of `dtype` in `layout`; copied.
/// @return `NB_STATUS_OK`; `NB_STATUS_RESULT_MISMATCH`; `NB_STATUS_IO` (e.g.
///         disk full); `NB_STATUS_INVALID_ARGUMENT`; `NB_STATUS_BAD_DTYPE`;
///         `NB_STATUS_NULL_ARGUMENT`. After an error the writer only accepts
///         `nb_writer_free`, which leaves no output.
///
/// **Thread safety:** must not be called on one writer from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_append(
    writer: *mut nb_writer,
    dtype: nb_dtype,
    n_rows: usize,
    n_cols: usize,
    layout: nb_layout,
    data: *const c_void,
) -> nb_status {
    ffi_status!({
        let mut w = unsafe { borrow_mut(writer, "writer")? };
        let (d, layout, bytes) = block_args(dtype, n_rows, n_cols, layout, data)?;
        live(&mut w)?.append(d, n_rows, n_cols, layout, bytes)?;
        Ok(NB_STATUS_OK)
    })
}

/// Appends values to the series of the selected channel at `position` (a
/// channels-order writer). Positions run from 0 to n_channels - 1 and never
/// go back; a channel's series may come in several blocks. The block's
/// values are taken row-major (use `n × 1` or `1 × n`).
///
/// @return as `nb_writer_append`; `NB_STATUS_INVALID_ARGUMENT` for a position
///         out of range or going back.
///
/// **Thread safety:** must not be called on one writer from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_append_channel(
    writer: *mut nb_writer,
    position: usize,
    dtype: nb_dtype,
    n_rows: usize,
    n_cols: usize,
    layout: nb_layout,
    data: *const c_void,
) -> nb_status {
    ffi_status!({
        let mut w = unsafe { borrow_mut(writer, "writer")? };
        let (d, layout, bytes) = block_args(dtype, n_rows, n_cols, layout, data)?;
        live(&mut w)?.append_channel(position, d, n_rows, n_cols, layout, bytes)?;
        Ok(NB_STATUS_OK)
    })
}

/// Publishes the output: syncs data and sidecar, renames them into place
/// (replacing an existing output of that name), and describes it.
///
/// @param[out] out_results one output (`nb_result_list_output(.., 0, ..)`);
///             written on success only. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_RESULT_MISMATCH` (channels of unequal
///         length); `NB_STATUS_IO`; `NB_STATUS_INVALID_ARGUMENT` (already
///         finished); `NB_STATUS_NULL_ARGUMENT`. On error nothing is published.
///
/// **Thread safety:** must not be called on one writer from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_finish(writer: *mut nb_writer, out_results: *mut *mut nb_result_list) -> nb_status {
    ffi_status!({
        let mut w = unsafe { borrow_mut(writer, "writer")? };
        live(&mut w)?;
        let info = w.inner.take().expect("checked live").finish()?;
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_result_list::new(Vec::new(), vec![(info, true)]), o);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Frees a writer. Without a successful `nb_writer_finish`, the temporary
/// file is removed and no output appears. NULL is a no-op.
///
/// **Ownership:** C code must consider `writer` unusable after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_writer_free(writer: *mut nb_writer) {
    ffi_boundary!((), { unsafe { free(writer) } })
}
