//! `nb_if_file_exists`: what to do when an output exists.

use std::ffi::c_char;

use crate::ffi::error::Fail;
use crate::ffi::status::*;
use crate::ffi::{cstr_arg, out_arg};
use neurobatch_core::output::IfExists;

/// What to do when the output exists (one of the `NB_IF_FILE_EXISTS_` constants).
pub type nb_if_file_exists = i32;
/// Replace it once the new output is complete. The default.
pub const NB_IF_FILE_EXISTS_OVERWRITE: nb_if_file_exists = 0;
/// Fail with `NB_STATUS_FILE_EXISTS` before anything runs; nothing is touched.
pub const NB_IF_FILE_EXISTS_ABORT: nb_if_file_exists = 1;
/// Run nothing; report the existing output's parameters from its sidecar
/// (`NB_STATUS_SIDECAR_MISSING` when the sidecar is missing).
pub const NB_IF_FILE_EXISTS_SKIP: nb_if_file_exists = 2;

pub(crate) fn if_exists_from_c(v: nb_if_file_exists) -> Result<IfExists, Fail> {
    match v {
        NB_IF_FILE_EXISTS_OVERWRITE => Ok(IfExists::Overwrite),
        NB_IF_FILE_EXISTS_ABORT => Ok(IfExists::Abort),
        NB_IF_FILE_EXISTS_SKIP => Ok(IfExists::Skip),
        _ => Err(Fail::Invalid(format!("if_file_exists = {v} is not an nb_if_file_exists: expected NB_IF_FILE_EXISTS_OVERWRITE (0), _ABORT (1) or _SKIP (2)"))),
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
