"""Python argument values checked and converted for the native module.
Errors name the value and what was expected, in the library's words."""

import numbers
import operator
import os

import numpy as np

from . import _native
from ._errors import BadChannelError, BadDtypeError, BadMemoryError, BadRangeError, InvalidArgumentError


def human_bytes(size):
    """YASS's ``max_memory`` parser: an int is bytes; a string is
    ``<integer><unit>`` with unit ``B`` or none (bytes), ``K``/``KB``,
    ``M``/``MB``, ``G``/``GB`` (1024-based): ``human_bytes('300MB') == 314572800``.
    Anything else (``'1.5GB'``, ``'1kB'``, ``'1TB'``, ``''``, negatives)
    raises :class:`neurobatch.BadMemoryError` quoting the value.
    """
    if isinstance(size, bool):
        raise BadMemoryError(f"invalid max_memory {size!r}: expected a number of bytes or a string such as '300MB'")
    if isinstance(size, numbers.Integral):
        size = int(size)
        if size < 0:
            raise BadMemoryError(f"invalid max_memory '{size}': expected a non-negative integer number of bytes, optionally followed by B, K, KB, M, MB, G or GB (1024-based), e.g. '300MB'")
        return size
    if isinstance(size, str):
        return _native.parse_max_memory(size)
    raise BadMemoryError(f"invalid max_memory {size!r}: expected a number of bytes (int) or a string such as '300MB'")


LIBRARY_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64")


def dtype_name(dtype):
    """None, or the library's name of a dtype given as YASS scripts give it
    (YASS handed it to numpy): a name ('int16'), any numpy spelling ('<i2',
    'i2', 'float'), a numpy dtype or type (np.int16). A string numpy does
    not know goes to the library, whose error lists the names it takes."""
    if dtype is None or (isinstance(dtype, str) and dtype in LIBRARY_DTYPES):
        return dtype
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        if isinstance(dtype, str):
            return dtype
        raise BadDtypeError(f"unknown dtype {dtype!r}: {e}") from None
    expected = "expected one of " + ", ".join(LIBRARY_DTYPES)
    if d.byteorder == ">":
        raise BadDtypeError(f"dtype {dtype!r} is big-endian: recordings are little-endian; {expected}")
    if d.name not in LIBRARY_DTYPES:
        raise BadDtypeError(f"unknown dtype {dtype!r} (numpy's {d.name}): {expected}")
    return d.name


def data_order(data_order, data_format):
    """YASS's ``data_order`` or its legacy name ``data_format`` (the docs'
    examples pass ``data_format='wide'``); given both, they must agree."""
    if data_format is None:
        return data_order
    if data_order is None:
        return data_format
    canon = {"long": "samples", "wide": "channels"}
    if canon.get(data_order, data_order) != canon.get(data_format, data_format):
        raise InvalidArgumentError(f"data_order '{data_order}' and data_format '{data_format}' disagree; give one of them")
    return data_order


def loader(loader):
    """YASS's loaders ('memmap', 'array', 'python') and the library's
    ('pread', 'mmap'); None is the library's default."""
    return "pread" if loader is None else loader


def paths(path_to_recordings):
    """One path, or a list of paths (a session in several files)."""
    if isinstance(path_to_recordings, (list, tuple)):
        return [os.fspath(p) for p in path_to_recordings]
    return [os.fspath(path_to_recordings)]


def count(value, name):
    """A non-negative integer (buffer_size, n_channels)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} {value!r}: expected a non-negative integer")
    if value < 0:
        raise InvalidArgumentError(f"{name} {value}: expected a non-negative integer")
    return int(value)


def time(value, name, n_observations):
    """from_time / to_time: None or an integer observation."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} {value!r}: expected an integer observation index or None")
    if value < 0:
        raise BadRangeError(f"invalid {name} {value}: expected 0 <= from_time <= to_time <= n_observations = {n_observations}")
    return int(value)


def _channel(c, n_channels):
    if isinstance(c, bool) or not isinstance(c, numbers.Integral):
        raise InvalidArgumentError(f"channel {c!r}: expected an integer channel index")
    if c < 0:
        raise BadChannelError(f"channel {c} is out of range: the recording has {n_channels} channel(s), valid indices are 0 to {n_channels - 1}")
    return int(c)


def channels(value, n_channels):
    """YASS's ``channels``: 'all' (None for the library), one channel, or
    a sequence of channels (order kept, repeats allowed)."""
    if isinstance(value, str):
        if value == "all":
            return None
        raise InvalidArgumentError(f"channels '{value}': expected 'all', a channel index or a sequence of channel indices")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return [_channel(value, n_channels)]
    try:
        items = list(value)
    except TypeError:
        raise InvalidArgumentError(f"channels {value!r}: expected 'all', a channel index or a sequence of channel indices") from None
    return [_channel(c, n_channels) for c in items]


def channels_index(value, n_channels):
    """The channel part of YASS's ``idx``: slice(0, n_channels) for 'all',
    else the value given."""
    if isinstance(value, str) and value == "all":
        return slice(0, n_channels, None)
    return value


def processes(value):
    """YASS's ``processes``: an int >= 1, or 'max' (one per CPU)."""
    if value == "max":
        return os.cpu_count() or 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidArgumentError(f"processes {value!r}: expected an integer >= 1 or 'max'")
    return int(value)


def apply_mode(mode, output_path):
    if mode not in ("disk", "memory"):
        raise InvalidArgumentError(f"unknown mode {mode!r}: expected 'disk' or 'memory'")
    if mode == "disk" and output_path is None:
        raise InvalidArgumentError("output_path is required in 'disk' mode")
    return mode == "disk"


def cast_dtype(value):
    name = dtype_name(value)
    if name is not None:
        _native.check_dtype(name)
    return name


def index(value):
    """An integer index (int, numpy integer), or None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None
