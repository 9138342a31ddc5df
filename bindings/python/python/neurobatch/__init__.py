"""neurobatch: read huge multi-channel binary recordings (Neuropixels:
int16, 385 channels, hundreds of GB) in memory-bounded batches, with YASS's
``yass.batch`` API, name for name. A YASS user changes one import::

    from yass.batch import BatchProcessor, RecordingsReader   # before
    from neurobatch import BatchProcessor, RecordingsReader   # after

See docs/python.md for the mapping, the differences from YASS (its bugs
fixed), threads and the GIL, and which arrays are copies.
"""

from ._args import human_bytes
from ._errors import *  # noqa: F401,F403  (the exception classes)
from ._errors import __all__ as _error_names
from .batch import Batches, BatchProcessor
from .pipeline import BatchPipeline, PipedTransformation
from .reader import RecordingsReader

__version__ = "0.1.0"

__all__ = ["RecordingsReader", "BatchProcessor", "BatchPipeline", "PipedTransformation", "Batches",
           "human_bytes"] + list(_error_names)
