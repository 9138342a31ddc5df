"""BatchProcessor: YASS's ``yass.batch.BatchProcessor`` on the neurobatch
library: the same batch plan, traversals and applies, without YASS's bugs."""

import logging
import os

from . import _args, _native
from ._errors import InvalidArgumentError, NoResultError
from ._progress import progress_for
from .reader import RecordingsReader

_EDGES = ("zeros", "reflect", "replicate")

logger = logging.getLogger(__name__)


class Batches:
    """The batches of one traversal, as an iterator (what YASS's generators
    yield). Every argument is checked, and the batches planned, when
    iteration starts (or ``len()`` is asked), before the first batch is
    read. ``close()`` (or the end of a ``with`` block, or of the
    iteration) releases the batch buffer."""

    def __init__(self, open_cursor, wrap):
        self._open_cursor = open_cursor
        self._wrap = wrap
        self._cursor = None
        self._done = False

    def _cursor_now(self):
        if self._cursor is None and not self._done:
            self._cursor = self._open_cursor()
        return self._cursor

    def __iter__(self):
        return self

    def __next__(self):
        cursor = self._cursor_now()
        item = None if cursor is None else cursor.next()
        if item is None:
            self.close()
            raise StopIteration
        return self._wrap(*item)

    def __len__(self):
        """Number of batches."""
        cursor = self._cursor_now()
        if cursor is None:
            raise InvalidArgumentError("the traversal is closed")
        return cursor.n_batches

    @property
    def n_batches(self):
        return len(self)

    @property
    def rows_per_batch(self):
        """Observations in a full batch (YASS's observations per channel per batch)."""
        cursor = self._cursor_now()
        if cursor is None:
            raise InvalidArgumentError("the traversal is closed")
        return cursor.rows_per_batch

    def close(self):
        if self._cursor is not None:
            self._cursor.close()
        self._cursor = None
        self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class BatchProcessor:
    """Batch processing of a large recording in memory-bounded batches, as
    YASS's ``BatchProcessor``.

    Parameters (YASS's, in YASS's order)
    ----------
    path_to_recordings, dtype, n_channels, data_order, loader:
        As :class:`RecordingsReader`.
    max_memory: int or str
        Bytes of one batch (buffer rows not counted, as in YASS): an int, or
        ``'{N}KB'``, ``'{N}MB'``, ``'{N}GB'`` (1024-based; see ``human_bytes``).
    buffer_size: int
        Extra observations before and after every batch (zeros beyond the
        recording's edges); also in single-channel traversals.
    show_progress_bar: bool
        A tqdm progress bar during applies (when tqdm is installed).

    Keyword-only (beyond YASS): ``data_format`` (YASS's old name of
    data_order), ``sampling_rate``, ``stream`` (as RecordingsReader);
    ``edge``: what buffer rows beyond the recording hold, 'zeros' (YASS),
    'reflect' or 'replicate'; ``microvolts``: batches are float32
    microvolts (SpikeGLX, Open Ephys).
    """

    def __init__(self, path_to_recordings, dtype=None, n_channels=None, data_order=None,
                 max_memory="1GB", buffer_size=0, loader="memmap", show_progress_bar=True, *,
                 data_format=None, sampling_rate=None, stream=None, edge="zeros", microvolts=False):
        self.reader = RecordingsReader(path_to_recordings, dtype, n_channels, data_order, loader=loader,
                                       buffer_size=buffer_size, return_data_index=True,
                                       data_format=data_format, sampling_rate=sampling_rate, stream=stream)
        self.max_memory = _args.human_bytes(max_memory)
        if edge not in _EDGES:
            raise InvalidArgumentError(f"unknown edge {edge!r}: expected 'zeros', 'reflect' or 'replicate'")
        self.edge = edge
        self.microvolts = bool(microvolts)
        self.path_to_recordings = path_to_recordings
        self.buffer_size = self.reader.buffer_size
        self.show_progress_bar = show_progress_bar
        self.loader = loader
        self.dtype = self.reader.dtype.name
        self.n_channels = self.reader.channels
        self.data_order = self.reader.data_order

    # --- traversals -----------------------------------------------------------
    def _cursor(self, from_time, to_time, channels, single, force_complete):
        n_obs = self.reader.observations
        native = self.reader._native
        return lambda: _native.Cursor(
            native, self.max_memory,
            from_time=_args.time(from_time, "from_time", n_obs),
            to_time=_args.time(to_time, "to_time", n_obs),
            channels=_args.channels(channels, self.n_channels),
            buffer=self.buffer_size, single_channel=single, force_complete=force_complete,
            edge=self.edge, microvolts=self.microvolts)

    def multi_channel(self, from_time=None, to_time=None, channels="all", return_data=True):
        """Batches of observations of every selected channel. Yields
        ``(data, idx_local, idx)``: ``data`` is ``(observations, channels)``
        buffer rows included, ``data[idx_local]`` the batch's own rows, and
        ``idx`` their absolute ``[observations, channels]`` index. With
        ``return_data=False``, yields ``idx`` only (nothing is read)."""
        b = self.buffer_size
        ch_idx = _args.channels_index(channels, self.n_channels)

        def wrap(data, index, start, stop, channel):
            idx = (slice(start, stop, None), ch_idx)
            if not return_data:
                return idx
            return data, (slice(b, b + stop - start, None), slice(None, None, None)), idx

        if not return_data:
            return _IndexOnly(self._cursor(from_time, to_time, channels, False, True), self.reader.observations,
                              from_time, to_time, wrap)
        return Batches(self._cursor(from_time, to_time, channels, False, True), wrap)

    def single_channel(self, force_complete_channel_batch=True, from_time=None, to_time=None, channels="all"):
        """Batches from one channel each (1-D arrays). With
        ``force_complete_channel_batch`` (default) one batch per selected
        channel, all of ``[from_time, to_time)`` (an error if it exceeds
        max_memory); otherwise each channel in batches of
        ``max_memory // itemsize`` observations, yielded as ``(data, channel)``."""
        force = bool(force_complete_channel_batch)

        def wrap(data, index, start, stop, channel):
            return data if force else (data, channel)

        return Batches(self._cursor(from_time, to_time, channels, True, force), wrap)

    # --- applies --------------------------------------------------------------
    def _run(self, function, call, disk, output_path, from_time, to_time, channels, single, force_complete,
             if_file_exists, n_threads, pass_previous, cast):
        n_obs = self.reader.observations
        logger.info("applying %s to %s, %s", _name(function), self.path_to_recordings,
                    f"writing {os.fspath(output_path)}" if disk else "results in memory")
        progress = progress_for(self.show_progress_bar, logger)
        try:
            out = _native.apply(
                self.reader._native, call, self.max_memory,
                from_time=_args.time(from_time, "from_time", n_obs),
                to_time=_args.time(to_time, "to_time", n_obs),
                channels=_args.channels(channels, self.n_channels),
                buffer=self.buffer_size, single_channel=single, force_complete=force_complete,
                edge=self.edge, microvolts=self.microvolts,
                output_path=os.fspath(output_path) if disk else None,
                if_file_exists=if_file_exists, n_threads=n_threads, pass_previous=pass_previous,
                progress=progress, cast_dtype=cast)
        finally:
            if progress is not None:
                progress.close()
        if disk:
            return output_path, _params(out)
        return out

    def multi_channel_apply(self, function, mode, cleanup_function=None, output_path=None,
                            from_time=None, to_time=None, channels="all", if_file_exists="overwrite",
                            cast_dtype=None, pass_batch_info=False, pass_batch_results=False,
                            processes=1, **kwargs):
        """Applies ``function(batch, **kwargs)`` to every multi-channel batch
        (``batch``: ``(observations, channels)``, buffer rows included).

        mode 'memory' returns the list of results, in batch order (with
        ``pass_batch_results``, only the last one); mode 'disk' appends each
        result to ``output_path`` ('samples' order) and returns
        ``(output_path, params)``, params being the sidecar's dtype,
        n_channels and data_order. The output and its sidecar appear only
        when every batch succeeded.

        ``cast_dtype``: results are cast (as the library casts) before
        ``cleanup_function(result, idx_local, idx, buffer_size)`` runs.
        ``pass_batch_info``: the function also gets ``idx_local=`` and
        ``idx=``. ``pass_batch_results``: it gets ``previous_batch=``, the
        previous batch's final result (None at first). ``processes``: the
        number of worker threads running the function (results and output
        identical to one).
        """
        disk = _args.apply_mode(mode, output_path)
        cast = _args.cast_dtype(cast_dtype)
        n_threads = _args.processes(processes)
        b = self.buffer_size
        ch_idx = _args.channels_index(channels, self.n_channels)

        def call(data, index, start, stop, channel, previous):
            kw = dict(kwargs)
            idx_local = (slice(b, b + stop - start, None), slice(None, None, None))
            idx = (slice(start, stop, None), ch_idx)
            if pass_batch_info:
                kw["idx_local"] = idx_local
                kw["idx"] = idx
            if pass_batch_results:
                kw["previous_batch"] = previous
            res = function(data, **kw)
            if cast is not None:
                res = _cast(res, cast)
            if cleanup_function is not None:
                res = cleanup_function(res, idx_local, idx, b)
            if disk and res is None:
                raise NoResultError(f"the function returned None for batch {index}; in 'disk' mode every batch needs an array; nothing was written")
            return res

        return self._run(function, call, disk, output_path, from_time, to_time, channels, False, True,
                         if_file_exists, n_threads, bool(pass_batch_results), cast)

    def single_channel_apply(self, function, mode, output_path=None, force_complete_channel_batch=True,
                             from_time=None, to_time=None, channels="all", if_file_exists="overwrite",
                             cast_dtype=None, **kwargs):
        """Applies ``function(series, **kwargs)`` to every single-channel
        batch (1-D). mode 'memory' returns the list of results; mode 'disk'
        writes each channel's results one after another ('channels' order:
        every channel must give the same total length) and returns
        ``(output_path, params)``."""
        disk = _args.apply_mode(mode, output_path)
        cast = _args.cast_dtype(cast_dtype)
        force = bool(force_complete_channel_batch)

        def call(data, index, start, stop, channel, previous):
            res = function(data, **kwargs)
            if cast is not None:
                res = _cast(res, cast)
            if disk and res is None:
                raise NoResultError(f"the function returned None for batch {index} (channel {channel}); in 'disk' mode every batch needs an array; nothing was written")
            return res

        return self._run(function, call, disk, output_path, from_time, to_time, channels, True, force,
                         if_file_exists, 1, False, cast)

    # --- lifetime -------------------------------------------------------------
    def close(self):
        """Closes the recording (once no traversal still uses it)."""
        self.reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _IndexOnly(Batches):
    """multi_channel(return_data=False): the plan's indexes, nothing read."""

    def __init__(self, open_cursor, n_obs, from_time, to_time, wrap):
        super().__init__(open_cursor, wrap)
        self._next = 0
        self._from = 0 if from_time is None else from_time
        self._to = n_obs if to_time is None else to_time

    def __next__(self):
        cursor = self._cursor_now()
        if cursor is None or self._next >= cursor.n_batches:
            self.close()
            raise StopIteration
        rows = cursor.rows_per_batch
        start = self._from + self._next * rows
        self._next += 1
        return self._wrap(None, self._next - 1, start, min(start + rows, self._to), None)


def _name(function):
    """A function's name for log lines: module.qualname, as YASS logged it."""
    name = getattr(function, "__qualname__", None) or repr(function)
    module = getattr(function, "__module__", None)
    return f"{module}.{name}" if module else name


def _cast(result, dtype):
    import numpy as np

    arr = np.asarray(result)
    out = _native.cast(arr, dtype)
    return out[()] if out.ndim == 0 else out


def _params(out):
    path, dtype, n_channels, data_order, n_observations, skipped = out
    return dict(dtype=dtype, n_channels=n_channels, data_order=data_order)
