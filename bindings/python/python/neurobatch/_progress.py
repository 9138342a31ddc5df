"""Progress of applies and pipelines, fed by the library's progress
callback: tqdm's bars, when tqdm is installed (as YASS showed), and lines on
the ``logging`` loggers (as YASS logged): a step's start and end at INFO,
every batch at DEBUG."""

import time

try:
    from tqdm import tqdm as _tqdm
except ImportError:  # tqdm is optional
    _tqdm = None


class Progress:
    """A callable ``(done, total) -> cancel`` for the library. A pipeline's
    next step (done starting again) gets a new bar and its own log lines;
    ``name`` (a string, or a callable asked when a step starts) names it."""

    def __init__(self, log, bar, name="apply"):
        self.log = log
        self.want_bar = bar
        self.name = name
        self.current = None
        self.bar = None
        self.step = -1
        self.last = 0
        self.total = 0
        self.started = 0.0

    def __call__(self, done, total):
        # Each batch is reported once, so a count that does not grow is the
        # next step's.
        if self.step < 0 or done <= self.last:
            self._end_step()
            self.step += 1
            self.total, self.last, self.started = total, 0, time.perf_counter()
            self.current = self.name() if callable(self.name) else self.name
            self.log.info("%s: %d %s", self.current, total, "batch" if total == 1 else "batches")
            if self.want_bar:
                self.bar = _tqdm(total=total, desc=self.current if callable(self.name) else None)
        if self.bar is not None:
            self.bar.update(done - self.last)
        self.last = done
        self.log.debug("%s: batch %d of %d done", self.current, done, total)
        return False

    def _end_step(self):
        if self.step >= 0:
            self.log.info("%s: %d of %d batches done in %.2f s", self.current, self.last, self.total,
                          time.perf_counter() - self.started)
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def close(self):
        """Ends the last step's bar and log lines (also after an error)."""
        self._end_step()
        self.step = -1


def progress_for(show_progress_bar, log, name="apply"):
    """A Progress when a bar is wanted and tqdm is installed, or when `log`
    logs INFO; else None (the library then makes no progress calls)."""
    bar = bool(show_progress_bar) and _tqdm is not None
    if bar or log.isEnabledFor(20):  # logging.INFO
        return Progress(log, bar, name)
    return None
