"""neurobatch.Error and its subclasses mirror the C API's statuses."""

import os
import re

import pytest

import neurobatch
from neurobatch import _errors

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "include", "neurobatch.h")


def test_statuses_match_the_c_header():
    """Every class's status is the value the C header gives its name."""
    with open(HEADER) as f:
        defined = dict((name, int(value)) for name, value in re.findall(r"#define (NB_STATUS_\w+) (-?\d+)", f.read()))
    assert defined, "no NB_STATUS_ constants found in the header"
    classes = [getattr(neurobatch, n) for n in neurobatch.__all__ if n.endswith("Error") and n != "Error"]
    # one class a status, and two refinements of NB_STATUS_IO (FileNotFoundError, PermissionError)
    assert len(classes) == 24
    for cls in classes:
        assert issubclass(cls, neurobatch.Error)
        assert defined[cls.status_name] == cls.status, cls


def test_python_families():
    assert issubclass(neurobatch.InvalidArgumentError, ValueError)
    assert issubclass(neurobatch.BadRangeError, IndexError) and issubclass(neurobatch.BadRangeError, ValueError)
    assert issubclass(neurobatch.BadChannelError, IndexError)
    assert issubclass(neurobatch.IoError, OSError) and issubclass(neurobatch.InputChangedError, OSError)
    assert issubclass(neurobatch.NotFoundError, FileNotFoundError) and issubclass(neurobatch.AccessDeniedError, PermissionError)
    assert neurobatch.NotFoundError.status == neurobatch.IoError.status == -3
    assert issubclass(neurobatch.NoMetadataError, LookupError)
    assert not issubclass(neurobatch.CancelledError, ValueError)


def test_errors_carry_message_and_status(tmp_path):
    with pytest.raises(neurobatch.Error) as e:
        neurobatch.RecordingsReader(tmp_path / "missing.bin", "int16", 4, "samples")
    err = e.value
    # an I/O error, and what Python scripts catch for a missing file
    assert type(err) is neurobatch.NotFoundError
    assert isinstance(err, neurobatch.IoError) and isinstance(err, FileNotFoundError)
    assert err.status == -3 and err.status_name == "NB_STATUS_IO"
    assert err.message == str(err) and "does not exist" in err.message
    # an unknown status still makes an Error carrying it
    odd = _errors._from_status(-77, "from a newer library")
    assert type(odd) is neurobatch.Error and odd.status == -77 and str(odd) == "from a newer library"
