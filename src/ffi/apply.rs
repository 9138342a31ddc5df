//! `nb_reader_apply` and its options and callback types.

use std::ffi::{c_char, c_int, c_void};
use std::path::PathBuf;

use crate::core::apply::{apply, trim_buffer, ApplyOptions, CallOutput, Mode};
use crate::core::cursor::Batch;
use crate::core::error::Error;

type CoreResult<T> = crate::core::error::Result<T>;
use crate::core::output::IfExists;
use crate::core::result::ResultBlock;
use crate::core::shard::{Shard, ShardOutput};
use crate::ffi::batch::nb_batch;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::handle::{borrow, give};
use crate::ffi::options::{batch_options_from_c, nb_batch_options, read_versioned};
use crate::ffi::reader::nb_reader;
use crate::ffi::result::{nb_cleanup_trim_buffer, nb_result, nb_result_view};
use crate::ffi::results::nb_results;
use crate::ffi::status::*;
use crate::ffi::{cstr_arg, out_arg, path_arg};

/// The user function of an apply call or pipeline step.
///
/// Called once per batch with the batch (its block, `idx_local`, `idx`,
/// channels, batch number and count: YASS's `pass_batch_info`), the
/// previous batch's final result when `pass_batch_results` is set (else
/// NULL; NULL for the first batch), the slot `out` to put this batch's
/// result in (`nb_result_set` or `nb_result_lend`), and `user_data`.
///
/// Returns 0 to continue (a result must have been set), > 0 to stop early
/// (the apply call returns `NB_STATUS_STOPPED`), < 0 to fail (it returns
/// `NB_STATUS_CALLBACK_FAILED`); the value is passed back in `*out_cb_value`.
/// `batch`, `previous` and `out` are valid only during the call.
///
/// Runs on the calling thread, in batch order, unless `n_threads > 1`: then
/// it runs concurrently on worker threads and must be thread-safe. It must
/// not throw, longjmp or unwind.
pub type nb_apply_fn = Option<unsafe extern "C" fn(batch: *const nb_batch, previous: *const nb_result_view, out: *mut nb_result, user_data: *mut c_void) -> c_int>;

/// A cleanup, run on each result after the optional cast (YASS's
/// `cleanup_function(result, idx_local, idx, buffer_size)`: all four are in
/// `result` and `batch`). It may replace the result by setting `out`; if it
/// sets nothing, the result is kept. Returns as `nb_apply_fn`.
/// `nb_cleanup_trim_buffer` is a ready one.
pub type nb_cleanup_fn = Option<unsafe extern "C" fn(result: *const nb_result_view, batch: *const nb_batch, out: *mut nb_result, user_data: *mut c_void) -> c_int>;

/// Progress (YASS's `show_progress_bar`): called on the calling thread after
/// each batch's result was delivered, with the batches done and the total.
/// A non-zero return cancels the run (`NB_STATUS_CANCELLED`, nothing written).
pub type nb_progress_fn = Option<unsafe extern "C" fn(batches_done: u64, batches_total: u64, user_data: *mut c_void) -> c_int>;

/// Where results go (one of the `NB_APPLY_MODE_` constants).
pub type nb_apply_mode = i32;
/// Every batch's result is returned, in batch order, in an `nb_results`. The default.
pub const NB_APPLY_MODE_MEMORY: nb_apply_mode = 0;
/// Results are appended in batch order to `output_path`, and its sidecar written.
pub const NB_APPLY_MODE_DISK: nb_apply_mode = 1;

/// What to do when the output exists (one of the `NB_IF_FILE_EXISTS_` constants).
pub type nb_if_file_exists = i32;
/// Replace it once the new output is complete. The default.
pub const NB_IF_FILE_EXISTS_OVERWRITE: nb_if_file_exists = 0;
/// Fail with `NB_STATUS_FILE_EXISTS` before anything runs; nothing is touched.
pub const NB_IF_FILE_EXISTS_ABORT: nb_if_file_exists = 1;
/// Run nothing; report the existing output's parameters from its sidecar
/// (`NB_STATUS_SIDECAR_MISSING` when the sidecar is missing).
pub const NB_IF_FILE_EXISTS_SKIP: nb_if_file_exists = 2;

/// How the shards of a sharded disk apply write the output (one of the
/// `NB_SHARD_OUTPUT_` constants).
pub type nb_shard_output = i32;
/// Each shard writes its results to a hidden part file of its own;
/// `nb_shard_finish` concatenates the parts in order. Results may have any
/// size. The default.
pub const NB_SHARD_OUTPUT_PARTS: nb_shard_output = 0;
/// Every result has exactly its batch's own rows (multi-channel) or values
/// (single-channel), e.g. after `nb_cleanup_trim_buffer`: each shard writes
/// straight into one shared hidden file at offsets computed from the plan,
/// and `nb_shard_finish` only checks and renames it (no copy). A result of
/// another size fails the shard with `NB_STATUS_RESULT_MISMATCH`.
pub const NB_SHARD_OUTPUT_SAME_ROWS: nb_shard_output = 1;

/// Current version of `nb_apply_options`; pass it to `nb_apply_options_init`.
/// Version 2 added `shard_index`, `shard_count` and `shard_output`; structs
/// of version 1 are still accepted (no sharding).
pub const NB_APPLY_OPTIONS_VERSION: u32 = 2;

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
    /// the calling thread reads the batches (each once) and callbacks run
    /// concurrently on N worker threads, on copies of the batches (memory:
    /// the cursor's batch plus up to N + 1 copies and results in flight);
    /// results and output bytes are identical to the serial run.
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
}

/// Fills `opts` with defaults: memory mode, overwrite, no cast, no cleanup,
/// no previous results, serial, no progress.
///
/// @param[out] opts the struct to fill.
/// @param[in] version `NB_APPLY_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_apply_options_init(opts: *mut nb_apply_options, version: u32) -> nb_status {
    ffi_status!({
        let out = out_arg(opts, "opts")?;
        crate::ffi::options::check_version(version, NB_APPLY_OPTIONS_VERSION, "nb_apply_options")?;
        out.write(nb_apply_options {
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
        });
        Ok(NB_STATUS_OK)
    })
}

pub(crate) fn if_exists_from_c(v: nb_if_file_exists) -> Result<IfExists, Fail> {
    match v {
        NB_IF_FILE_EXISTS_OVERWRITE => Ok(IfExists::Overwrite),
        NB_IF_FILE_EXISTS_ABORT => Ok(IfExists::Abort),
        NB_IF_FILE_EXISTS_SKIP => Ok(IfExists::Skip),
        _ => Err(Fail::Invalid(format!(
            "if_file_exists = {v} is not an nb_if_file_exists: expected NB_IF_FILE_EXISTS_OVERWRITE (0), _ABORT (1) or _SKIP (2)"
        ))),
    }
}

/// Parses "overwrite", "abort" or "skip".
///
/// @param[out] out_value written on success only.
/// @return `NB_STATUS_OK`, `NB_STATUS_INVALID_ARGUMENT` (message quotes the
///         name), `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_if_file_exists_from_name(name: *const c_char, out_value: *mut nb_if_file_exists) -> nb_status {
    ffi_status!({
        let out = out_arg(out_value, "out_value")?;
        let v = IfExists::parse(&unsafe { cstr_arg(name, "name")? }.to_string_lossy())?;
        out.write(match v {
            IfExists::Overwrite => NB_IF_FILE_EXISTS_OVERWRITE,
            IfExists::Abort => NB_IF_FILE_EXISTS_ABORT,
            IfExists::Skip => NB_IF_FILE_EXISTS_SKIP,
        });
        Ok(NB_STATUS_OK)
    })
}

/// The C callbacks of one run, callable from worker threads.
pub(crate) struct CCallbacks {
    f: unsafe extern "C" fn(*const nb_batch, *const nb_result_view, *mut nb_result, *mut c_void) -> c_int,
    cleanup: nb_cleanup_fn,
    user_data: *mut c_void,
}

// SAFETY: the documentation of nb_apply_options.n_threads makes thread-safe
// callbacks (and user_data) the caller's obligation when n_threads > 1; with
// one thread nothing leaves the calling thread.
unsafe impl Sync for CCallbacks {}

impl CCallbacks {
    pub(crate) fn new(f: nb_apply_fn, cleanup: nb_cleanup_fn, user_data: *mut c_void) -> Result<CCallbacks, Fail> {
        Ok(CCallbacks { f: f.ok_or(Fail::Null("fn"))?, cleanup, user_data })
    }

    pub(crate) fn call(&self, batch: &Batch<'_>, previous: Option<&ResultBlock>) -> CoreResult<CallOutput> {
        let b = nb_batch::of(batch);
        let prev = previous.map(nb_result_view::of);
        let mut out = nb_result::new();
        let code = unsafe { (self.f)(&b, prev.as_ref().map_or(std::ptr::null(), |p| p), &mut out, self.user_data) };
        slot_output(code, out)
    }

    fn call_cleanup(&self, cleanup: unsafe extern "C" fn(*const nb_result_view, *const nb_batch, *mut nb_result, *mut c_void) -> c_int, result: &ResultBlock, batch: &Batch<'_>) -> CoreResult<CallOutput> {
        let b = nb_batch::of(batch);
        let v = nb_result_view::of(result);
        let mut out = nb_result::new();
        let code = unsafe { cleanup(&v, &b, &mut out, self.user_data) };
        slot_output(code, out)
    }

    /// The cleanup as the core takes it; the ready trim runs in Rust, with its own message.
    pub(crate) fn cleanup(&self) -> Option<Box<crate::core::apply::CleanupFn<'_>>> {
        let c = self.cleanup?;
        if c as *const () == nb_cleanup_trim_buffer as *const () {
            return Some(Box::new(trim_buffer));
        }
        Some(Box::new(move |r: &ResultBlock, b: &Batch<'_>| self.call_cleanup(c, r, b)))
    }
}

/// A C progress callback as the core takes it: `(done, total) -> cancel?`.
pub(crate) fn progress_fn(p: nb_progress_fn, user_data: *mut c_void) -> Option<impl FnMut(u64, u64) -> bool> {
    let p = p?;
    Some(move |done, total| unsafe { p(done, total, user_data) } != 0)
}

fn slot_output(code: c_int, out: nb_result) -> CoreResult<CallOutput> {
    if let Some(e) = out.error {
        return Err(e);
    }
    Ok(CallOutput { code, result: out.block })
}

/// Writes the callback value that ended a run, and passes the outcome on.
pub(crate) fn report_cb_value<T>(r: CoreResult<T>, out_cb_value: *mut c_int) -> Result<T, Fail> {
    if let Err(Error::CallbackFailed { value, .. }) = &r {
        if let Ok(o) = out_arg(out_cb_value, "out_cb_value") {
            o.write(*value);
        }
    }
    Ok(r?)
}

/// Runs `fn` over every batch `batch_opts` plans (YASS `multi_channel_apply`
/// with `NB_TRAVERSAL_MULTI_CHANNEL`, `single_channel_apply` with
/// `NB_TRAVERSAL_SINGLE_CHANNEL`): per batch, `fn`, then the optional cast,
/// then the optional cleanup; the result goes to memory or to the output file.
///
/// Every argument (batch options, apply options, output path, if_file_exists,
/// cast_dtype) is validated before the first batch is read, before any
/// callback runs and before any file is created.
///
/// Disk mode writes to a temporary file beside `output_path` and renames it
/// (data and sidecar) only on success. Multi-channel: results are appended
/// row after row; the sidecar says n_channels = the results' column count,
/// data_order samples. Single-channel: each channel's series is appended
/// whole, channel after channel; n_channels = channels selected, data_order
/// channels, and every channel must yield the same total length. Results must
/// agree in dtype (and column count). Zero batches give an empty output
/// (dtype = cast_dtype or the input's, n_channels = channels selected).
///
/// A failing callback, a stop, a cancel or a write error leaves no output
/// file and no sidecar (an existing output is left untouched); the input is
/// never written.
///
/// @param[in] reader the input recording.
/// @param[in] batch_opts traversal, range, channels, buffer, max_memory; NULL for defaults.
/// @param[in] apply_opts NULL for defaults (memory mode).
/// @param[in] fn the user function; must not be NULL.
/// @param[in] user_data passed to `fn`, the cleanup and the progress callback.
/// @param[out] out_results on `NB_STATUS_OK` and `NB_STATUS_STOPPED`, the
///             results (memory mode: the blocks so far when stopped; disk mode:
///             the output, none when stopped). May be NULL if not wanted.
/// @param[out] out_cb_value the callback's value when it stopped or failed
///             the run. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_STOPPED`; `NB_STATUS_CALLBACK_FAILED`;
///         `NB_STATUS_CANCELLED`; `NB_STATUS_NO_RESULT`; `NB_STATUS_RESULT_MISMATCH`;
///         `NB_STATUS_FILE_EXISTS`; `NB_STATUS_BAD_OUTPUT_PATH`;
///         `NB_STATUS_SIDECAR_MISSING` (skip without sidecar); `NB_STATUS_IO`
///         (e.g. disk full, file size limit); `NB_STATUS_INPUT_CHANGED`; the
///         statuses of `nb_cursor_new`. On every failure nothing is left at
///         the output path (an existing output is untouched).
///
/// **Ownership:** the caller frees `*out_results` with `nb_results_free`.
/// **Thread safety:** the reader may be shared; see `nb_apply_options.n_threads`
/// for where callbacks run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_apply(
    reader: *const nb_reader,
    batch_opts: *const nb_batch_options,
    apply_opts: *const nb_apply_options,
    r#fn: nb_apply_fn,
    user_data: *mut c_void,
    out_results: *mut *mut nb_results,
    out_cb_value: *mut c_int,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let batch = unsafe { batch_options_from_c(batch_opts)? };
        let (opts, cleanup, progress) = unsafe { apply_options_from_c(apply_opts)? };
        let callbacks = CCallbacks::new(r#fn, cleanup, user_data)?;
        let f = |b: &Batch<'_>, p: Option<&ResultBlock>| callbacks.call(b, p);
        let cleanup = callbacks.cleanup();
        let mut progress = progress_fn(progress, user_data);
        let outcome = report_cb_value(
            apply(&r.inner, &batch, &opts, &f, cleanup.as_deref(), progress.as_mut().map(|p| p as &mut crate::core::apply::ProgressFn<'_>)),
            out_cb_value,
        )?;
        if let (Some(code), Ok(o)) = (outcome.stopped, out_arg(out_cb_value, "out_cb_value")) {
            o.write(code);
        }
        let status = if outcome.stopped.is_some() { NB_STATUS_STOPPED } else { NB_STATUS_OK };
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_results::new(outcome.results, outcome.output.into_iter().map(|o| (o, true)).collect()), o);
        }
        Ok(status)
    })
}

/// Bytes of `nb_apply_options` as each version laid it out.
fn apply_options_size(version: u32) -> usize {
    match version {
        1 => std::mem::offset_of!(nb_apply_options, shard_index),
        _ => std::mem::size_of::<nb_apply_options>(),
    }
}

unsafe fn apply_options_from_c(opts: *const nb_apply_options) -> Result<(ApplyOptions, nb_cleanup_fn, nb_progress_fn), Fail> {
    let Some(o) = (unsafe { read_versioned(opts, NB_APPLY_OPTIONS_VERSION, "nb_apply_options", apply_options_size, nb_apply_options_init)? }) else {
        return Ok((ApplyOptions::default(), None, None));
    };
    let if_exists = if_exists_from_c(o.if_file_exists)?;
    let mode = match o.mode {
        NB_APPLY_MODE_MEMORY => Mode::Memory,
        NB_APPLY_MODE_DISK => {
            if o.output_path.is_null() {
                return Err(Fail::Null("nb_apply_options.output_path (disk mode)"));
            }
            Mode::Disk { path: PathBuf::from(unsafe { path_arg(o.output_path, "output_path")? }), if_exists }
        }
        m => return Err(Fail::Invalid(format!("nb_apply_options.mode = {m} is not an nb_apply_mode: expected NB_APPLY_MODE_MEMORY (0) or NB_APPLY_MODE_DISK (1)"))),
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
                    v => return Err(Fail::Invalid(format!("nb_apply_options.shard_output = {v} is not an nb_shard_output: expected NB_SHARD_OUTPUT_PARTS (0) or NB_SHARD_OUTPUT_SAME_ROWS (1)"))),
                };
                Some((Shard::new(o.shard_index, count)?, how))
            }
        },
    };
    Ok((opts, o.cleanup, o.progress))
}
