"""The exceptions the library raises.

Every error the neurobatch library reports is a :class:`neurobatch.Error`
carrying the library's message and the status the C API returns for the
same error (``status``: the ``nb_status`` value, ``status_name``: its
``NB_STATUS_`` name). Subclasses mirror the C statuses; argument errors
are also ``ValueError`` (as YASS raised), out-of-range indices also
``IndexError``, operating-system errors also ``OSError``.

Exceptions raised by your own functions (the batch function, a cleanup
function, a progress callback) are not wrapped: they propagate as they were
raised, with their traceback.
"""


class Error(Exception):
    """Base class of every error reported by the neurobatch library."""

    status = None
    status_name = None

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None and status != type(self).status:
            self.status = status
            self.status_name = _NAMES.get(status)


class InvalidArgumentError(Error, ValueError):
    """An argument is invalid (NB_STATUS_INVALID_ARGUMENT)."""

    status, status_name = -2, "NB_STATUS_INVALID_ARGUMENT"


class IoError(Error, OSError):
    """The operating system reported an error: open, read, write, rename (NB_STATUS_IO)."""

    status, status_name = -3, "NB_STATUS_IO"


class BadFileSizeError(InvalidArgumentError):
    """The file size is not a multiple of n_channels × itemsize (NB_STATUS_BAD_FILE_SIZE)."""

    status, status_name = -4, "NB_STATUS_BAD_FILE_SIZE"


class BadDtypeError(InvalidArgumentError):
    """Unknown dtype name (NB_STATUS_BAD_DTYPE)."""

    status, status_name = -5, "NB_STATUS_BAD_DTYPE"


class BadDataOrderError(InvalidArgumentError):
    """Unknown data order (NB_STATUS_BAD_DATA_ORDER)."""

    status, status_name = -6, "NB_STATUS_BAD_DATA_ORDER"


class BadMemoryError(InvalidArgumentError):
    """A max_memory value is malformed (NB_STATUS_BAD_MEMORY)."""

    status, status_name = -7, "NB_STATUS_BAD_MEMORY"


class MemoryTooSmallError(InvalidArgumentError):
    """max_memory is below one row, or below one channel with
    force_complete_channel_batch (NB_STATUS_MEMORY_TOO_SMALL)."""

    status, status_name = -8, "NB_STATUS_MEMORY_TOO_SMALL"


class BadRangeError(InvalidArgumentError, IndexError):
    """The time range is not 0 <= from_time <= to_time <= n_observations (NB_STATUS_BAD_RANGE)."""

    status, status_name = -9, "NB_STATUS_BAD_RANGE"


class BadChannelError(InvalidArgumentError, IndexError):
    """A channel index is out of range, the list is empty, or n_channels
    is below 1 (NB_STATUS_BAD_CHANNEL)."""

    status, status_name = -10, "NB_STATUS_BAD_CHANNEL"


class SidecarMissingError(InvalidArgumentError):
    """Parameters were missing and the sidecar YAML does not exist (NB_STATUS_SIDECAR_MISSING)."""

    status, status_name = -11, "NB_STATUS_SIDECAR_MISSING"


class SidecarInvalidError(InvalidArgumentError):
    """The sidecar YAML exists but cannot be used (NB_STATUS_SIDECAR_INVALID)."""

    status, status_name = -12, "NB_STATUS_SIDECAR_INVALID"


class CallbackFailedError(Error):
    """A callback failed (NB_STATUS_CALLBACK_FAILED). Python functions that
    raise propagate their own exception instead."""

    status, status_name = -15, "NB_STATUS_CALLBACK_FAILED"


class CancelledError(Error):
    """The progress callback cancelled the run; nothing was written (NB_STATUS_CANCELLED)."""

    status, status_name = -16, "NB_STATUS_CANCELLED"


class OutputExistsError(InvalidArgumentError):
    """The output exists and if_file_exists is 'abort' (NB_STATUS_FILE_EXISTS)."""

    status, status_name = -17, "NB_STATUS_FILE_EXISTS"


class ResultMismatchError(InvalidArgumentError):
    """Results disagree in dtype or column count, single-channel series
    differ in length, or a result cannot be written (NB_STATUS_RESULT_MISMATCH)."""

    status, status_name = -18, "NB_STATUS_RESULT_MISMATCH"


class BadOutputPathError(InvalidArgumentError):
    """The output path is not allowed: the input, a .yaml name, a missing
    directory... (NB_STATUS_BAD_OUTPUT_PATH)."""

    status, status_name = -19, "NB_STATUS_BAD_OUTPUT_PATH"


class NoResultError(InvalidArgumentError):
    """A function gave no result (None) where one is needed (NB_STATUS_NO_RESULT)."""

    status, status_name = -20, "NB_STATUS_NO_RESULT"


class InputChangedError(IoError):
    """The input file changed under an open reader (truncated by another
    process) (NB_STATUS_INPUT_CHANGED)."""

    status, status_name = -22, "NB_STATUS_INPUT_CHANGED"


class ShardIncompleteError(Error):
    """A sharded output is incomplete (NB_STATUS_SHARD_INCOMPLETE)."""

    status, status_name = -23, "NB_STATUS_SHARD_INCOMPLETE"


class MetadataInvalidError(InvalidArgumentError):
    """A SpikeGLX .meta or Open Ephys structure.oebin cannot be used
    (NB_STATUS_METADATA_INVALID)."""

    status, status_name = -24, "NB_STATUS_METADATA_INVALID"


class NoMetadataError(Error, LookupError):
    """A value asked for (scale to microvolts, channel kinds) is not known
    for this recording; the message says how to provide it (NB_STATUS_NO_METADATA)."""

    status, status_name = -25, "NB_STATUS_NO_METADATA"


class InternalError(Error):
    """An internal panic was caught (NB_STATUS_PANIC); please report it."""

    status, status_name = -100, "NB_STATUS_PANIC"


_CLASSES = {
    cls.status: cls
    for cls in (
        InvalidArgumentError, IoError, BadFileSizeError, BadDtypeError, BadDataOrderError,
        BadMemoryError, MemoryTooSmallError, BadRangeError, BadChannelError, SidecarMissingError,
        SidecarInvalidError, CallbackFailedError, CancelledError, OutputExistsError,
        ResultMismatchError, BadOutputPathError, NoResultError, InputChangedError,
        ShardIncompleteError, MetadataInvalidError, NoMetadataError, InternalError,
    )
}
_NAMES = {status: cls.status_name for status, cls in _CLASSES.items()}

__all__ = ["Error"] + sorted([cls.__name__ for cls in _CLASSES.values()] + ["NotFoundError", "AccessDeniedError"])


class NotFoundError(IoError, FileNotFoundError):
    """A file or folder does not exist (NB_STATUS_IO); also FileNotFoundError."""


class AccessDeniedError(IoError, PermissionError):
    """The system refused access to a file (NB_STATUS_IO); also PermissionError."""


_OS_KINDS = {"not_found": NotFoundError, "permission_denied": AccessDeniedError}


def _from_status(status, message, os_kind=None):
    """The exception for a library status (used by the native module);
    `os_kind` refines an I/O error into what Python scripts catch."""
    cls = _CLASSES.get(status, Error)
    if cls is IoError:
        cls = _OS_KINDS.get(os_kind, IoError)
    return cls(message, status)
