//! `nb_cursor`: a walk over a recording's batches.

use std::sync::atomic::AtomicBool;

use crate::ffi::batch::nb_batch;
use crate::ffi::batch_options::{batch_options_from_c, nb_batch_options};
use crate::ffi::handle::{borrow, borrow_mut, free, give, handle_type};
use crate::ffi::out_arg;
use crate::ffi::reader::nb_reader;
use crate::ffi::status::*;
use neurobatch_core::cursor::Cursor;
use neurobatch_core::cursor::Next;

/// A walk over the batches of one traversal (multi-channel or
/// single-channel) with its memory reused from batch to batch.
///
/// Create with `nb_cursor_new`, advance with `nb_cursor_next`, free with
/// `nb_cursor_free`. A cursor keeps its reader's file open, so it may
/// outlive the `nb_reader` handle it was created from.
///
/// May be moved between threads but must not be used from two threads at once.
pub struct nb_cursor {
    inner: Cursor,
    batch: nb_batch,
    poisoned: AtomicBool,
}

handle_type!(nb_cursor, 0x6e62637572736f72);

// SAFETY: the raw pointers in `batch` point into memory owned by `inner`,
// which moves with the cursor; nothing is shared with another thread.
unsafe impl Send for nb_cursor {}

const _: fn() = || {
    fn movable<T: Send>() {}
    movable::<Cursor>();
    movable::<nb_cursor>();
};

/// Creates a cursor over the batches `opts` describes. Every argument is
/// validated here, before anything is read.
///
/// @param[in] reader an open reader; the cursor keeps its file open.
/// @param[in] opts options from `nb_batch_options_init`, or NULL for the
///            defaults. The channel list is copied; `opts` may be freed after
///            the call.
/// @param[out] out_cursor the new cursor, written on success only.
/// @return as `nb_reader_plan`.
///
/// **Ownership:** the caller owns `*out_cursor` and frees it with `nb_cursor_free`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_new(reader: *const nb_reader, opts: *const nb_batch_options, out_cursor: *mut *mut nb_cursor) -> nb_status {
    ffi_status!({
        let out = out_arg(out_cursor, "out_cursor")?;
        let r = unsafe { borrow(reader, "reader")? };
        let opts = unsafe { batch_options_from_c(opts)? };
        let cursor = Cursor::new(r.inner.clone(), &opts)?;
        give(nb_cursor { inner: cursor, batch: nb_batch::empty(), poisoned: AtomicBool::new(false) }, out);
        Ok(NB_STATUS_OK)
    })
}

/// Reads the next batch.
///
/// @param[in,out] cursor the cursor.
/// @param[out] out_batch on `NB_STATUS_OK`, a pointer to the batch; not
///             written otherwise.
/// @return `NB_STATUS_OK` with a batch; `NB_STATUS_DONE` when every batch was
///         returned, and on every later call; `NB_STATUS_NOT_YET` (following
///         cursors only: the next complete batch is not on disk yet; call
///         again later, or use `nb_cursor_next_wait`); `NB_STATUS_NULL_ARGUMENT`;
///         `NB_STATUS_BAD_HANDLE`; `NB_STATUS_IO`; `NB_STATUS_INPUT_CHANGED`
///         (the file was truncated since it was opened; the cursor stays
///         usable: seek back, or free it); `NB_STATUS_POISONED`.
///
/// **Lifetime:** `*out_batch` and its data stay valid until the next
/// `nb_cursor_next`, `nb_cursor_seek` or `nb_cursor_free` on this cursor.
/// **Thread safety:** must not be called on one cursor from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_next(cursor: *mut nb_cursor, out_batch: *mut *const nb_batch) -> nb_status {
    unsafe { nb_cursor_next_wait(cursor, 0, out_batch) }
}

/// As `nb_cursor_next`, but a following cursor waits up to `timeout_ms`
/// milliseconds for the next batch to be on disk (polling the file's
/// length) before returning `NB_STATUS_NOT_YET`. Other cursors never wait.
///
/// @param[in] timeout_ms the longest wait; 0: do not wait.
/// @return as `nb_cursor_next`.
///
/// **Thread safety:** must not be called on one cursor from two threads at once;
/// another thread may call `nb_reader_end_follow` meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_next_wait(cursor: *mut nb_cursor, timeout_ms: u32, out_batch: *mut *const nb_batch) -> nb_status {
    ffi_status!({
        let out = out_arg(out_batch, "out_batch")?;
        let mut c = unsafe { borrow_mut(cursor, "cursor")? };
        let c = &mut *c;
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout_ms as u64);
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            match c.inner.poll()? {
                Next::Done => return Ok(NB_STATUS_DONE),
                Next::Batch(b) => {
                    c.batch = nb_batch::of(&b);
                    out.write(&c.batch);
                    return Ok(NB_STATUS_OK);
                }
                Next::NotYet => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        return Ok(NB_STATUS_NOT_YET);
                    }
                    std::thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(std::time::Duration::from_millis(20));
                }
            }
        }
    })
}

/// Makes batch `batch_index` the next one `nb_cursor_next` returns;
/// `batch_index == n_batches` ends the walk.
///
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` past the end;
///         `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_POISONED`.
///
/// **Lifetime:** invalidates the batch last returned.
/// **Thread safety:** must not be called on one cursor from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_seek(cursor: *mut nb_cursor, batch_index: u64) -> nb_status {
    ffi_status!({
        let mut c = unsafe { borrow_mut(cursor, "cursor")? };
        c.inner.seek(batch_index)?;
        c.batch = nb_batch::empty();
        Ok(NB_STATUS_OK)
    })
}

/// Number of batches of the cursor's traversal; 0 for a NULL or poisoned cursor.
///
/// **Thread safety:** must not be called on one cursor from two threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_n_batches(cursor: *const nb_cursor) -> u64 {
    ffi_boundary!(0, { unsafe { borrow(cursor, "cursor") }.map_or(0, |c| c.inner.plan().n_batches) })
}

/// Frees a cursor and the batch it lent. NULL is a no-op; freeing twice is
/// undefined behaviour.
///
/// **Ownership:** C code must consider `cursor` unusable after this call.
/// **Thread safety:** no other thread may use `cursor` during or after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_cursor_free(cursor: *mut nb_cursor) {
    ffi_boundary!((), { unsafe { free(cursor) } })
}
