//! Sharded applies: `nb_shard_output` and the functions that finish or
//! abort a sharded output (see `nb_apply_options.shard_index`).

use std::ffi::c_char;

use crate::ffi::handle::give;
use crate::ffi::result_list::nb_result_list;
use crate::ffi::status::*;
use crate::ffi::{optional_str, out_arg, path_arg};
use neurobatch_core::shard::{abort, finish};

/// How the shards of a sharded disk apply write the output (one of the
/// `NB_SHARD_OUTPUT_` constants).
pub type nb_shard_output = i32;
/// Each shard writes its results to a hidden part file of its own;
/// `nb_shard_finish` concatenates the parts in order. Results may have any
/// size. The default.
pub const NB_SHARD_OUTPUT_PARTS: nb_shard_output = 0;
/// Every result has exactly its batch's own rows (multi-channel) or values
/// (single-channel), e.g. after `nb_result_view_trim_buffer`: each shard writes
/// straight into one shared hidden file at offsets computed from the plan,
/// and `nb_shard_finish` only checks and renames it (no copy). A result of
/// another size fails the shard with `NB_STATUS_RESULT_MISMATCH`.
pub const NB_SHARD_OUTPUT_SAME_ROWS: nb_shard_output = 1;

/// Publishes the output of a sharded disk apply once every shard returned
/// `NB_STATUS_OK`: call it once, from one process, after all shards ended
/// (e.g. rank 0 after `MPI_Barrier`). It checks that all `shard_count`
/// shards of the run completed and agree (same input files, same options),
/// assembles the output (concatenating parts, or taking the shared file of
/// `NB_SHARD_OUTPUT_SAME_ROWS`), then writes the sidecar and renames data
/// and sidecar into place as a single-process apply does; an existing
/// output is replaced. The output is byte-identical to a single-process
/// apply's. Every hidden piece of the run is removed, on success and on
/// failure; on failure nothing is published. Pieces of other runs (an
/// earlier job that never finished) are never used nor removed.
///
/// @param[in] output_path the `output_path` every shard was given.
/// @param[in] shard_count the `shard_count` every shard was given.
/// @param[in] run_id the `shard_run_id` every shard was given; NULL: the
///            only run whose pieces are present (with pieces of several
///            runs present, `NB_STATUS_INVALID_ARGUMENT` lists them).
/// @param[out] out_results on success, an `nb_result_list` whose one output
///             (`nb_result_list_output(..., 0, ...)`) describes the file. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_SHARD_INCOMPLETE` (a shard did not
///         complete, or the shards disagree: the message names which);
///         `NB_STATUS_RESULT_MISMATCH` (shards' results differ in dtype,
///         columns or series length); `NB_STATUS_IO`;
///         `NB_STATUS_INVALID_ARGUMENT` (`shard_count` 0, a malformed
///         `run_id`, several runs present and `run_id` NULL).
///
/// **Ownership:** the caller frees `*out_results` with `nb_result_list_free`.
/// **Thread safety:** may be called from any thread; not concurrently with
/// shards of the same run still running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_finish(
    output_path: *const c_char,
    shard_count: u64,
    run_id: *const c_char,
    out_results: *mut *mut nb_result_list,
) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(output_path, "output_path")? };
        let run = unsafe { optional_str(run_id, "run_id")? };
        let info = finish(&path, shard_count, run.as_deref())?;
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_result_list::new(Vec::new(), vec![(info, true)]), o);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Removes the hidden pieces of a sharded disk apply (parts, the shared
/// file, manifests): call it once, from one process, when any shard failed,
/// after all shards ended. An existing output is not touched. Pieces that
/// do not exist are fine, so it may be called more than once.
///
/// @param[in] output_path the `output_path` every shard was given.
/// @param[in] shard_count the `shard_count` every shard was given.
/// @param[in] run_id the run to remove; NULL: every run of `shard_count`
///            shards of this output.
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` (malformed
///         `run_id`); `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_abort(output_path: *const c_char, shard_count: u64, run_id: *const c_char) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(output_path, "output_path")? };
        let run = unsafe { optional_str(run_id, "run_id")? };
        abort(&path, shard_count, run.as_deref())?;
        Ok(NB_STATUS_OK)
    })
}
