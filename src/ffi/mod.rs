//! The C ABI. Every file here only converts between C and the safe core:
//! one file per C type, helpers in this module, `handle` and `error`.
//!
//! Every exported function runs inside one panic boundary ([`ffi_status!`] or
//! [`ffi_boundary!`]); a panic becomes `NB_STATUS_PANIC` and never unwinds into C.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // the safety contract is the C documentation

/// Runs `$body` and turns a panic into the last error and `$on_panic`.
macro_rules! ffi_boundary {
    ($on_panic:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(payload) => {
                $crate::ffi::error::set_panic(payload);
                $on_panic
            }
        }
    };
}

/// For functions returning `nb_status`: `$body` yields `Result<nb_status, Fail>`;
/// an error is recorded as the thread's last error and its status returned.
macro_rules! ffi_status {
    ($body:block) => {
        ffi_boundary!($crate::ffi::status::NB_STATUS_PANIC, {
            let result: ::std::result::Result<$crate::ffi::status::nb_status, $crate::ffi::error::Fail> = (|| $body)();
            $crate::ffi::error::finish(result)
        })
    };
}

pub mod apply;
pub mod batch;
pub mod channel_kind;
pub mod cursor;
pub mod dtype;
pub mod error;
pub(crate) mod handle;
pub mod pipeline;
pub mod memory;
pub mod options;
pub mod reader;
pub mod result;
pub mod results;
pub mod shard;
pub mod sidecar;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod version;
pub mod writer;

use std::ffi::{c_char, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::ffi::error::Fail;

/// A NUL-terminated path argument (bytes, as the OS takes them).
pub(crate) unsafe fn path_arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a Path, Fail> {
    Ok(Path::new(OsStr::from_bytes(unsafe { cstr_arg(p, name)? }.to_bytes())))
}

/// A NUL-terminated string argument.
pub(crate) unsafe fn cstr_arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a CStr, Fail> {
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    Ok(unsafe { CStr::from_ptr(p) })
}

/// Checks an out-pointer before any work, so failures never half-write.
pub(crate) fn out_arg<'a, T>(p: *mut T, name: &'static str) -> Result<&'a mut std::mem::MaybeUninit<T>, Fail> {
    // SAFETY: non-null out-pointers point to writable storage for one T (C contract);
    // MaybeUninit never reads it.
    unsafe { p.cast::<std::mem::MaybeUninit<T>>().as_mut() }.ok_or(Fail::Null(name))
}

/// `[ptr, ptr + len)` as a slice; NULL is allowed only with `len == 0`.
pub(crate) unsafe fn slice_arg<'a, T>(p: *const T, len: usize, name: &'static str) -> Result<&'a [T], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Writes a string with the snprintf contract: copies at most `len - 1` bytes
/// plus a NUL when `buf` is non-NULL, and returns the full length.
pub(crate) unsafe fn copy_out_str(text: &[u8], buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let n = text.len().min(len - 1);
        let dst = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
        dst[..n].copy_from_slice(&text[..n]);
        dst[n] = 0;
    }
    text.len()
}

/// `[ptr, ptr + len)` as a mutable slice; NULL is allowed only with `len == 0`.
pub(crate) unsafe fn slice_mut_arg<'a, T>(p: *mut T, len: usize, name: &'static str) -> Result<&'a mut [T], Fail> {
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}
