//! Core errors as Python exceptions: the library's message, and a class of
//! the `neurobatch.Error` hierarchy chosen by the status the C API reports
//! for the same error (`neurobatch/_errors.py` holds the classes).

use neurobatch_core::Error;
use pyo3::prelude::*;

/// The `nb_status` value the C API gives this error (src/ffi/status.rs).
pub fn status_of(e: &Error) -> i32 {
    match e {
        Error::InvalidArgument(_) => -2,
        Error::Io { .. } => -3,
        Error::BadFileSize { .. } => -4,
        Error::BadDtype(_) => -5,
        Error::BadDataOrder(_) => -6,
        Error::BadMemory(_) => -7,
        Error::MemoryTooSmall { .. } | Error::ChannelTooLarge { .. } => -8,
        Error::BadRange { .. } => -9,
        Error::BadChannelCount(_) | Error::TooManyChannels { .. } | Error::BadChannel { .. } | Error::EmptyChannels => -10,
        Error::SidecarMissing { .. } => -11,
        Error::SidecarInvalid { .. } => -12,
        Error::CallbackFailed { .. } => -15,
        Error::Cancelled { .. } => -16,
        Error::FileExists(_) => -17,
        Error::ResultMismatch(_) => -18,
        Error::BadOutputPath { .. } => -19,
        Error::NoResult { .. } => -20,
        Error::InputChanged { .. } => -22,
        Error::ShardIncomplete(_) => -23,
        Error::MetadataInvalid { .. } => -24,
        Error::NoMetadata(_) => -25,
        Error::Panic(_) => -100,
    }
}

/// The exception of class `status` with `message`, made by `neurobatch._errors`.
pub fn error_with_status(py: Python<'_>, status: i32, message: &str) -> PyErr {
    error_of_kind(py, status, message, None)
}

/// As `error_with_status`; `os_kind` ("not_found", "permission_denied")
/// makes an I/O error also Python's FileNotFoundError or PermissionError.
fn error_of_kind(py: Python<'_>, status: i32, message: &str, os_kind: Option<&str>) -> PyErr {
    let made = py.import("neurobatch._errors").and_then(|m| m.getattr("_from_status")).and_then(|f| f.call1((status, message, os_kind)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

pub fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    let os_kind = match e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Some("not_found"),
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => Some("permission_denied"),
        _ => None,
    };
    error_of_kind(py, status_of(e), &e.to_string(), os_kind)
}

/// `core::Result` into `PyResult`, for use with `?`.
pub trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for neurobatch_core::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}

/// An argument error (status INVALID_ARGUMENT) with `message`.
pub fn invalid(py: Python<'_>, message: impl AsRef<str>) -> PyErr {
    error_with_status(py, -2, message.as_ref())
}
