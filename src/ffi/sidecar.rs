//! `nb_sidecar_path`.

use std::ffi::c_char;

use crate::ffi::status::*;
use crate::ffi::{copy_out_str, out_arg, path_arg};
use neurobatch_core::sidecar::sidecar_path;

/// The sidecar YAML path of a data file: its last extension replaced by
/// ".yaml" ("a/b.bin" -> "a/b.yaml", "x.dat" -> "x.yaml", "noext" -> "noext.yaml").
///
/// Two-call idiom: with `buf` NULL or too small, returns
/// `NB_STATUS_BUFFER_TOO_SMALL` and the needed size (with the NUL) in `*out_len`.
///
/// @param[in] data_path NUL-terminated path of the data file.
/// @param[out] buf destination, may be NULL when `len` is 0.
/// @param[in] len size of `buf` in bytes.
/// @param[out] out_len bytes needed including the NUL; written on OK and on
///             `NB_STATUS_BUFFER_TOO_SMALL`. May be NULL.
/// @return `NB_STATUS_OK`, `NB_STATUS_BUFFER_TOO_SMALL`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_sidecar_path(data_path: *const c_char, buf: *mut c_char, len: usize, out_len: *mut usize) -> nb_status {
    ffi_status!({
        let path = unsafe { path_arg(data_path, "data_path")? };
        let yaml = sidecar_path(&path);
        let bytes = neurobatch_core::platform::path_bytes(&yaml);
        let need = bytes.len() + 1;
        if let Ok(o) = out_arg(out_len, "out_len") {
            o.write(need);
        }
        if buf.is_null() || len < need {
            return Err(crate::ffi::error::Fail::Status(NB_STATUS_BUFFER_TOO_SMALL, format!("the sidecar path needs {need} bytes, the buffer has {len}")));
        }
        unsafe { copy_out_str(&bytes, buf, len) };
        Ok(NB_STATUS_OK)
    })
}
