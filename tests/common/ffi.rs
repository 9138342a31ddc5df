//! Helpers for tests that call the C ABI as a C program would.

use std::ffi::{c_void, CStr, CString};
use std::path::Path;
use std::ptr::{null, null_mut};

use neurobatch::ffi::*;

/// This thread's last error message.
pub fn last_error() -> String {
    unsafe { CStr::from_ptr(nb_last_error_message()) }.to_string_lossy().into_owned()
}

/// A path as the C API takes it.
pub fn c_path(p: &Path) -> CString {
    CString::new(p.as_os_str().as_encoded_bytes()).unwrap()
}

/// A reader of `path`, parameters from its sidecar; the test frees it.
pub fn open_reader(path: &Path) -> *mut nb_reader {
    let mut r = null_mut();
    assert_eq!(unsafe { nb_reader_open(c_path(path).as_ptr(), null(), &mut r) }, NB_STATUS_OK, "{}", last_error());
    r
}

/// Batch options with the library's defaults.
pub fn batch_options() -> nb_batch_options {
    let mut o = std::mem::MaybeUninit::<nb_batch_options>::uninit();
    assert_eq!(unsafe { nb_batch_options_init(o.as_mut_ptr(), NB_BATCH_OPTIONS_VERSION) }, NB_STATUS_OK);
    unsafe { o.assume_init() }
}

/// Apply options with the library's defaults.
pub fn apply_options() -> nb_apply_options {
    let mut o = std::mem::MaybeUninit::<nb_apply_options>::uninit();
    assert_eq!(unsafe { nb_apply_options_init(o.as_mut_ptr(), NB_APPLY_OPTIONS_VERSION) }, NB_STATUS_OK);
    unsafe { o.assume_init() }
}

/// An apply callback whose result is the batch itself.
pub unsafe extern "C" fn copy_batch(b: *const nb_batch, _prev: *const nb_result_view, out: *mut nb_result_slot, _user: *mut c_void) -> i32 {
    let b = unsafe { &*b };
    unsafe { nb_result_slot_set(out, b.dtype, b.n_rows, b.n_channels, b.layout, b.data) }
}
