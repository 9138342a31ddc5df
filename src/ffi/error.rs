//! The thread-local last error (libgit2's model).

use std::cell::RefCell;
use std::ffi::{c_char, CString};

use crate::ffi::status::*;
use neurobatch_core::error::Error;

/// Why an exported call failed, before it becomes a status and a message.
#[derive(Debug)]
pub(crate) enum Fail {
    Null(&'static str),
    Core(Error),
    Invalid(String),
    Status(nb_status, String),
    Poisoned(&'static str),
    BadHandle(String),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail::Core(e)
    }
}

impl Fail {
    pub(crate) fn status_and_message(self) -> (nb_status, String) {
        match self {
            Fail::Null(name) => (NB_STATUS_NULL_ARGUMENT, format!("{name} must not be NULL")),
            Fail::Core(e) => (status_of(&e), e.to_string()),
            Fail::Invalid(m) => (NB_STATUS_INVALID_ARGUMENT, m),
            Fail::Status(s, m) => (s, m),
            Fail::Poisoned(kind) => (NB_STATUS_POISONED, format!("this {kind} was poisoned by an earlier internal panic; free it")),
            Fail::BadHandle(m) => (NB_STATUS_BAD_HANDLE, m),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(message: String) {
    // Interior NULs would truncate the C string; show them instead.
    let c = CString::new(message.replace('\0', "\\0")).expect("NULs replaced");
    LAST_ERROR.with(|m| *m.borrow_mut() = c);
}

pub(crate) fn set_panic(payload: Box<dyn std::any::Any + Send>) {
    let text =
        payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown payload".into());
    set_last_error(format!("internal panic: {text}"));
}

/// Installs, once, a panic hook that keeps the library's own panics silent
/// (they reach the caller as `NB_STATUS_PANIC` and the last error) and
/// passes every other panic to the hook that was installed before, so the
/// host program's panics are reported as the host wants.
pub(crate) fn quiet_library_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let host = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !neurobatch_core::panic_scope::is_inside() {
                host(info)
            }
        }));
    });
}

/// Records a failure of a function that returns no status (the `_free`s).
pub(crate) fn record(fail: Fail) {
    set_last_error(fail.status_and_message().1);
}

/// Turns a body's result into the status it returns, recording the message.
pub(crate) fn finish(result: Result<nb_status, Fail>) -> nb_status {
    match result {
        Ok(status) => status,
        Err(fail) => {
            let (status, message) = fail.status_and_message();
            set_last_error(message);
            status
        }
    }
}

/// The message of the last error on the calling thread.
///
/// Read it on the same thread, immediately after the failing call: the next
/// `nb_` call on this thread may replace it. Never use it to *detect* an
/// error; the returned status says whether a call failed (libgit2's rule).
///
/// @return a NUL-terminated UTF-8 message, "" when no error was recorded on
///         this thread. Never NULL.
///
/// **Ownership:** owned by the library; do not free.
/// **Lifetime:** valid until the next `nb_` call on this thread.
/// **Thread safety:** each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn nb_last_error_message() -> *const c_char {
    ffi_boundary!(c"internal panic while reading the last error".as_ptr(), { LAST_ERROR.with(|m| m.borrow().as_ptr()) })
}

/// Copies the last error message of the calling thread into `buf`, as
/// `snprintf` does: at most `len - 1` bytes plus a terminating NUL.
///
/// @param[out] buf destination, may be NULL when `len` is 0.
/// @param[in] len size of `buf` in bytes.
/// @return the message length in bytes, without the NUL. When it is `>= len`
///         the copy was truncated; call again with a buffer of return + 1 bytes.
///
/// **Thread safety:** each thread has its own last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_last_error_copy(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary!(0, { LAST_ERROR.with(|m| unsafe { crate::ffi::copy_out_str(m.borrow().as_bytes(), buf, len) }) })
}
