//! `nb_pipeline_run`: chained steps on one input.

use std::ffi::{c_char, c_int, c_void};

use crate::ffi::batch_options::{batch_options_from_c, nb_batch_options};
use crate::ffi::callbacks::{nb_apply_fn, nb_progress_fn, progress_fn, report_cb_value, CCallbacks};
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::handle::give;
use crate::ffi::if_file_exists::{if_exists_from_c, nb_if_file_exists, NB_IF_FILE_EXISTS_OVERWRITE};
use crate::ffi::open_options::{nb_open_options, open_options_from_c};
use crate::ffi::result_list::nb_result_list;
use crate::ffi::status::*;
use crate::ffi::versioned::{self, Versioned};
use crate::ffi::{out_arg, path_arg, slice_arg};
use neurobatch_core::cursor::Batch;
use neurobatch_core::pipeline::{run_pipeline, Step, StepMode};
use neurobatch_core::result::ResultBlock;

/// How a pipeline step traverses its input (one of the `NB_PIPELINE_MODE_` constants).
pub type nb_pipeline_mode = i32;
/// Every batch is all observations of one channel (single-channel, force_complete_channel_batch).
pub const NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH: nb_pipeline_mode = 0;
/// Batches of one channel, split to respect max_memory.
pub const NB_PIPELINE_MODE_SINGLE_CHANNEL: nb_pipeline_mode = 1;
/// Batches of every channel (multi-channel).
pub const NB_PIPELINE_MODE_MULTI_CHANNEL: nb_pipeline_mode = 2;

/// Current version of `nb_pipeline_step`.
pub const NB_PIPELINE_STEP_VERSION: u32 = 1;
/// Current version of `nb_pipeline_options`.
pub const NB_PIPELINE_OPTIONS_VERSION: u32 = 1;

/// One step of a pipeline (YASS's PipedTransformation). Fill with
/// `nb_pipeline_step_init`. Fields are only ever appended.
#[repr(C)]
pub struct nb_pipeline_step {
    /// Set by `nb_pipeline_step_init`; do not change.
    pub version: u32,
    /// The step's function, as for `nb_reader_apply`; must not be NULL.
    pub r#fn: nb_apply_fn,
    /// Passed to `fn`.
    pub user_data: *mut c_void,
    /// File name of the step's output inside the pipeline's output_dir.
    pub output_name: *const c_char,
    /// `NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH` (default), `_SINGLE_CHANNEL` or `_MULTI_CHANNEL`.
    pub mode: nb_pipeline_mode,
    /// false (default): delete this step's output (data and sidecar) once the
    /// next step has consumed it. The last step's output is always kept.
    pub keep: bool,
    /// `NB_IF_FILE_EXISTS_OVERWRITE` (default), `_ABORT` or `_SKIP`.
    pub if_file_exists: nb_if_file_exists,
    /// Cast of the step's results; `NB_DTYPE_UNSET` (default): none.
    pub cast_dtype: nb_dtype,
}

/// Options of `nb_pipeline_run`. Fill with `nb_pipeline_options_init`.
#[repr(C)]
pub struct nb_pipeline_options {
    /// Set by `nb_pipeline_options_init`; do not change.
    pub version: u32,
    /// Directory of every step's output; must exist. Borrowed for the call.
    pub output_dir: *const c_char,
    /// As `nb_apply_options.n_threads`, for every step.
    pub n_threads: u32,
    /// Called after each batch of each step (done/total of that step).
    pub progress: nb_progress_fn,
    /// Passed to `progress`.
    pub progress_user_data: *mut c_void,
}

impl Versioned for nb_pipeline_step {
    const NAME: &'static str = "nb_pipeline_step";
    const CURRENT: u32 = NB_PIPELINE_STEP_VERSION;
    fn size(_version: u32) -> usize {
        std::mem::size_of::<nb_pipeline_step>()
    }
    fn defaults(version: u32) -> Self {
        nb_pipeline_step {
            version,
            r#fn: None,
            user_data: std::ptr::null_mut(),
            output_name: std::ptr::null(),
            mode: NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH,
            keep: false,
            if_file_exists: NB_IF_FILE_EXISTS_OVERWRITE,
            cast_dtype: NB_DTYPE_UNSET,
        }
    }
}

impl Versioned for nb_pipeline_options {
    const NAME: &'static str = "nb_pipeline_options";
    const CURRENT: u32 = NB_PIPELINE_OPTIONS_VERSION;
    fn size(_version: u32) -> usize {
        std::mem::size_of::<nb_pipeline_options>()
    }
    fn defaults(version: u32) -> Self {
        nb_pipeline_options { version, output_dir: std::ptr::null(), n_threads: 0, progress: None, progress_user_data: std::ptr::null_mut() }
    }
}

/// Fills a step with defaults (see the fields). Set `fn` and `output_name`.
///
/// @param[out] step written only for the bytes of `version`'s layout.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_pipeline_step_init(step: *mut nb_pipeline_step, version: u32) -> nb_status {
    ffi_status!({ unsafe { versioned::init(step, version) } })
}

/// Fills pipeline options with defaults: output_dir NULL (must be set),
/// serial, no progress.
///
/// @param[out] opts written only for the bytes of `version`'s layout.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_pipeline_options_init(opts: *mut nb_pipeline_options, version: u32) -> nb_status {
    ffi_status!({ unsafe { versioned::init(opts, version) } })
}

fn mode_from_c(v: nb_pipeline_mode, k: usize) -> Result<StepMode, Fail> {
    match v {
        NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH => Ok(StepMode::SingleChannelOneBatch),
        NB_PIPELINE_MODE_SINGLE_CHANNEL => Ok(StepMode::SingleChannel),
        NB_PIPELINE_MODE_MULTI_CHANNEL => Ok(StepMode::MultiChannel),
        _ => Err(Fail::Invalid(format!(
            "step {k}: mode = {v} is not an nb_pipeline_mode: expected NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH (0), _SINGLE_CHANNEL (1) or _MULTI_CHANNEL (2)"
        ))),
    }
}

/// Parses "single_channel_one_batch", "single_channel" or "multi_channel".
///
/// @param[out] out_mode written on success only.
/// @return `NB_STATUS_OK`, `NB_STATUS_INVALID_ARGUMENT` (quotes the name), `NB_STATUS_NULL_ARGUMENT`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_pipeline_mode_from_name(name: *const c_char, out_mode: *mut nb_pipeline_mode) -> nb_status {
    ffi_status!({
        let out = out_arg(out_mode, "out_mode")?;
        let m = StepMode::parse(&unsafe { crate::ffi::cstr_arg(name, "name")? }.to_string_lossy())?;
        out.write(match m {
            StepMode::SingleChannelOneBatch => NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH,
            StepMode::SingleChannel => NB_PIPELINE_MODE_SINGLE_CHANNEL,
            StepMode::MultiChannel => NB_PIPELINE_MODE_MULTI_CHANNEL,
        });
        Ok(NB_STATUS_OK)
    })
}

/// Runs steps on one input (YASS's BatchPipeline): step k reads step k-1's
/// output through its sidecar and writes `output_dir/output_name` plus its
/// sidecar. The time range and channels of `batch_opts` apply to the first
/// step only; max_memory, buffer_size and layout to every step (its
/// traversal comes from each step's mode). Every step is validated (modes,
/// names, if_file_exists, cast_dtype, output paths) before the first runs.
/// The input is never written or deleted.
///
/// @param[in] input_path the input recording.
/// @param[in] input_opts how to open it; NULL: everything from its sidecar.
/// @param[in] batch_opts NULL for defaults.
/// @param[in] pipeline_opts output_dir, threads, progress; must not be NULL.
/// @param[in] steps `n_steps` pointers to steps (an array of pointers, so
///            each step may come from a different header version).
/// @param[out] out_results on OK and STOPPED: one output per step that ran
///             (`kept` false for removed intermediates). May be NULL.
/// @param[out] out_cb_value the value of a callback that stopped or failed. May be NULL.
/// @return as `nb_reader_apply`. A failing or stopping step leaves no output
///         of its own; earlier steps' outputs remain.
///
/// **Ownership:** free `*out_results` with `nb_result_list_free`.
/// **Thread safety:** see `nb_apply_options.n_threads`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn nb_pipeline_run(
    input_path: *const c_char,
    input_opts: *const nb_open_options,
    batch_opts: *const nb_batch_options,
    pipeline_opts: *const nb_pipeline_options,
    steps: *const *const nb_pipeline_step,
    n_steps: usize,
    out_results: *mut *mut nb_result_list,
    out_cb_value: *mut c_int,
) -> nb_status {
    ffi_status!({
        let input = unsafe { path_arg(input_path, "input_path")? };
        let open = unsafe { open_options_from_c(input_opts)? };
        let batch = unsafe { batch_options_from_c(batch_opts)? };
        let p = unsafe { versioned::read(pipeline_opts)? }.ok_or(Fail::Null("pipeline_opts"))?;
        let output_dir = unsafe { path_arg(p.output_dir, "pipeline_opts.output_dir")? };
        let step_ptrs = unsafe { slice_arg(steps, n_steps, "steps")? };
        let mut callbacks = Vec::with_capacity(n_steps);
        let mut specs = Vec::with_capacity(n_steps);
        for (k, &sp) in step_ptrs.iter().enumerate() {
            let s = unsafe { versioned::read(sp)? }.ok_or(Fail::Null("steps[k]"))?;
            let name = unsafe { path_arg(s.output_name, "steps[k].output_name")? };
            callbacks.push(CCallbacks::new(s.r#fn, None, s.user_data)?);
            specs.push((name, mode_from_c(s.mode, k)?, s.keep, if_exists_from_c(s.if_file_exists)?, optional_dtype(s.cast_dtype, "steps[k].cast_dtype")?));
        }
        let fns: Vec<_> = callbacks.iter().map(|c| move |b: &Batch<'_>, prev: Option<&ResultBlock>| c.call(b, prev)).collect();
        let steps: Vec<Step<'_>> =
            specs.into_iter().zip(&fns).map(|((output_name, mode, keep, if_exists, cast), f)| Step { f, output_name, mode, keep, if_exists, cast }).collect();
        let mut progress = progress_fn(p.progress, p.progress_user_data);
        let outcome = report_cb_value(
            run_pipeline(
                &input,
                &open,
                &output_dir,
                &batch,
                &steps,
                p.n_threads as usize,
                progress.as_mut().map(|f| f as &mut neurobatch_core::apply::ProgressFn<'_>),
            ),
            out_cb_value,
        )?;
        if let (Some(code), Ok(o)) = (outcome.stopped, out_arg(out_cb_value, "out_cb_value")) {
            o.write(code);
        }
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_result_list::new(Vec::new(), outcome.outputs.into_iter().map(|s| (s.info, s.kept)).collect()), o);
        }
        Ok(if outcome.stopped.is_some() { NB_STATUS_STOPPED } else { NB_STATUS_OK })
    })
}
