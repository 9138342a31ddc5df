"""RecordingsReader: YASS's ``yass.batch.RecordingsReader`` on the
neurobatch library."""

import numpy as np

from . import _args, _native
from ._errors import BadChannelError, BadRangeError, InvalidArgumentError, NoMetadataError

# Stepped row slices up to this step read the span once and keep every
# step-th row; larger steps read row by row.
_SPAN_STEP = 16


class RecordingsReader:
    """A multi-channel recording on disk, indexed ``reader[observations, channels]``
    whatever the file order, as YASS's ``RecordingsReader``.

    Parameters (YASS's, in YASS's order)
    ----------
    path_to_recordings: str or path, or a list of them
        A headerless binary file (parameters from the arguments or its YAML
        sidecar), a SpikeGLX ``.bin`` (with its ``.meta``), an Open Ephys
        ``structure.oebin`` or ``continuous.dat``; a list is one recording
        made of several files in time order.
    dtype: str or numpy dtype, optional
    n_channels: int, optional
    data_order: 'samples' (alias 'long') or 'channels' (alias 'wide'), optional
        Missing values come from the sidecar ``<name>.yaml``; given values win.
    loader: 'memmap', 'array', 'python' (YASS's), 'pread' or 'mmap'
        How bytes come from the file; every loader gives the same values.
        'memmap' and 'mmap' map only the range read (and unmap it after);
        the others read with pread.
    buffer_size: int
        Indexing returns this many extra observations before and after the
        rows asked for, zeros beyond the recording's edges.
    return_data_index: bool
        Indexing returns ``(data, index)``, ``index`` locating the rows asked
        for inside ``data`` (YASS's ``idx_local``).

    Keyword-only (beyond YASS): ``data_format`` (YASS's old name of
    data_order, used by its docs' examples), ``sampling_rate`` (Hz, over the
    metadata), ``stream`` (Open Ephys: a stream's index or name).

    The reader holds the file open until ``close()`` (or the end of a
    ``with`` block); reads release the GIL, so threads may read in parallel.
    """

    def __init__(self, path_to_recordings, dtype=None, n_channels=None, data_order=None,
                 loader="memmap", buffer_size=0, return_data_index=False, *,
                 data_format=None, sampling_rate=None, stream=None):
        self._native = _native.Reader(
            _args.paths(path_to_recordings),
            dtype=_args.dtype_name(dtype),
            n_channels=_args.count(n_channels, "n_channels"),
            data_order=_args.data_order(data_order, data_format),
            loader=_args.loader(loader),
            sampling_rate=sampling_rate,
            stream=stream,
        )
        self.buffer_size = _args.count(buffer_size, "buffer_size")
        self.return_data_index = bool(return_data_index)

    # --- YASS's properties ------------------------------------------------
    @property
    def shape(self):
        """Data shape in (observations, channels) format."""
        return (self._native.n_observations, self._native.n_channels)

    @property
    def observations(self):
        """Number of observations."""
        return self._native.n_observations

    @property
    def channels(self):
        """Number of channels."""
        return self._native.n_channels

    @property
    def data_order(self):
        """'samples' or 'channels' (the file's order)."""
        return self._native.data_order

    @property
    def dtype(self):
        """numpy's dtype of the values."""
        return np.dtype(self._native.dtype)

    @property
    def data(self):
        """The file as a read-only ``numpy.memmap`` in (observations, channels)
        orientation (a transposed view for 'channels' order), as YASS's
        ``data``. Not available for a recording in several files."""
        paths = self._native.paths
        if len(paths) > 1:
            raise InvalidArgumentError(f"a recording made of {len(paths)} files has no single numpy array: index the reader instead")
        n_obs, n_ch = self.shape
        if n_obs == 0:
            return np.empty((0, n_ch), self.dtype)
        if self.data_order == "samples":
            return np.memmap(paths[0], dtype=self.dtype, mode="r", shape=(n_obs, n_ch))
        return np.memmap(paths[0], dtype=self.dtype, mode="r", shape=(n_ch, n_obs)).T

    # --- beyond YASS ------------------------------------------------------
    @property
    def n_observations(self):
        return self._native.n_observations

    @property
    def n_channels(self):
        return self._native.n_channels

    @property
    def path(self):
        """The data file (the first file of a session)."""
        return self._native.path

    @property
    def paths(self):
        """Every data file, in time order."""
        return self._native.paths

    @property
    def format(self):
        """Where the parameters came from: 'raw', 'spikeglx' or 'openephys'."""
        return self._native.format

    @property
    def loader(self):
        """'pread' or 'mmap'."""
        return self._native.loader

    @property
    def sampling_rate(self):
        """Samples per second (Hz), or None when unknown."""
        return self._native.sampling_rate

    @property
    def duration(self):
        """Seconds, or None when the sampling rate is unknown."""
        rate = self.sampling_rate
        return None if rate is None else self.n_observations / rate

    @property
    def scales_uv(self):
        """Microvolts per count of every channel (float64 array; 1 for digital
        words), or None when the metadata gives none (raw files)."""
        s = self._native.scales_uv
        return None if s is None else np.asarray(s, dtype=np.float64)

    @property
    def channel_kinds(self):
        """What each channel holds: 'neural', 'neural_ap', 'neural_lf',
        'analog', 'digital' or 'unknown'; None when the metadata does not say."""
        return self._native.channel_kinds

    @property
    def neural_channels(self):
        """Indices of the channels recorded from electrodes (kinds 'neural',
        'neural_ap', 'neural_lf'), or None when the kinds are unknown."""
        kinds = self.channel_kinds
        if kinds is None:
            return None
        return [i for i, k in enumerate(kinds) if k.startswith("neural")]

    def require_scales_uv(self):
        """``scales_uv``, or :class:`NoMetadataError` saying why there are none."""
        s = self.scales_uv
        if s is None:
            raise NoMetadataError(self._native.scales_uv_missing)
        return s

    def require_channel_kinds(self):
        """``channel_kinds``, or :class:`NoMetadataError` saying why they are unknown."""
        k = self.channel_kinds
        if k is None:
            raise NoMetadataError(self._native.channel_kinds_missing)
        return k

    def read(self, from_time=None, to_time=None, channels="all", buffer=0, microvolts=False):
        """Observations ``[from_time, to_time)`` of ``channels`` as a new
        ``(observations, channels)`` array, with ``buffer`` extra rows before
        and after (zeros beyond the edges). The library writes straight into
        the array (no copy) with the GIL released. ``microvolts=True`` gives
        float32 microvolts (SpikeGLX, Open Ephys)."""
        n_obs = self.n_observations
        start = _args.time(from_time, "from_time", n_obs)
        stop = _args.time(to_time, "to_time", n_obs)
        return self._native.read(
            0 if start is None else start,
            n_obs if stop is None else stop,
            _args.channels(channels, self.n_channels),
            _args.count(buffer, "buffer"),
            bool(microvolts),
        )

    # --- indexing -----------------------------------------------------------
    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key, slice(None))
        if len(key) != 2:
            raise IndexError(f"a recording is indexed [observations, channels]: got {len(key)} indices")
        rows, cols = key
        n_obs, n_ch = self.shape
        chans, one_channel = _channel_key(cols, n_ch)
        if self.buffer_size:
            if not isinstance(rows, slice) or rows.step not in (None, 1):
                raise IndexError("with buffer_size, observations must be a slice with step 1, e.g. reader[1000:2000, :]")
            start, stop, _ = rows.indices(n_obs)
            stop = max(start, stop)
            data = self._read(start, stop, chans, self.buffer_size)
            data = data[:, 0] if one_channel else data
            if self.return_data_index:
                return data, (slice(self.buffer_size, stop - start + self.buffer_size, None), slice(None, None, None))
            return data
        data, one_row, n_rows, step = self._rows(rows, chans, n_obs)
        if one_channel:
            data = data[..., 0]
            if data.ndim == 0:
                data = data[()]
        if self.return_data_index:
            return data, (slice(0, n_rows, step), slice(None, None, None))
        return data

    def _read(self, start, stop, chans, buffer=0):
        if chans == []:
            # numpy gives (rows, 0) for an empty channel selection; the library refuses one
            return np.empty((stop - start + 2 * buffer, 0), self.dtype)
        return self._native.read(start, stop, chans, buffer, False)

    def _rows(self, rows, chans, n_obs):
        """(data, single row?, rows selected, step) for a row key."""
        i = _args.index(rows)
        if i is not None:
            if not -n_obs <= i < n_obs:
                raise BadRangeError(f"observation {i} is out of range: the recording has {n_obs} observations")
            i %= n_obs
            return self._read(i, i + 1, chans)[0], True, 1, None
        if isinstance(rows, slice):
            start, stop, step = rows.indices(n_obs)
            if step == 1:
                return self._read(start, max(start, stop), chans), False, max(0, stop - start), rows.step
            picked = range(start, stop, step)
            if len(picked) == 0:
                return self._read(0, 0, chans), False, 0, rows.step
            lo, hi = min(picked), max(picked) + 1
            if abs(step) <= _SPAN_STEP:
                span = self._read(lo, hi, chans)
                return np.ascontiguousarray(span[np.asarray(picked) - lo]), False, len(picked), rows.step
            return self._take(list(picked), chans), False, len(picked), rows.step
        try:
            arr = np.asarray(rows)
        except Exception:
            arr = None
        if arr is None or arr.ndim != 1 or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            raise IndexError(f"observations {rows!r}: expected an integer, a slice, or a sequence of integers or booleans")
        if arr.dtype == bool:
            if arr.size != n_obs:
                raise IndexError(f"a boolean observation mask has {arr.size} values; the recording has {n_obs} observations")
            arr = np.flatnonzero(arr)
        arr = arr.astype(np.int64)
        bad = arr[(arr < -n_obs) | (arr >= n_obs)]
        if bad.size:
            raise BadRangeError(f"observation {int(bad[0])} is out of range: the recording has {n_obs} observations")
        return self._take(list(arr % max(n_obs, 1)), chans), False, len(arr), None

    def _take(self, picked, chans):
        """Rows `picked` (any order, repeats allowed), reading each run of
        consecutive observations once."""
        if not picked:
            return self._read(0, 0, chans)
        wanted = np.asarray(picked, dtype=np.int64)
        unique = np.unique(wanted)
        breaks = np.flatnonzero(np.diff(unique) != 1) + 1
        runs = np.split(unique, breaks)
        blocks = [self._read(int(r[0]), int(r[-1]) + 1, chans) for r in runs]
        stacked = np.concatenate(blocks, axis=0)
        return stacked[np.searchsorted(unique, wanted)]

    def __len__(self):
        return self.n_observations

    def __repr__(self):
        return ('Reader for recordings with {:,} observations and {:,} channels in "{}" format'
                .format(self.observations, self.channels, self.data_order))

    # --- lifetime -------------------------------------------------------------
    def close(self):
        """Closes the file (once no traversal still uses it); later use raises."""
        self._native.close()

    @property
    def closed(self):
        return self._native.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _channel_key(cols, n_ch):
    """(channel list or None for all, whether one channel was asked as an int)."""
    if isinstance(cols, slice):
        if cols == slice(None):
            return None, False
        return list(range(*cols.indices(n_ch))), False
    i = _args.index(cols)
    if i is not None:
        return [_normalize_channel(i, n_ch)], True
    arr = np.asarray(cols)
    if arr.ndim != 1 or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise IndexError(f"channels {cols!r}: expected an integer, a slice, or a sequence of integers or booleans")
    if arr.dtype == bool:
        if arr.size != n_ch:
            raise IndexError(f"a boolean channel mask has {arr.size} values; the recording has {n_ch} channels")
        return [int(c) for c in np.flatnonzero(arr)], False
    return [_normalize_channel(int(c), n_ch) for c in arr], False


def _normalize_channel(c, n_ch):
    """numpy's meaning of negative indices (-1: the last channel)."""
    if not -n_ch <= c < n_ch:
        raise BadChannelError(f"channel {c} is out of range: the recording has {n_ch} channel(s), valid indices are 0 to {n_ch - 1}")
    return c % n_ch
