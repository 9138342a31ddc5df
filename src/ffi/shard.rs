//! Sharded applies: the functions around `nb_apply_options.shard_index`.

use std::ffi::c_char;

use crate::core::plan::Plan;
use crate::core::shard::{abort, finish, Shard};
use crate::ffi::handle::{borrow, give};
use crate::ffi::options::{batch_options_from_c, nb_batch_options};
use crate::ffi::reader::nb_reader;
use crate::ffi::results::nb_results;
use crate::ffi::status::*;
use crate::ffi::{out_arg, path_arg};

/// The batches shard `shard_index` of `shard_count` runs: `[*out_first,
/// *out_stop)` of the plan `opts` gives for `reader` (what `nb_reader_apply`
/// with these shard fields runs). Contiguous, balanced (sizes differ by at
/// most one), and the same in every process given the same inputs.
///
/// @param[in] reader the recording.
/// @param[in] opts batch options, or NULL for the defaults.
/// @param[in] shard_index 0-based shard, `< shard_count`.
/// @param[in] shard_count number of shards, `>= 1`.
/// @param[out] out_first first batch of the shard.
/// @param[out] out_stop one past its last batch (`== *out_first` when the
///             shard has no batch: more shards than batches).
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` (shard values); the
///         statuses of `nb_batch_plan`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_batches(
    reader: *const nb_reader,
    opts: *const nb_batch_options,
    shard_index: u64,
    shard_count: u64,
    out_first: *mut u64,
    out_stop: *mut u64,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let first = out_arg(out_first, "out_first")?;
        let stop = out_arg(out_stop, "out_stop")?;
        let opts = unsafe { batch_options_from_c(opts)? };
        let shard = Shard::new(shard_index, shard_count)?;
        let range = shard.batches(Plan::new(&r.inner, &opts)?.n_batches);
        first.write(range.start);
        stop.write(range.end);
        Ok(NB_STATUS_OK)
    })
}

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
/// @param[out] out_results on success, an `nb_results` whose one output
///             (`nb_results_output(..., 0, ...)`) describes the file. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_SHARD_INCOMPLETE` (a shard did not
///         complete, or the shards disagree: the message names which);
///         `NB_STATUS_RESULT_MISMATCH` (shards' results differ in dtype,
///         columns or series length); `NB_STATUS_IO`;
///         `NB_STATUS_INVALID_ARGUMENT` (`shard_count` 0).
///
/// **Ownership:** the caller frees `*out_results` with `nb_results_free`.
/// **Thread safety:** may be called from any thread; not concurrently with
/// shards of the same output still running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_shard_finish(output_path: *const c_char, shard_count: u64, out_results: *mut *mut nb_results) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(output_path, "output_path")? };
        let info = finish(path, shard_count)?;
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_results::new(Vec::new(), vec![(info, true)]), o);
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
