"""RecordingsReader: YASS's constructor, properties and indexing."""

import os
import sys
import threading
import time

import numpy as np
import pytest

import neurobatch
from neurobatch import RecordingsReader
from conftest import values, write_recording

ORDERS = ["samples", "channels"]


@pytest.mark.parametrize("order", ORDERS)
def test_explicit_parameters_and_yass_properties(tmp_path, order):
    data = values(500, 7)
    path = write_recording(tmp_path / "r.bin", data, order, sidecar=False)
    r = RecordingsReader(path, dtype="int16", n_channels=7, data_order=order)
    assert r.shape == (500, 7)
    assert (r.observations, r.channels) == (500, 7)
    assert (r.n_observations, r.n_channels) == (500, 7)
    assert r.data_order == order
    assert r.dtype == np.dtype("int16")
    assert r.format == "raw" and r.path == path and r.paths == [path]
    assert len(r) == 500
    assert repr(r) == f'Reader for recordings with 500 observations and 7 channels in "{order}" format'
    # YASS's .data: the file as a numpy array in [observations, channels] orientation
    assert isinstance(r.data, np.memmap) or isinstance(r.data.base, np.memmap)
    np.testing.assert_array_equal(r.data, data)


def test_sidecar_gives_missing_parameters_and_explicit_values_win(tmp_path):
    data = values(100, 4)
    path = write_recording(tmp_path / "r.bin", data)
    r = RecordingsReader(path)
    assert (r.shape, r.dtype, r.data_order) == ((100, 4), np.dtype("int16"), "samples")
    # an explicit value wins over the sidecar: 8 "channels" of 50 observations
    assert RecordingsReader(path, n_channels=8).shape == (50, 8)


def test_yass_aliases_and_data_format(tmp_path):
    data = values(60, 3)
    wide = write_recording(tmp_path / "w.bin", data, "channels", sidecar=False)
    long = write_recording(tmp_path / "l.bin", data, "samples", sidecar=False)
    # the docs' examples pass data_format='wide'
    np.testing.assert_array_equal(RecordingsReader(wide, "int16", 3, data_format="wide")[:, :], data)
    np.testing.assert_array_equal(RecordingsReader(wide, "int16", 3, "wide")[:, :], data)
    np.testing.assert_array_equal(RecordingsReader(long, "int16", 3, "long")[:, :], data)
    assert RecordingsReader(long, "int16", 3, data_order="samples", data_format="long").data_order == "samples"
    with pytest.raises(neurobatch.InvalidArgumentError, match="disagree"):
        RecordingsReader(long, "int16", 3, data_order="samples", data_format="wide")


@pytest.mark.parametrize("loader", ["memmap", "array", "python", "pread", "mmap", None])
def test_every_loader_reads_the_same_values(rec_channels, loader):
    path, data = rec_channels
    r = RecordingsReader(path, loader=loader)
    assert r.loader == ("mmap" if loader in ("memmap", "mmap") else "pread")
    np.testing.assert_array_equal(r[100:300, [9, 0, 4]], data[100:300, [9, 0, 4]])


def test_unknown_loader(rec):
    with pytest.raises(neurobatch.InvalidArgumentError, match="unknown loader 'numpy'"):
        RecordingsReader(rec[0], loader="numpy")


@pytest.mark.parametrize("order", ORDERS)
def test_indexing_like_numpy(tmp_path, order):
    data = values(1000, 10)
    r = RecordingsReader(write_recording(tmp_path / "r.bin", data, order))
    keys = [
        (slice(100, 200), slice(None)),
        (slice(100, 200), slice(2, 5)),
        (slice(None, 50), [3, 1, 3]),
        (slice(-20, None), slice(None, None, -1)),
        (slice(0, 1000, 7), 4),
        (slice(900, 10, -13), [0, -1]),
        (slice(0, 1000, 250), slice(None)),
        ([5, 2, 900, 3, 5], slice(None)),
        (7, slice(None)),
        (-1, 3),
        (slice(10, 10), slice(None)),
        (slice(10, 20), []),
        (slice(0, 5), np.arange(10) % 2 == 0),
    ]
    for key in keys:
        got = r[key]
        want = data[key]
        assert got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=str(key))
    np.testing.assert_array_equal(r[100:110], data[100:110])
    assert r[5, 3] == data[5, 3]
    # two index lists select a block (rows x channels), not numpy's pairs
    np.testing.assert_array_equal(r[np.array([999, 0]), np.array([9, 0])], data[np.ix_([999, 0], [9, 0])])


def test_out_of_range_indices_are_index_errors(rec):
    r = RecordingsReader(rec[0])
    for key in [(1000, 0), (-1001, 0), ([0, 1000], 0), (0, 10), (0, [-11])]:
        with pytest.raises(IndexError):
            r[key]
    with pytest.raises(neurobatch.BadChannelError, match="channel 10 is out of range: .* valid indices are 0 to "):
        r[0:5, 10]
    with pytest.raises(IndexError, match="observations, channels"):
        r[0, 0, 0]
    # the sequence protocol stops at the end
    assert sum(1 for _ in RecordingsReader(rec[0])) == 1000


def test_buffer_size_and_return_data_index(rec):
    path, data = rec
    r = RecordingsReader(path, buffer_size=5, return_data_index=True)
    d, idx = r[0:100, [2, 7]]
    assert d.shape == (110, 2)
    assert idx == (slice(5, 105, None), slice(None, None, None))
    np.testing.assert_array_equal(d[:5], 0)  # zeros before observation 0
    np.testing.assert_array_equal(d[idx], data[0:100, [2, 7]])
    d, idx = r[990:1000, :]
    np.testing.assert_array_equal(d[idx], data[990:1000])
    np.testing.assert_array_equal(d[-5:], 0)  # zeros after the last observation
    d, idx = r[500:600, 3]
    np.testing.assert_array_equal(d[5:105], data[500:600, 3])
    np.testing.assert_array_equal(d[:5], data[495:500, 3])
    with pytest.raises(IndexError, match="slice with step 1"):
        r[[1, 2], :]
    plain = RecordingsReader(path, return_data_index=True)
    d, idx = plain[10:30, 1]
    assert idx == (slice(0, 20, None), slice(None, None, None))
    np.testing.assert_array_equal(d, data[10:30, 1])


def test_read_method(rec):
    path, data = rec
    r = RecordingsReader(path)
    np.testing.assert_array_equal(r.read(), data)
    np.testing.assert_array_equal(r.read(10, 20, [4, 4, 0]), data[10:20, [4, 4, 0]])
    np.testing.assert_array_equal(r.read(10, 20, 4), data[10:20, [4]])
    b = r.read(0, 3, "all", buffer=2)
    assert b.shape == (7, 10)
    np.testing.assert_array_equal(b[2:5], data[:3])
    with pytest.raises(neurobatch.BadRangeError, match=r"invalid time range \[20, 10\)"):
        r.read(20, 10)
    with pytest.raises(neurobatch.BadRangeError, match="-1"):
        r.read(-1, 10)
    with pytest.raises(neurobatch.BadChannelError, match="channel -2 is out of range"):
        r.read(0, 10, [-2])
    with pytest.raises(neurobatch.BadChannelError, match="empty"):
        r.read(0, 10, [])


def test_reads_are_arrays_the_caller_owns(rec):
    """The pread loaders give writable arrays of their own."""
    path, data = rec
    r = RecordingsReader(path, loader="pread")
    a = r[0:10]
    a[:] = 0  # writable, and independent of the file and of later reads
    np.testing.assert_array_equal(r[0:10], data[0:10])
    assert a.flags.c_contiguous and a.flags.writeable
    b = r[0:10]
    assert not np.shares_memory(a, b)  # each read has memory of its own while it lives


def owner(array):
    """The object at the end of an array's chain of bases."""
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array


@pytest.mark.parametrize("order", ["samples", "channels"])
def test_memmap_loader_gives_read_only_views_of_the_file(tmp_path, order):
    """YASS's default loader: numpy views of the file, as YASS's memmap ones
    were, where a view can show the block; library reads elsewhere."""
    data = values(1000, 10)
    path = write_recording(tmp_path / "r.bin", data, order)
    r = RecordingsReader(path)  # loader='memmap', YASS's default
    assert r.loader == "mmap"
    keys = [(slice(100, 200), slice(None)), (slice(5, 900), slice(3, 7))]
    keys += [(slice(0, 1000), 9)] if order == "channels" else []  # one channel series
    for key in keys:
        v = r[key]
        np.testing.assert_array_equal(v, data[key])
        assert not v.flags.writeable and type(owner(v)).__name__ == "FileMapping"
        with pytest.raises(ValueError, match="read-only"):
            v[...] = 0
    # a channel list that is not a run, or in samples order a quarter of
    # the channels or fewer (gathered faster than numpy walks a strided
    # view): read by the library, writable
    for key in [(slice(0, 10), [3, 1])] + ([(slice(0, 10), slice(0, 2))] if order == "samples" else []):
        c = r[key]
        assert c.flags.writeable and type(owner(c)).__name__ == "BatchBuffer"
        np.testing.assert_array_equal(c, data[key])
    # a view outlives the reader
    v = r[10:20]
    r.close()
    np.testing.assert_array_equal(v, data[10:20])


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"])
def test_every_dtype(tmp_path, dtype):
    data = values(50, 3, dtype)
    r = RecordingsReader(write_recording(tmp_path / "r.bin", data, "channels"))
    assert r.dtype == np.dtype(dtype)
    got = r[5:40, [2, 0]]
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, data[5:40, [2, 0]])
    # numpy dtypes and types are accepted as well as names
    assert RecordingsReader(r.path, np.dtype(dtype), 3, "channels").dtype == np.dtype(dtype)
    assert RecordingsReader(r.path, getattr(np, dtype), 3, "channels").dtype == np.dtype(dtype)
    # and numpy's own spellings, which YASS passed to numpy ('<i2', 'i2', 'f4')
    for spelling in (np.dtype(dtype).str, np.dtype(dtype).str.lstrip("<|=")):
        assert RecordingsReader(r.path, spelling, 3, "channels").dtype == np.dtype(dtype)


def test_numpy_dtype_spellings_that_are_not_recording_types(tmp_path):
    path = write_recording(tmp_path / "r.bin", values(10, 2, "float64"), "samples", sidecar=False)
    assert RecordingsReader(path, "float", 2, "samples").dtype == np.dtype("float64")   # numpy's 'float'
    with pytest.raises(neurobatch.BadDtypeError, match=r"'>i2' is big-endian"):
        RecordingsReader(path, ">i2", 2, "samples")
    with pytest.raises(neurobatch.BadDtypeError, match=r"unknown dtype 'S3' \(numpy's bytes24\): expected one of int8"):
        RecordingsReader(path, "S3", 2, "samples")


def test_bad_inputs_name_what_is_wrong(tmp_path):
    path = tmp_path / "odd.bin"
    path.write_bytes(b"\0" * 31)
    with pytest.raises(neurobatch.BadFileSizeError, match="31 bytes") as e:
        RecordingsReader(path, "int16", 3, "samples")
    assert isinstance(e.value, ValueError) and e.value.status == -4
    with pytest.raises(neurobatch.BadDtypeError, match="'int12'"):
        RecordingsReader(path, "int12", 3, "samples")
    with pytest.raises(neurobatch.BadDtypeError, match="big-endian"):
        RecordingsReader(path, np.dtype(">i2"), 3, "samples")
    with pytest.raises(neurobatch.BadDataOrderError, match="'rows'"):
        RecordingsReader(path, "int16", 3, "rows")
    with pytest.raises(neurobatch.BadChannelError, match="at least 1, got 0"):
        RecordingsReader(path, "int16", 0, "samples")
    with pytest.raises(neurobatch.SidecarMissingError, match="odd.yaml") as e:
        RecordingsReader(path)
    assert "dtype, n_channels and data_order were not given" in str(e.value)
    with pytest.raises(neurobatch.IoError, match="does not exist") as e:
        RecordingsReader(tmp_path / "missing.bin", "int16", 3, "samples")
    assert isinstance(e.value, OSError)
    (tmp_path / "bad.bin").write_bytes(b"")
    (tmp_path / "bad.yaml").write_text("dtype: int17\n")
    with pytest.raises(neurobatch.SidecarInvalidError, match="int17"):
        RecordingsReader(tmp_path / "bad.bin")


def test_empty_file_is_a_recording_of_no_observations(tmp_path):
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    r = RecordingsReader(path, "float32", 4, "channels")
    assert r.shape == (0, 4)
    assert r[:, :].shape == (0, 4)
    assert r.data.shape == (0, 4)


def test_a_session_of_several_files_reads_as_one(tmp_path):
    a, b = values(300, 4), values(200, 4) + 1
    pa = write_recording(tmp_path / "a.bin", a)
    pb = write_recording(tmp_path / "b.bin", b)
    r = RecordingsReader([pa, pb])
    assert r.shape == (500, 4) and r.paths == [pa, pb]
    np.testing.assert_array_equal(r[290:310, [3, 0]], np.concatenate([a, b])[290:310, [3, 0]])
    with pytest.raises(neurobatch.InvalidArgumentError, match="2 files"):
        r.data


def test_context_manager_and_close(rec):
    path, data = rec
    with RecordingsReader(path) as r:
        np.testing.assert_array_equal(r[0:2], data[0:2])
    assert r.closed
    with pytest.raises(neurobatch.InvalidArgumentError, match="closed"):
        r[0:2]


def test_threads_read_in_parallel_with_the_gil_released(tmp_path):
    """Reads from several threads give the right values, and a read lets
    other Python threads run (the GIL is released inside the library)."""
    data = values(400_000, 64)
    r = RecordingsReader(write_recording(tmp_path / "big.bin", data), loader="pread")
    errors = []

    def reader_thread(k):
        for i in range(20):
            a = (k * 7919 + i * 104729) % 390_000
            if not np.array_equal(r[a:a + 10_000, [k, 63 - k]], data[a:a + 10_000, [k, 63 - k]]):
                errors.append((k, a))

    threads = [threading.Thread(target=reader_thread, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    # A ticking thread can take a time stamp only while it holds the GIL:
    # a stamp well inside a read proves the read had released it.
    stamps = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.0005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    inside = 0
    try:
        for _ in range(10):
            t0 = time.perf_counter()
            r.read(0, 400_000)  # 51 MB
            t1 = time.perf_counter()
            inside += sum(t0 + 0.002 < s < t1 - 0.002 for s in stamps[-200:])
    finally:
        stop.set()
        ticker.join()
    assert inside > 0
