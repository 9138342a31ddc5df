"""Progress bars for applies and pipelines: tqdm's, when it is installed
(as YASS showed), fed by the library's progress callback."""

try:
    from tqdm import tqdm as _tqdm
except ImportError:  # tqdm is optional
    _tqdm = None


class Progress:
    """A callable ``(done, total) -> cancel`` for the library: draws a tqdm
    bar; a pipeline's next step (done starting again) gets a new bar."""

    def __init__(self, desc=None):
        self.desc = desc
        self.bar = None
        self.last = 0

    def __call__(self, done, total):
        if self.bar is None or done < self.last:
            self.close()
            self.bar = _tqdm(total=total, desc=self.desc)
            self.last = 0
        self.bar.update(done - self.last)
        self.last = done
        return False

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def progress_for(show_progress_bar, desc=None):
    """A Progress when a bar is wanted and tqdm is installed, else None."""
    if show_progress_bar and _tqdm is not None:
        return Progress(desc)
    return None
