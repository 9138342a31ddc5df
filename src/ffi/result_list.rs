//! `nb_result_list`: what an apply, writer or pipeline produced.

use std::ffi::{c_char, CString};
use std::sync::atomic::AtomicBool;

use crate::ffi::data_order::*;
use crate::ffi::dtype::*;
use crate::ffi::handle::{borrow, free, handle_type};
use crate::ffi::out_arg;
use crate::ffi::result_view::nb_result_view;
use crate::ffi::status::*;
use neurobatch_core::output::OutputInfo;
use neurobatch_core::result::ResultBlock;

/// An output file written (or found and skipped), as its sidecar describes it.
/// Lent by an `nb_result_list`; valid as long as it. Fields are only ever appended.
#[repr(C)]
pub struct nb_output_info {
    /// NUL-terminated path of the data file.
    pub path: *const c_char,
    pub dtype: nb_dtype,
    pub n_channels: usize,
    pub data_order: nb_data_order,
    pub n_observations: u64,
    /// The file existed and if_file_exists was `NB_IF_FILE_EXISTS_SKIP`: nothing ran.
    pub skipped: bool,
    /// false when a pipeline step with keep = false removed it after the next
    /// step consumed it (its path and parameters are still reported).
    pub kept: bool,
}

/// The results of an apply call, a writer or a pipeline: result blocks in
/// batch order (memory mode) and output files (disk mode: one; pipeline: one
/// per step that ran). Immutable; free with `nb_result_list_free`.
///
/// May be used from multiple threads simultaneously.
pub struct nb_result_list {
    blocks: Vec<ResultBlock>,
    views: Vec<nb_result_view>,
    _paths: Vec<CString>,
    outputs: Vec<nb_output_info>,
    poisoned: AtomicBool,
}

// SAFETY: the raw pointers in `views` and `outputs` point into `blocks` and
// `_paths`, which the struct owns and never mutates after construction.
unsafe impl Send for nb_result_list {}
unsafe impl Sync for nb_result_list {}

handle_type!(nb_result_list, 0x6e62726573756c74);

impl nb_result_list {
    pub(crate) fn new(blocks: Vec<ResultBlock>, outputs: Vec<(OutputInfo, bool)>) -> nb_result_list {
        let views = blocks.iter().map(nb_result_view::of).collect();
        let paths: Vec<CString> = outputs
            .iter()
            .map(|(o, _)| CString::new(neurobatch_core::platform::path_bytes(&o.path).into_owned()).unwrap_or_else(|_| CString::from(c"<path with NUL>")))
            .collect();
        let outputs = outputs
            .iter()
            .zip(&paths)
            .map(|((o, kept), p)| nb_output_info {
                path: p.as_ptr(),
                dtype: dtype_to_c(o.params.dtype),
                n_channels: o.params.n_channels,
                data_order: order_to_c(o.params.data_order),
                n_observations: o.n_observations,
                skipped: o.skipped,
                kept: *kept,
            })
            .collect();
        nb_result_list { blocks, views, _paths: paths, outputs, poisoned: AtomicBool::new(false) }
    }
}

/// Number of result blocks (memory mode; 0 for disk mode; with
/// pass_batch_results, 1, or 0 when there were no batches).
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_list_count(results: *const nb_result_list) -> usize {
    ffi_boundary!(0, { unsafe { borrow(results, "results") }.map_or(0, |r| r.blocks.len()) })
}

/// Result block `index`, in batch order.
///
/// @param[out] out_view written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` when `index >= count`;
///         `NB_STATUS_NULL_ARGUMENT`.
///
/// **Lifetime:** `*out_view` and its data are valid until `nb_result_list_free`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_list_get(results: *const nb_result_list, index: usize, out_view: *mut *const nb_result_view) -> nb_status {
    ffi_status!({
        let out = out_arg(out_view, "out_view")?;
        let r = unsafe { borrow(results, "results")? };
        let v = r
            .views
            .get(index)
            .ok_or_else(|| crate::ffi::error::Fail::Invalid(format!("result index {index} is out of range: there are {} results", r.views.len())))?;
        out.write(v);
        Ok(NB_STATUS_OK)
    })
}

/// Number of output files described (disk mode: 1; pipeline: one per step
/// that ran; memory mode: 0).
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_list_n_outputs(results: *const nb_result_list) -> usize {
    ffi_boundary!(0, { unsafe { borrow(results, "results") }.map_or(0, |r| r.outputs.len()) })
}

/// Output file `index`: its path and the parameters its sidecar holds.
///
/// @param[out] out_info written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` when `index >= n_outputs`;
///         `NB_STATUS_NULL_ARGUMENT`.
///
/// **Lifetime:** `*out_info` and its path are valid until `nb_result_list_free`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_list_output(results: *const nb_result_list, index: usize, out_info: *mut *const nb_output_info) -> nb_status {
    ffi_status!({
        let out = out_arg(out_info, "out_info")?;
        let r = unsafe { borrow(results, "results")? };
        let v = r
            .outputs
            .get(index)
            .ok_or_else(|| crate::ffi::error::Fail::Invalid(format!("output index {index} is out of range: there are {} outputs", r.outputs.len())))?;
        out.write(v);
        Ok(NB_STATUS_OK)
    })
}

/// Frees results. NULL is a no-op; freeing twice is undefined behaviour.
///
/// **Ownership:** C code must consider `results` and every view and info it
/// lent unusable after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_result_list_free(results: *mut nb_result_list) {
    ffi_boundary!((), { unsafe { free(results) } })
}
