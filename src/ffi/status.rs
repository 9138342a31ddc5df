//! `nb_status`: the result of every fallible function.

use std::ffi::c_char;

use neurobatch_core::error::Error;

/// Result of every fallible `nb_` function: `NB_STATUS_OK` (0), a small
/// positive non-error outcome, or a negative error. Values are stable: they
/// are never renumbered, and retired values are never reused. Text for each
/// value comes from `nb_status_str`; details of the last error on this thread
/// from `nb_last_error_message`.
pub type nb_status = i32;

/// Success.
pub const NB_STATUS_OK: nb_status = 0;
/// The cursor has returned every batch (not an error; returned forever after).
pub const NB_STATUS_DONE: nb_status = 1;
/// A callback asked to stop early (not an error).
pub const NB_STATUS_STOPPED: nb_status = 2;
/// A following cursor's next complete batch is not on disk yet (not an
/// error: call again later).
pub const NB_STATUS_NOT_YET: nb_status = 3;
/// A required pointer argument was NULL.
pub const NB_STATUS_NULL_ARGUMENT: nb_status = -1;
/// An argument is invalid in a way no more specific status describes.
pub const NB_STATUS_INVALID_ARGUMENT: nb_status = -2;
/// The operating system reported an error (open, read, write, rename, ...).
pub const NB_STATUS_IO: nb_status = -3;
/// The file size is not a multiple of n_channels × itemsize.
pub const NB_STATUS_BAD_FILE_SIZE: nb_status = -4;
/// Unknown dtype name or value.
pub const NB_STATUS_BAD_DTYPE: nb_status = -5;
/// Unknown data order name or value.
pub const NB_STATUS_BAD_DATA_ORDER: nb_status = -6;
/// A max_memory string is malformed.
pub const NB_STATUS_BAD_MEMORY: nb_status = -7;
/// max_memory is below one row (or one channel, with force_complete_channel_batch).
pub const NB_STATUS_MEMORY_TOO_SMALL: nb_status = -8;
/// The time range is not 0 <= from_time <= to_time <= n_observations.
pub const NB_STATUS_BAD_RANGE: nb_status = -9;
/// A channel index is out of range, the list is empty, or n_channels is 0.
pub const NB_STATUS_BAD_CHANNEL: nb_status = -10;
/// Parameters were missing and the sidecar YAML does not exist.
pub const NB_STATUS_SIDECAR_MISSING: nb_status = -11;
/// The sidecar YAML exists but cannot be used.
pub const NB_STATUS_SIDECAR_INVALID: nb_status = -12;
/// A caller buffer is too small; the needed size was written to the size out-parameter.
pub const NB_STATUS_BUFFER_TOO_SMALL: nb_status = -13;
/// An options struct has a version this library does not know.
pub const NB_STATUS_BAD_VERSION: nb_status = -14;
/// A callback returned a negative value; it is in `*out_cb_value`. Nothing was written.
pub const NB_STATUS_CALLBACK_FAILED: nb_status = -15;
/// The progress callback cancelled the run. Nothing was written.
pub const NB_STATUS_CANCELLED: nb_status = -16;
/// The output exists and if_file_exists is `NB_IF_FILE_EXISTS_ABORT`.
pub const NB_STATUS_FILE_EXISTS: nb_status = -17;
/// Results disagree in dtype or column count, or single-channel series differ in length.
pub const NB_STATUS_RESULT_MISMATCH: nb_status = -18;
/// The output path is not allowed (the input, a `.yaml` name, a missing directory, ...).
pub const NB_STATUS_BAD_OUTPUT_PATH: nb_status = -19;
/// A callback returned 0 without setting a result.
pub const NB_STATUS_NO_RESULT: nb_status = -20;
/// A handle argument is not a live object of the expected type (a handle
/// of another type, or one already freed). Detection is best effort: it
/// never makes passing such a pointer defined behaviour.
pub const NB_STATUS_BAD_HANDLE: nb_status = -21;
/// The input file changed under an open reader: it is now shorter than the
/// observations being read (truncated by another process).
pub const NB_STATUS_INPUT_CHANGED: nb_status = -22;
/// Finishing a sharded output found a shard missing, incomplete or
/// inconsistent with the others; nothing was published.
pub const NB_STATUS_SHARD_INCOMPLETE: nb_status = -23;
/// A SpikeGLX `.meta` or Open Ephys `structure.oebin` file cannot be used;
/// the message names the file, the key and what was expected.
pub const NB_STATUS_METADATA_INVALID: nb_status = -24;
/// The value asked for (sampling rate, scale to microvolts) is not known
/// for this recording; the message says how to provide it.
pub const NB_STATUS_NO_METADATA: nb_status = -25;
/// The handle is in use by a call that is still running (another thread's,
/// or the call whose callback is running now), and this call would conflict
/// with it. Freeing such a handle is not an error: it is freed when that call returns.
pub const NB_STATUS_BUSY: nb_status = -26;
/// An internal panic was caught; the handle involved is now poisoned.
pub const NB_STATUS_PANIC: nb_status = -100;
/// The handle was poisoned by an earlier panic; free it.
pub const NB_STATUS_POISONED: nb_status = -101;

/// Static text for a status value; never NULL, never freed.
///
/// @param[in] status any integer; unknown values give "unknown status".
/// @return a static NUL-terminated English description.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn nb_status_str(status: nb_status) -> *const c_char {
    let text: &'static [u8] = match status {
        NB_STATUS_OK => b"ok\0",
        NB_STATUS_DONE => b"done: no more batches\0",
        NB_STATUS_STOPPED => b"stopped by the callback\0",
        NB_STATUS_NOT_YET => b"not yet: the next batch is not on disk yet\0",
        NB_STATUS_NULL_ARGUMENT => b"a required pointer argument was NULL\0",
        NB_STATUS_INVALID_ARGUMENT => b"invalid argument\0",
        NB_STATUS_IO => b"input/output error\0",
        NB_STATUS_BAD_FILE_SIZE => b"file size does not match dtype and channel count\0",
        NB_STATUS_BAD_DTYPE => b"unknown dtype\0",
        NB_STATUS_BAD_DATA_ORDER => b"unknown data order\0",
        NB_STATUS_BAD_MEMORY => b"invalid max_memory\0",
        NB_STATUS_MEMORY_TOO_SMALL => b"max_memory too small\0",
        NB_STATUS_BAD_RANGE => b"invalid time range\0",
        NB_STATUS_BAD_CHANNEL => b"invalid channel selection\0",
        NB_STATUS_SIDECAR_MISSING => b"sidecar YAML missing\0",
        NB_STATUS_SIDECAR_INVALID => b"sidecar YAML invalid\0",
        NB_STATUS_BUFFER_TOO_SMALL => b"buffer too small\0",
        NB_STATUS_BAD_VERSION => b"unknown options struct version\0",
        NB_STATUS_CALLBACK_FAILED => b"callback failed\0",
        NB_STATUS_CANCELLED => b"cancelled\0",
        NB_STATUS_FILE_EXISTS => b"output file exists\0",
        NB_STATUS_RESULT_MISMATCH => b"inconsistent results\0",
        NB_STATUS_BAD_OUTPUT_PATH => b"invalid output path\0",
        NB_STATUS_NO_RESULT => b"callback set no result\0",
        NB_STATUS_BAD_HANDLE => b"not a live handle of the expected type\0",
        NB_STATUS_INPUT_CHANGED => b"input file changed while open\0",
        NB_STATUS_SHARD_INCOMPLETE => b"sharded output incomplete\0",
        NB_STATUS_METADATA_INVALID => b"recording metadata invalid\0",
        NB_STATUS_NO_METADATA => b"recording metadata not available\0",
        NB_STATUS_BUSY => b"handle in use by a running call\0",
        NB_STATUS_PANIC => b"internal panic\0",
        NB_STATUS_POISONED => b"handle poisoned by an earlier panic\0",
        _ => b"unknown status\0",
    };
    text.as_ptr().cast()
}

/// The status a core error is reported with.
pub(crate) fn status_of(e: &Error) -> nb_status {
    match e {
        Error::BadDtype(_) => NB_STATUS_BAD_DTYPE,
        Error::BadDataOrder(_) => NB_STATUS_BAD_DATA_ORDER,
        Error::BadMemory(_) => NB_STATUS_BAD_MEMORY,
        Error::MemoryTooSmall { .. } | Error::ChannelTooLarge { .. } => NB_STATUS_MEMORY_TOO_SMALL,
        Error::BadFileSize { .. } => NB_STATUS_BAD_FILE_SIZE,
        Error::BadChannelCount(_) | Error::TooManyChannels { .. } | Error::BadChannel { .. } | Error::EmptyChannels => NB_STATUS_BAD_CHANNEL,
        Error::BadRange { .. } => NB_STATUS_BAD_RANGE,
        Error::SidecarMissing { .. } => NB_STATUS_SIDECAR_MISSING,
        Error::SidecarInvalid { .. } => NB_STATUS_SIDECAR_INVALID,
        Error::Io { .. } => NB_STATUS_IO,
        Error::InputChanged { .. } => NB_STATUS_INPUT_CHANGED,
        Error::InvalidArgument(_) => NB_STATUS_INVALID_ARGUMENT,
        Error::BadOutputPath { .. } => NB_STATUS_BAD_OUTPUT_PATH,
        Error::FileExists(_) => NB_STATUS_FILE_EXISTS,
        Error::ResultMismatch(_) => NB_STATUS_RESULT_MISMATCH,
        Error::CallbackFailed { .. } => NB_STATUS_CALLBACK_FAILED,
        Error::Cancelled { .. } => NB_STATUS_CANCELLED,
        Error::NoResult { .. } => NB_STATUS_NO_RESULT,
        Error::Panic(_) => NB_STATUS_PANIC,
        Error::ShardIncomplete(_) => NB_STATUS_SHARD_INCOMPLETE,
        Error::MetadataInvalid { .. } => NB_STATUS_METADATA_INVALID,
        Error::NoMetadata(_) => NB_STATUS_NO_METADATA,
    }
}
