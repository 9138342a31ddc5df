//! Sharded applies: `nb_shard_output` and the functions that finish or
//! abort a sharded output (see `nb_apply_options.shard_index`).

use std::ffi::c_char;

use neurobatch_core::shard::{abort, finish};
use crate::ffi::handle::give;
use crate::ffi::result_list::nb_result_list;
use crate::ffi::status::*;
use crate::ffi::{out_arg, path_arg};

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
/// shards completed and agree, assembles the output (concatenating parts,
/// or taking the shared file of `NB_SHARD_OUTPUT_SAME_ROWS`), then writes the
/// sidecar and renames data and sidecar into place as a single-process
/// apply does; an existing output is replaced. The output is byte-identical
/// to a single-process apply's. Every hidden piece is removed, on success
/// and on failure; on failure nothing is published.
///
/// @param[in] output_path the `output_path` every shard was given.
/// @param[in] shard_count the `shard_count` every shard was given.
/// @param[out] out_results on success, an `nb_result_list` whose one output
///             (`nb_result_list_output(..., 0, ...)`) describes the file. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_SHARD_INCOMPLETE` (a shard did not
///         complete, or the shards disagree: the message names which);
///         `NB_STATUS_RESULT_MISMATCH` (shards' results differ in dtype,
///         columns or series length); `NB_STATUS_IO`;
///         `NB_STATUS_INVALID_ARGUMENT` (`shard_count` 0).
///
/// **Ownership:** the caller frees `*out_results` with `nb_result_list_free`.
/// **Thread safety:** may be called from any thread; not concurrently with
/// shards of the same output still running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_finish(output_path: *const c_char, shard_count: u64, out_results: *mut *mut nb_result_list) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(output_path, "output_path")? };
        let info = finish(path, shard_count)?;
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_result_list::new(Vec::new(), vec![(info, true)]), o);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Removes every hidden piece of a sharded disk apply (parts, the shared
/// file, manifests): call it once, from one process, when any shard failed,
/// after all shards ended. An existing output is not touched. Pieces that
/// do not exist are fine, so it may be called more than once.
///
/// @param[in] output_path the `output_path` every shard was given.
/// @param[in] shard_count the `shard_count` every shard was given.
/// @return `NB_STATUS_OK`; `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_abort(output_path: *const c_char, shard_count: u64) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(output_path, "output_path")? };
        abort(path, shard_count);
        Ok(NB_STATUS_OK)
    })
}
