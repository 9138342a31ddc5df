//! The C ABI. Every file here only converts between C and the safe core:
//! one file per C type, helpers in this module, `handle` and `error`.
//!
//! Every exported function runs inside one panic boundary ([`ffi_status!`] or
//! [`ffi_boundary!`]); a panic becomes `NB_STATUS_PANIC` and never unwinds into C.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // the safety contract is the C documentation

/// Runs `$body` and turns a panic into the last error and `$on_panic`.
/// The library's panics are never printed (see `error::quiet_library_panics`).
macro_rules! ffi_boundary {
    ($on_panic:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
            $crate::ffi::error::quiet_library_panics();
            let _inside = ::neurobatch_core::panic_scope::enter();
            $body
        })) {
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
            // The closure gives `?` in the body a function to return from.
            #[allow(clippy::redundant_closure_call)]
            let result: ::std::result::Result<$crate::ffi::status::nb_status, $crate::ffi::error::Fail> = (|| $body)();
            $crate::ffi::error::finish(result)
        })
    };
}

// One file per C type, in the order the header presents them.
pub mod version;
pub mod status;
pub mod error;
pub mod dtype;
pub mod data_order;
pub mod layout;
pub mod channel_kind;
pub mod max_memory;
pub mod sidecar;
pub mod loader;
pub mod open_options;
pub mod reader;
pub mod batch_options;
pub mod batch;
pub mod cursor;
pub mod if_file_exists;
pub mod apply_options;
pub mod result_view;
pub mod result_slot;
pub mod result_list;
pub mod callbacks;
pub mod writer;
pub mod pipeline;
pub mod shard;
pub(crate) mod handle;
pub(crate) mod versioned;
#[cfg(feature = "testing")]
pub mod testing;

// Every C item under one path, for Rust code that calls the C ABI (tests, benches).
pub use self::{
    apply_options::*, batch::*, batch_options::*, callbacks::*, channel_kind::*, cursor::*, data_order::*, dtype::*, error::*, if_file_exists::*, layout::*,
    loader::*, max_memory::*, open_options::*, pipeline::*, reader::*, result_list::*, result_slot::*, result_view::*, shard::*, sidecar::*, status::*,
    version::*, writer::*,
};

use std::ffi::{c_char, CStr};
use std::path::PathBuf;

use crate::ffi::error::Fail;

/// A NUL-terminated path argument: bytes on Unix, UTF-8 on Windows (see
/// `neurobatch_core::platform::path_from_bytes`).
pub(crate) unsafe fn path_arg(p: *const c_char, name: &'static str) -> Result<PathBuf, Fail> {
    let bytes = unsafe { cstr_arg(p, name)? }.to_bytes();
    neurobatch_core::platform::path_from_bytes(bytes).map_err(|why| Fail::Invalid(format!("{name} {why}")))
}

/// An optional NUL-terminated string argument (NULL: none).
pub(crate) unsafe fn optional_str(p: *const c_char, name: &'static str) -> Result<Option<String>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    Ok(Some(unsafe { cstr_arg(p, name)? }.to_string_lossy().into_owned()))
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
/// A truncated copy of UTF-8 text ends at a character boundary, so the
/// caller never gets half a character (invalid UTF-8).
pub(crate) unsafe fn copy_out_str(text: &[u8], buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let mut n = text.len().min(len - 1);
        if n < text.len() {
            // Back off over continuation bytes (10xxxxxx) to the start of a character.
            while n > 0 && text[n] & 0xC0 == 0x80 {
                n -= 1;
            }
        }
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
