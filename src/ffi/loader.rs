//! `nb_loader`: how a reader gets bytes from the file.

use crate::ffi::error::Fail;
use neurobatch_core::io::Loader;

/// How the reader gets bytes from the file (one of the `NB_LOADER_` constants).
pub type nb_loader = i32;

/// Positioned reads (`pread`) into reused page-aligned buffers. The default.
pub const NB_LOADER_PREAD: nb_loader = 0;

/// Maps only the byte range each read needs and unmaps it right after. On
/// Unix, a file truncated by another process during a read raises SIGBUS;
/// Windows refuses to truncate a file while a range of it is mapped, so
/// there the other program's truncation fails instead.
pub const NB_LOADER_MMAP: nb_loader = 1;

pub(crate) fn loader_from_c(v: nb_loader, field: &str) -> Result<Loader, Fail> {
    match v {
        NB_LOADER_PREAD => Ok(Loader::Pread),
        NB_LOADER_MMAP => Ok(Loader::Mmap),
        _ => Err(Fail::Invalid(format!("{field} = {v} is not an nb_loader: expected NB_LOADER_PREAD (0) or NB_LOADER_MMAP (1)"))),
    }
}
