"""Shared fixtures: every test writes the recordings it reads into its own
temporary folder."""

import os

import numpy as np
import pytest


def values(n_obs, n_channels, dtype="int16"):
    """A recording whose every value says where it is: observation t of
    channel c holds (t * n_channels + c) wrapped to the dtype's range."""
    t = np.arange(n_obs, dtype=np.int64)[:, None]
    c = np.arange(n_channels, dtype=np.int64)[None, :]
    v = t * n_channels + c
    d = np.dtype(dtype)
    if d.kind in "iu" and d.itemsize < 8:
        info = np.iinfo(d)
        low = max(int(info.min), -128)
        v = v % (int(info.max) - low + 1) + low
    return v.astype(d)


def write_recording(path, data, data_order="samples", sidecar=True):
    """Writes `data` ([observations, channels]) in `data_order`, with its
    YAML sidecar unless told not to. Returns the path as a str."""
    path = os.fspath(path)
    if data_order in ("samples", "long"):
        np.ascontiguousarray(data).tofile(path)
    else:
        np.ascontiguousarray(data.T).tofile(path)
    if sidecar:
        with open(os.path.splitext(path)[0] + ".yaml", "w") as f:
            f.write(f"dtype: {data.dtype.name}\nn_channels: {data.shape[1]}\ndata_order: {data_order}\n")
    return path


@pytest.fixture
def rec(tmp_path):
    """1000 observations x 10 int16 channels in samples order, with sidecar."""
    data = values(1000, 10)
    return write_recording(tmp_path / "rec.bin", data), data


@pytest.fixture
def rec_channels(tmp_path):
    """The same values in channels order, with sidecar."""
    data = values(1000, 10)
    return write_recording(tmp_path / "wide.bin", data, "channels"), data
