//! `nb_apply_options`: how `nb_reader_apply` runs.

use std::ffi::c_char;

use crate::ffi::callbacks::{nb_cleanup_fn, nb_progress_fn};
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::if_file_exists::*;
use crate::ffi::shard::*;
use crate::ffi::status::*;
use crate::ffi::versioned::{self, Versioned};
use crate::ffi::{cstr_arg, path_arg};
use neurobatch_core::apply::{ApplyOptions, Mode};
use neurobatch_core::shard::{Shard, ShardOutput};

/// Where results go (one of the `NB_APPLY_MODE_` constants).
pub type nb_apply_mode = i32;
/// Every batch's result is returned, in batch order, in an `nb_result_list`. The default.
pub const NB_APPLY_MODE_MEMORY: nb_apply_mode = 0;
/// Results are appended in batch order to `output_path`, and its sidecar written.
pub const NB_APPLY_MODE_DISK: nb_apply_mode = 1;

/// Current version of `nb_apply_options`; pass it to `nb_apply_options_init`.
/// Version 2 added `shard_index`, `shard_count` and `shard_output`, version 3
/// `shard_run_id`; structs of older versions are still accepted.
pub const NB_APPLY_OPTIONS_VERSION: u32 = 3;

/// Options of `nb_reader_apply`. Fill with `nb_apply_options_init`, then set
/// fields. Fields are only ever appended, with `NB_APPLY_OPTIONS_VERSION` bumped.
#[repr(C)]
pub struct nb_apply_options {
    /// Set by `nb_apply_options_init`; do not change.
    pub version: u32,
    /// `NB_APPLY_MODE_MEMORY` (default) or `NB_APPLY_MODE_DISK`.
    pub mode: nb_apply_mode,
    /// Disk mode: the output data file (its sidecar is written beside it).
    /// It may not be the input, end in ".yaml", or share a sidecar with the
    /// input; its directory must exist. Borrowed for the call.
    pub output_path: *const c_char,
    /// Disk mode: `NB_IF_FILE_EXISTS_OVERWRITE` (default), `_ABORT` or `_SKIP`.
    pub if_file_exists: nb_if_file_exists,
    /// Convert every result to this dtype before the cleanup; `NB_DTYPE_UNSET`
    /// (default): no cast. Integers wrap to the target width, floats truncate
    /// toward zero (saturating; NaN becomes 0).
    pub cast_dtype: nb_dtype,
    /// Optional cleanup after the cast; NULL (default): none.
    pub cleanup: nb_cleanup_fn,
    /// Pass the previous batch's final result to the function; memory mode
    /// then returns only the last result. Requires `n_threads <= 1`.
    pub pass_batch_results: bool,
    /// 0 or 1 (default): callbacks on the calling thread, in order. N > 1:
    /// callbacks run concurrently on N worker threads. Multi-channel, each
    /// worker reads its own batch into a buffer of its own (memory: N
    /// batches plus up to N + 1 results in flight); single-channel, the
    /// calling thread reads each channel group once and hands the workers
    /// copies (N + 2 batches plus the results). Results are delivered in
    /// batch order, and results and output bytes are identical to the
    /// serial run. After a stop, an error or a cancel the workers finish
    /// the batches in hand; batches not yet started are never processed.
    pub n_threads: u32,
    /// Optional progress callback; NULL (default): none.
    pub progress: nb_progress_fn,
    /// Version 2. Run only shard `shard_index` of `shard_count` (0, the
    /// default: no sharding; 1 is a sharded run of one shard, published by
    /// `nb_shard_finish` like any other count): a contiguous range of the plan's batches,
    /// balanced between shards (sizes differ by at most one) and computed
    /// from the inputs alone, so separate processes (MPI ranks, Slurm array
    /// tasks) split one job without talking. Memory mode returns this
    /// shard's results. Disk mode writes this shard's piece of the output
    /// beside it (hidden names) and returns no output: once every shard has
    /// returned `NB_STATUS_OK`, one process calls `nb_shard_finish`; after a
    /// failed shard, `nb_shard_abort`. Progress counts this shard's batches.
    /// Incompatible with `pass_batch_results` when `shard_count > 1`.
    pub shard_index: u64,
    /// See `shard_index`.
    pub shard_count: u64,
    /// Disk mode with shards: `NB_SHARD_OUTPUT_PARTS` (default) or
    /// `NB_SHARD_OUTPUT_SAME_ROWS`.
    pub shard_output: nb_shard_output,
    /// Version 3. The run this shard belongs to: 1 to 64 ASCII letters,
    /// digits or `_`, the same in every shard of one job and given to
    /// `nb_shard_finish` (e.g. the Slurm job id, or an id rank 0 broadcast).
    /// NULL (default): every shard derives the same id from the input files'
    /// identities and sizes, the output's location, the shard count and the
    /// options, so a rerun of the same job replaces its own pieces and
    /// another job never mixes with them. Borrowed for the call.
    pub shard_run_id: *const c_char,
}

impl Versioned for nb_apply_options {
    const NAME: &'static str = "nb_apply_options";
    const CURRENT: u32 = NB_APPLY_OPTIONS_VERSION;
    fn size(version: u32) -> usize {
        match version {
            1 => std::mem::offset_of!(nb_apply_options, shard_index),
            2 => std::mem::offset_of!(nb_apply_options, shard_run_id),
            _ => std::mem::size_of::<nb_apply_options>(),
        }
    }
    fn defaults(version: u32) -> Self {
        nb_apply_options {
            version,
            mode: NB_APPLY_MODE_MEMORY,
            output_path: std::ptr::null(),
            if_file_exists: NB_IF_FILE_EXISTS_OVERWRITE,
            cast_dtype: NB_DTYPE_UNSET,
            cleanup: None,
            pass_batch_results: false,
            n_threads: 0,
            progress: None,
            shard_index: 0,
            shard_count: 0,
            shard_output: NB_SHARD_OUTPUT_PARTS,
            shard_run_id: std::ptr::null(),
        }
    }
}

/// Fills `opts` with defaults: memory mode, overwrite, no cast, no cleanup,
/// no previous results, serial, no progress, no shards.
///
/// @param[out] opts the struct to fill: exactly the bytes of `version`'s
///             layout are written, so a program built against an older
///             header may pass its older, shorter struct.
/// @param[in] version `NB_APPLY_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_apply_options_init(opts: *mut nb_apply_options, version: u32) -> nb_status {
    ffi_status!({ unsafe { versioned::init(opts, version) } })
}

pub(crate) unsafe fn apply_options_from_c(opts: *const nb_apply_options) -> Result<(ApplyOptions, nb_cleanup_fn, nb_progress_fn), Fail> {
    let Some(o) = (unsafe { versioned::read(opts)? }) else {
        return Ok((ApplyOptions::default(), None, None));
    };
    let if_exists = if_exists_from_c(o.if_file_exists)?;
    let mode = match o.mode {
        NB_APPLY_MODE_MEMORY => Mode::Memory,
        NB_APPLY_MODE_DISK => {
            if o.output_path.is_null() {
                return Err(Fail::Null("nb_apply_options.output_path (disk mode)"));
            }
            Mode::Disk { path: unsafe { path_arg(o.output_path, "output_path")? }, if_exists }
        }
        m => {
            return Err(Fail::Invalid(format!(
                "nb_apply_options.mode = {m} is not an nb_apply_mode: expected NB_APPLY_MODE_MEMORY (0) or NB_APPLY_MODE_DISK (1)"
            )))
        }
    };
    let opts = ApplyOptions {
        mode,
        cast: optional_dtype(o.cast_dtype, "nb_apply_options.cast_dtype")?,
        pass_batch_results: o.pass_batch_results,
        n_threads: o.n_threads as usize,
        shard: match o.shard_count {
            0 if o.shard_index == 0 => None,
            count => {
                let how = match o.shard_output {
                    NB_SHARD_OUTPUT_PARTS => ShardOutput::Parts,
                    NB_SHARD_OUTPUT_SAME_ROWS => ShardOutput::SameRows,
                    v => {
                        return Err(Fail::Invalid(format!(
                        "nb_apply_options.shard_output = {v} is not an nb_shard_output: expected NB_SHARD_OUTPUT_PARTS (0) or NB_SHARD_OUTPUT_SAME_ROWS (1)"
                    )))
                    }
                };
                Some((Shard::new(o.shard_index, count)?, how))
            }
        },
        shard_run: match o.shard_run_id.is_null() {
            true => None,
            false => Some(unsafe { cstr_arg(o.shard_run_id, "nb_apply_options.shard_run_id")? }.to_string_lossy().into_owned()),
        },
    };
    Ok((opts, o.cleanup, o.progress))
}
