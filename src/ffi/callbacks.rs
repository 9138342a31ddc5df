//! The C callback types (`nb_apply_fn`, `nb_cleanup_fn`, `nb_progress_fn`)
//! and how the core calls them.

use std::ffi::{c_int, c_void};

use crate::ffi::batch::nb_batch;
use crate::ffi::error::Fail;
use crate::ffi::handle::Lent;
use crate::ffi::out_arg;
use crate::ffi::result_slot::nb_result_slot;
use crate::ffi::result_view::{nb_result_view, nb_result_view_trim_buffer};
use neurobatch_core::apply::{trim_buffer, CallOutput};
use neurobatch_core::cursor::Batch;
use neurobatch_core::error::Error;
use neurobatch_core::panic_scope::outside;
use neurobatch_core::result::ResultBlock;

type CoreResult<T> = neurobatch_core::error::Result<T>;

/// The user function of an apply call or pipeline step.
///
/// Called once per batch with the batch (its block, `idx_local`, `idx`,
/// channels, batch number and count: YASS's `pass_batch_info`), the
/// previous batch's final result when `pass_batch_results` is set (else
/// NULL; NULL for the first batch), the slot `out` to put this batch's
/// result in (`nb_result_slot_set` or `nb_result_slot_lend`), and `user_data`.
///
/// Returns 0 to continue, > 0 to stop early (the apply call returns
/// `NB_STATUS_STOPPED`), < 0 to fail (it returns `NB_STATUS_CALLBACK_FAILED`);
/// the value is passed back in `*out_cb_value`. Writing to disk, every batch
/// must set a result (`NB_STATUS_NO_RESULT` otherwise); in memory a batch
/// that sets none is left out of the result list (and `previous` is NULL
/// for the next one). `batch`, `previous` and `out` are valid only during
/// the call.
///
/// Runs on the calling thread, in batch order, unless `n_threads > 1`: then
/// it runs concurrently on worker threads and must be thread-safe. It must
/// not throw, longjmp or unwind.
pub type nb_apply_fn =
    Option<unsafe extern "C" fn(batch: *const nb_batch, previous: *const nb_result_view, out: *mut nb_result_slot, user_data: *mut c_void) -> c_int>;

/// A cleanup, run on each result after the optional cast (YASS's
/// `cleanup_function(result, idx_local, idx, buffer_size)`: all four are in
/// `result` and `batch`). It may replace the result by setting `out`; if it
/// sets nothing, the result is kept. Returns as `nb_apply_fn`.
/// `nb_result_view_trim_buffer` is a ready one.
pub type nb_cleanup_fn =
    Option<unsafe extern "C" fn(result: *const nb_result_view, batch: *const nb_batch, out: *mut nb_result_slot, user_data: *mut c_void) -> c_int>;

/// Progress (YASS's `show_progress_bar`): called on the calling thread after
/// each batch's result was delivered, with the batches done and the total.
/// A non-zero return cancels the run (`NB_STATUS_CANCELLED`, nothing written).
pub type nb_progress_fn = Option<unsafe extern "C" fn(batches_done: u64, batches_total: u64, user_data: *mut c_void) -> c_int>;

/// The C callbacks of one run, callable from worker threads.
pub(crate) struct CCallbacks {
    /// None: a convert (no function; each batch is its own result).
    f: nb_apply_fn,
    cleanup: nb_cleanup_fn,
    user_data: *mut c_void,
}

// SAFETY: the documentation of nb_apply_options.n_threads makes thread-safe
// callbacks (and user_data) the caller's obligation when n_threads > 1; with
// one thread nothing leaves the calling thread.
unsafe impl Sync for CCallbacks {}

impl CCallbacks {
    /// The callbacks of a run whose function must not be NULL.
    pub(crate) fn new(f: nb_apply_fn, cleanup: nb_cleanup_fn, user_data: *mut c_void) -> Result<CCallbacks, Fail> {
        f.ok_or(Fail::Null("fn"))?;
        Ok(CCallbacks { f, cleanup, user_data })
    }

    /// The callbacks of a run whose function may be NULL (a convert).
    pub(crate) fn with_optional_fn(f: nb_apply_fn, cleanup: nb_cleanup_fn, user_data: *mut c_void) -> CCallbacks {
        CCallbacks { f, cleanup, user_data }
    }

    pub(crate) fn has_fn(&self) -> bool {
        self.f.is_some()
    }

    pub(crate) fn call(&self, batch: &Batch<'_>, previous: Option<&ResultBlock>) -> CoreResult<CallOutput> {
        let b = nb_batch::of(batch);
        let prev = previous.map(nb_result_view::of);
        let mut out = Lent::new(nb_result_slot::new());
        let slot = out.as_ptr();
        // The user's code runs as host code: its own panics reach its own hook.
        let f = self.f.expect("called only with a function");
        let code = outside(|| unsafe { f(&b, prev.as_ref().map_or(std::ptr::null(), |p| p), slot, self.user_data) });
        slot_output(code, out.take())
    }

    fn call_cleanup(
        &self,
        cleanup: unsafe extern "C" fn(*const nb_result_view, *const nb_batch, *mut nb_result_slot, *mut c_void) -> c_int,
        result: &ResultBlock,
        batch: &Batch<'_>,
    ) -> CoreResult<CallOutput> {
        let b = nb_batch::of(batch);
        let v = nb_result_view::of(result);
        let mut out = Lent::new(nb_result_slot::new());
        let slot = out.as_ptr();
        let code = outside(|| unsafe { cleanup(&v, &b, slot, self.user_data) });
        slot_output(code, out.take())
    }

    /// The cleanup as the core takes it; the ready trim runs in Rust, with its own message.
    pub(crate) fn cleanup(&self) -> Option<Box<neurobatch_core::apply::CleanupFn<'_>>> {
        let c = self.cleanup?;
        if c as *const () == nb_result_view_trim_buffer as *const () {
            return Some(Box::new(trim_buffer));
        }
        Some(Box::new(move |r: &ResultBlock, b: &Batch<'_>| self.call_cleanup(c, r, b)))
    }
}

/// A C progress callback as the core takes it: `(done, total) -> cancel?`.
pub(crate) fn progress_fn(p: nb_progress_fn, user_data: *mut c_void) -> Option<impl FnMut(u64, u64) -> bool> {
    let p = p?;
    Some(move |done, total| outside(|| unsafe { p(done, total, user_data) }) != 0)
}

fn slot_output(code: c_int, out: nb_result_slot) -> CoreResult<CallOutput> {
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
