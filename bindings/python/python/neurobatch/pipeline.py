"""BatchPipeline and PipedTransformation: YASS's
``yass.batch.pipeline`` on the neurobatch library."""

import logging
import os

from . import _args, _native
from ._errors import InvalidArgumentError, NoResultError
from ._progress import progress_for

logger = logging.getLogger(__name__)


class PipedTransformation:
    """One step of a :class:`BatchPipeline`, as YASS's.

    Parameters
    ----------
    function: callable
        Called as ``function(batch, **kwargs)``.
    output_name: str
        The step's output file, in the pipeline's output folder.
    mode: 'single_channel_one_batch', 'single_channel' or 'multi_channel'
        One batch per channel (all its observations), one channel per batch
        split to respect max_memory, or batches of every channel.
    keep: bool
        False: the output is deleted once the next step has read it (the
        last step's output is always kept).
    if_file_exists: 'overwrite', 'abort' or 'skip'
    cast_dtype: str, optional
    **kwargs: passed to ``function``.
    """

    def __init__(self, function, output_name, mode, keep=False, if_file_exists="overwrite",
                 cast_dtype=None, **kwargs):
        self.function = function
        self.output_name = output_name
        self.mode = mode
        self._keep = keep
        self.if_file_exists = if_file_exists
        self.cast_dtype = cast_dtype
        self.kwargs = kwargs

    @property
    def keep(self):
        return self._keep


class BatchPipeline:
    """Chains transformations on one recording, each step reading the
    previous step's output (through its sidecar), as YASS's.

    Parameters (YASS's, in YASS's order)
    ----------
    path_to_input, dtype, n_channels, data_order:
        The input, as :class:`RecordingsReader` (missing values from its sidecar).
    max_memory: int or str
    output_path: str
        The folder every step writes its output to (it must exist).
    from_time, to_time, channels:
        The first step's time range and channels (later steps read their
        input whole).

    Keyword-only (beyond YASS): ``data_format``, ``loader``,
    ``show_progress_bar``, ``processes`` (worker threads of every step).
    """

    def __init__(self, path_to_input, dtype=None, n_channels=None, data_order=None, max_memory="1GB",
                 output_path=None, from_time=None, to_time=None, channels="all", *,
                 data_format=None, loader="memmap", show_progress_bar=True, processes=1):
        if output_path is None:
            raise InvalidArgumentError("output_path, the folder the steps write to, is required")
        self.path_to_input = path_to_input
        self.dtype = _args.dtype_name(dtype)
        self.n_channels = _args.count(n_channels, "n_channels")
        self.data_order = _args.data_order(data_order, data_format)
        self.max_memory = _args.human_bytes(max_memory)
        self.output_path = output_path
        self.from_time = from_time
        self.to_time = to_time
        self.channels = channels
        self.loader = loader
        self.show_progress_bar = show_progress_bar
        self.processes = processes
        self.tasks = []

    def add(self, tasks):
        """Appends steps (a list of PipedTransformation)."""
        self.tasks.extend(tasks)

    def run(self):
        """Runs every step. Returns ``(output_paths, params)``: each step's
        output path (a path is listed even when ``keep=False`` removed the
        file) and its parameters (dtype, n_channels, data_order). Every
        step's arguments are checked before the first one runs."""
        if not self.tasks:
            raise InvalidArgumentError("the pipeline has no steps: add PipedTransformations first")
        n_threads = _args.processes(self.processes)
        # Which step runs: set by a step's function when first called, which
        # is before that step's first progress call (a skipped step has none).
        running = {"step": None}
        steps = []
        for k, t in enumerate(self.tasks):
            label = f"step {k + 1} of {len(self.tasks)} ({t.output_name})"
            steps.append((_step_function(t, label, running), os.fspath(t.output_name), t.mode, bool(t.keep),
                          t.if_file_exists, _args.cast_dtype(t.cast_dtype)))
        # The input's size, for the messages of the argument checks below.
        probe = _native.Reader(_args.paths(self.path_to_input), self.dtype, self.n_channels,
                               self.data_order, _args.loader(self.loader))
        n_obs, n_channels = probe.n_observations, probe.n_channels
        probe.close()
        logger.info("running %d steps on %s, writing to %s", len(self.tasks), self.path_to_input, self.output_path)
        progress = progress_for(self.show_progress_bar, logger, lambda: running["step"])
        try:
            outputs = _native.run_pipeline(
                os.fspath(self.path_to_input), steps, os.fspath(self.output_path), self.max_memory,
                dtype=self.dtype, n_channels=self.n_channels, data_order=self.data_order,
                loader=_args.loader(self.loader),
                from_time=_args.time(self.from_time, "from_time", n_obs),
                to_time=_args.time(self.to_time, "to_time", n_obs),
                channels=_args.channels(self.channels, n_channels),
                n_threads=n_threads, progress=progress)
        finally:
            if progress is not None:
                progress.close()
        paths = [os.path.join(self.output_path, t.output_name) for t in self.tasks[:len(outputs)]]
        params = [dict(dtype=o[1], n_channels=o[2], data_order=o[3]) for o, _kept in outputs]
        return paths, params


def _step_function(task, label, running):
    function, kwargs = task.function, task.kwargs

    def call(data, index, start, stop, channel, previous):
        running["step"] = label
        res = function(data, **kwargs)
        if res is None:
            raise NoResultError(f"step {task.output_name!r}: the function returned None for batch {index}; every batch needs an array; nothing was written")
        return res

    return call
