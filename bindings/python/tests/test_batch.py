"""BatchProcessor: YASS's plan, traversals and applies, with YASS's bugs fixed."""

import gc
import logging
import os
import re
import signal
import threading
import traceback

import numpy as np
import pytest

import neurobatch
from neurobatch import BatchProcessor, RecordingsReader
from conftest import values, write_recording


def bp_for(path, **kw):
    kw.setdefault("show_progress_bar", False)
    return BatchProcessor(path, **kw)


def ls(folder):
    return sorted(os.listdir(folder))


# --- the plan -------------------------------------------------------------------


def test_documented_plan_1000_by_10_int16_6000_bytes(rec):
    path, data = rec
    batches = bp_for(path, max_memory=6000).multi_channel()
    assert (len(batches), batches.rows_per_batch) == (4, 300)
    got = [(idx[0].start, idx[0].stop) for _, _, idx in batches]
    assert got == [(0, 300), (300, 600), (600, 900), (900, 1000)]


def test_documented_rows_for_385_channels_at_300MB(tmp_path):
    path = write_recording(tmp_path / "np.bin", values(10, 385))
    assert bp_for(path, max_memory="300MB").multi_channel().rows_per_batch == 408_536


def test_multi_channel_yields_the_documented_triple(rec):
    path, data = rec
    bp = bp_for(path, max_memory=3000, buffer_size=3)
    batches = list(bp.multi_channel(from_time=100, to_time=950, channels=[7, 2, 7]))
    assert len(batches) == 2  # 3 channels x 2 bytes: 500 rows per batch
    for d, idx_local, idx in batches:
        assert idx_local == (slice(3, 3 + idx[0].stop - idx[0].start, None), slice(None, None, None))
        assert idx[1] == [7, 2, 7]
        assert d.shape == (idx[0].stop - idx[0].start + 6, 3)
        assert d.dtype == np.int16  # FIX: YASS made every buffered block float64
        np.testing.assert_array_equal(d[idx_local], data[idx[0]][:, idx[1]])
        # buffer rows come from the file where they exist
        np.testing.assert_array_equal(d[:3], data[idx[0].start - 3:idx[0].start][:, [7, 2, 7]])


def test_buffer_is_zero_beyond_the_edges(rec):
    path, data = rec
    batches = list(bp_for(path, max_memory=6000, buffer_size=3).multi_channel())
    first, last = batches[0][0], batches[-1][0]
    np.testing.assert_array_equal(first[:3], 0)
    np.testing.assert_array_equal(first[3:6], data[0:3])
    np.testing.assert_array_equal(last[-3:], 0)
    assert [b[2][0] for b in batches] == [slice(0, 300), slice(300, 600), slice(600, 900), slice(900, 1000)]


@pytest.mark.parametrize("channels,want", [("all", slice(0, 10, None)), (4, 4), ([1, 2], [1, 2]), ((3,), (3,))])
def test_channels_as_yass_takes_them(rec, channels, want):
    path, data = rec
    batches = list(bp_for(path, max_memory=2000).multi_channel(channels=channels))
    for d, idx_local, idx in batches:
        assert idx[1] == want
        np.testing.assert_array_equal(d, data[idx[0]][:, np.atleast_1d(np.arange(10)[want])])


def test_return_data_false_yields_indexes_without_reading(rec):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    idxs = list(bp.multi_channel(from_time=50, channels=[1], return_data=False))
    assert idxs == [(slice(50, 1000, None), [1])]
    assert [i[0] for i in bp.multi_channel(return_data=False)] == [slice(0, 300), slice(300, 600), slice(600, 900), slice(900, 1000)]


@pytest.mark.parametrize("order", ["samples", "channels"])
def test_single_channel_traversals(tmp_path, order):
    data = values(1000, 10)
    path = write_recording(tmp_path / "r.bin", data, order)
    bp = bp_for(path, max_memory=600)
    # force_complete_channel_batch: one 1-D batch per channel, the whole range
    whole = list(bp.single_channel(from_time=700, channels=[3, 0]))
    assert len(whole) == 2
    np.testing.assert_array_equal(whole[0], data[700:, 3])
    np.testing.assert_array_equal(whole[1], data[700:, 0])
    # not forced: each channel in batches of max_memory // itemsize observations
    parts = list(bp.single_channel(force_complete_channel_batch=False, channels=[3, 0]))
    assert [ch for _, ch in parts] == [3, 3, 3, 3, 0, 0, 0, 0]
    assert [len(d) for d, _ in parts] == [300, 300, 300, 100] * 2
    np.testing.assert_array_equal(np.concatenate([d for d, ch in parts if ch == 0]), data[:, 0])


def test_single_channel_that_does_not_fit_fails_when_iterated(rec):
    """YASS's generator raised at the loop, and its docs' example creates
    the traversal without iterating it; the check runs before any batch."""
    path, _ = rec
    bp = bp_for(path, max_memory=1999)
    batches = bp.single_channel()  # 1000 int16 observations need 2000 bytes
    with pytest.raises(neurobatch.MemoryTooSmallError, match="raise max_memory or set force_complete_channel_batch to false"):
        next(batches)
    # FIX: a channel exactly as large as max_memory fits (YASS refused equality)
    assert len(list(bp_for(path, max_memory=2000).single_channel())) == 10


def test_single_channel_with_buffer(rec):
    """FIX: YASS's buffer did not work for single-channel batches."""
    path, data = rec
    parts = list(bp_for(path, max_memory=800, buffer_size=2).single_channel(False, channels=[5]))
    first, _ = parts[0]
    assert first.shape == (404,)
    np.testing.assert_array_equal(first[:2], 0)
    np.testing.assert_array_equal(first[2:404], data[0:402, 5])


def test_argument_errors(rec):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    for kw, err, text in [
        (dict(from_time=10, to_time=5), neurobatch.BadRangeError, r"\[10, 5\)"),
        (dict(to_time=1001), neurobatch.BadRangeError, "n_observations = 1000"),
        (dict(from_time=-1), neurobatch.BadRangeError, "-1"),
        (dict(channels=[10]), neurobatch.BadChannelError, "channel 10 is out of range"),
        (dict(channels=[-1]), neurobatch.BadChannelError, "channel -1 is out of range: .* valid indices are 0 to 9$"),
        (dict(channels=[]), neurobatch.EmptyChannelsError if hasattr(neurobatch, "EmptyChannelsError") else neurobatch.BadChannelError, "empty"),
        (dict(channels="some"), neurobatch.InvalidArgumentError, "'some'"),
    ]:
        with pytest.raises(err, match=text):
            next(bp.multi_channel(**kw))
    with pytest.raises(neurobatch.MemoryTooSmallError, match="at least 20 bytes"):
        next(bp_for(path, max_memory=19).multi_channel())
    with pytest.raises(neurobatch.BadMemoryError, match="'1.5GB'"):
        bp_for(path, max_memory="1.5GB")
    with pytest.raises(neurobatch.InvalidArgumentError, match="edge"):
        bp_for(path, edge="mirror")


def test_empty_range_gives_no_batches(rec, tmp_path):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    assert list(bp.multi_channel(from_time=500, to_time=500)) == []
    assert list(bp.single_channel(from_time=500, to_time=500)) == []
    assert bp.multi_channel_apply(lambda b: b, "memory", from_time=500, to_time=500) == []
    # no batch: an empty output whose sidecar says cast_dtype (or the input's) and the channels selected
    for processes in (1, 2):
        out = os.fspath(tmp_path / f"e{processes}.bin")
        _, params = bp.multi_channel_apply(lambda b: b, "disk", output_path=out, from_time=9, to_time=9,
                                           channels=[1, 2], cast_dtype="float32", processes=processes)
        assert params == {"dtype": "float32", "n_channels": 2, "data_order": "samples"}
        assert os.path.getsize(out) == 0
    _, params = bp.single_channel_apply(lambda s: s, "disk", output_path=out, from_time=9, to_time=9)
    assert params == {"dtype": "int16", "n_channels": 10, "data_order": "channels"}


def test_traversal_object(rec):
    path, data = rec
    bp = bp_for(path, max_memory=6000, loader="pread")
    with bp.multi_channel() as batches:
        assert len(batches) == batches.n_batches == 4
        d, _, _ = next(batches)
    with pytest.raises(StopIteration):
        next(batches)  # closed by the with block
    kept = [d for d, _, _ in bp.multi_channel()]
    gc.collect()
    # batches stay valid after the traversal moved on (each owns its memory)
    for k, d in enumerate(kept):
        np.testing.assert_array_equal(d, data[k * 300:(k + 1) * 300])
    d[:] = -1  # and are writable
    # with YASS's default loader, views of the file (read-only, as YASS's)
    views = [d for d, _, _ in bp_for(path, max_memory=6000).multi_channel()]
    assert not any(v.flags.writeable for v in views)
    np.testing.assert_array_equal(np.concatenate(views), data)
    with bp:
        pass
    with pytest.raises(neurobatch.InvalidArgumentError, match="closed"):
        bp.reader[0:1]


def test_edges_and_microvolts_need_metadata(rec):
    path, data = rec
    d, _, _ = next(bp_for(path, max_memory=6000, buffer_size=2, edge="replicate").multi_channel())
    np.testing.assert_array_equal(d[:2], data[[0, 0]])
    d, _, _ = next(bp_for(path, max_memory=6000, buffer_size=2, edge="reflect").multi_channel())
    np.testing.assert_array_equal(d[:2], data[[2, 1]])
    with pytest.raises(neurobatch.NoMetadataError, match="no scale to microvolts"):
        next(bp_for(path, max_memory=6000, microvolts=True).multi_channel())


# --- multi_channel_apply ---------------------------------------------------------


def test_multi_channel_apply_memory(rec):
    path, data = rec
    bp = bp_for(path, max_memory=6000)
    res = bp.multi_channel_apply(lambda b: np.max(b, axis=0), "memory", channels=[0, 1, 2])
    assert len(res) == 1  # 3 channels: 1000 rows per batch
    res = bp.multi_channel_apply(lambda b: np.max(b, axis=0), "memory")
    assert len(res) == 4
    np.testing.assert_array_equal(np.max(np.stack(res), axis=0), data.max(axis=0))
    # any result object is kept as returned
    assert bp.multi_channel_apply(lambda b: {"rows": len(b)}, "memory") == [{"rows": 300}] * 3 + [{"rows": 100}]


def test_multi_channel_apply_disk_writes_output_and_sidecar(rec, tmp_path):
    path, data = rec
    out = os.fspath(tmp_path / "out" / "plus_one.bin")
    os.mkdir(tmp_path / "out")
    bp = bp_for(path, max_memory=6000)
    got_path, params = bp.multi_channel_apply(lambda b: b + 1, mode="disk", output_path=out, channels=[0, 1, 2])
    assert got_path == out
    assert params == {"dtype": "int16", "n_channels": 3, "data_order": "samples"}
    assert ls(tmp_path / "out") == ["plus_one.bin", "plus_one.yaml"]
    np.testing.assert_array_equal(RecordingsReader(out)[:, :], data[:, :3] + 1)


def test_batches_given_to_functions(rec):
    """With YASS's default loader ('memmap') a function gets read-only views
    of the file where a view can show the batch, as YASS's functions did;
    with 'pread' (or worker threads, or buffer rows) writable arrays."""
    path, data = rec

    def writable(b):
        return b.flags.writeable

    assert bp_for(path, max_memory=6000).multi_channel_apply(writable, "memory") == [False] * 4
    assert bp_for(path, max_memory=6000, loader="pread").multi_channel_apply(writable, "memory") == [True] * 4
    assert bp_for(path, max_memory=6000).multi_channel_apply(writable, "memory", processes=2) == [True] * 4
    assert bp_for(path, max_memory=6000, buffer_size=1).multi_channel_apply(writable, "memory") == [True] * 4

    def in_place(b):
        b -= 1
        return b

    out = bp_for(path, max_memory=6000, loader="pread").multi_channel_apply(in_place, "memory")
    np.testing.assert_array_equal(np.concatenate(out), data - 1)
    np.testing.assert_array_equal(RecordingsReader(path)[:, :], data)  # never the file


def test_kwargs_batch_info_cast_and_cleanup(rec):
    path, data = rec
    bp = bp_for(path, max_memory=6000, buffer_size=4)
    seen = []

    def f(batch, idx_local, idx, scale):
        seen.append((idx_local, idx))
        np.testing.assert_array_equal(batch[idx_local], data[idx[0]][:, idx[1]])
        return batch * scale

    def cleanup(res, idx_local, idx, buffer_size):
        assert res.dtype == np.float32  # cast before cleanup, as YASS
        assert buffer_size == 4
        return res[idx_local]

    res = bp.multi_channel_apply(f, "memory", cleanup_function=cleanup, channels=[9, 1], cast_dtype="float32",
                                 pass_batch_info=True, scale=0.5)
    assert seen == [((slice(4, 1004), slice(None, None, None)), (slice(0, 1000), [9, 1]))]
    np.testing.assert_array_equal(np.concatenate(res), (data[:, [9, 1]] * 0.5).astype(np.float32))


def test_cast_is_the_librarys(rec):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    res = bp.multi_channel_apply(lambda b: np.array([1.9, -1.9, 1e6, np.nan]), "memory", cast_dtype="int16")
    # truncated toward zero, saturated, NaN as 0 (numpy's astype leaves out-of-range values undefined)
    np.testing.assert_array_equal(res[0], np.array([1, -1, 32767, 0], np.int16))
    assert bp.multi_channel_apply(lambda b: 2.5, "memory", cast_dtype=np.int8)[0] == 2
    with pytest.raises(neurobatch.BadDtypeError, match="'int12'"):
        bp.multi_channel_apply(lambda b: b, "memory", cast_dtype="int12")


def test_pass_batch_results(rec, tmp_path):
    path, data = rec
    bp = bp_for(path, max_memory=6000)
    calls = []

    def running_sum(batch, previous_batch):
        calls.append(previous_batch)
        s = batch.astype(np.int64).sum(axis=0)
        return s if previous_batch is None else previous_batch + s

    total = bp.multi_channel_apply(running_sum, "memory", pass_batch_results=True)
    assert calls[0] is None and len(calls) == 4
    np.testing.assert_array_equal(total, data.astype(np.int64).sum(axis=0))
    assert bp.multi_channel_apply(running_sum, "memory", pass_batch_results=True, from_time=3, to_time=3) is None
    # FIX: YASS raised NotImplementedError in disk mode
    out = os.fspath(tmp_path / "sums.bin")
    bp.multi_channel_apply(running_sum, "disk", output_path=out, pass_batch_results=True)
    assert RecordingsReader(out).shape == (4, 10)
    with pytest.raises(neurobatch.InvalidArgumentError, match="n_threads must be 1"):
        bp.multi_channel_apply(running_sum, "memory", pass_batch_results=True, processes=2)


@pytest.mark.parametrize("processes", [2, 4, "max"])
def test_processes_give_the_same_results_and_output(rec, tmp_path, processes):
    path, data = rec
    bp = bp_for(path, max_memory=600, buffer_size=5)
    threads = set()

    def f(batch):
        threads.add(threading.get_ident())
        return batch[5:-5].astype(np.float64) * 2

    serial = bp.multi_channel_apply(f, "memory")
    parallel = bp.multi_channel_apply(f, "memory", processes=processes)
    assert len(serial) == len(parallel) == 34
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)
    out_a, out_b = os.fspath(tmp_path / "a.bin"), os.fspath(tmp_path / "b.bin")
    bp.multi_channel_apply(f, "disk", output_path=out_a)
    bp.multi_channel_apply(f, "disk", output_path=out_b, processes=processes)
    with open(out_a, "rb") as a, open(out_b, "rb") as b:
        assert a.read() == b.read()
    np.testing.assert_array_equal(RecordingsReader(out_b)[:, :], data * 2.0)
    if processes != "max" or (os.cpu_count() or 1) > 1:
        assert len(threads) > 1


def test_if_file_exists(rec, tmp_path):
    path, data = rec
    bp = bp_for(path, max_memory=6000)
    out = os.fspath(tmp_path / "o.bin")
    bp.multi_channel_apply(lambda b: b, "disk", output_path=out)
    before = open(out, "rb").read()
    called = []

    def f(b):
        called.append(1)
        return b * 0

    with pytest.raises(neurobatch.OutputExistsError, match="if_file_exists is 'abort'") as e:
        bp.multi_channel_apply(f, "disk", output_path=out, if_file_exists="abort")
    assert isinstance(e.value, ValueError)  # as YASS raised
    p, params = bp.multi_channel_apply(f, "disk", output_path=out, if_file_exists="skip")
    assert (p, params) == (out, {"dtype": "int16", "n_channels": 10, "data_order": "samples"})
    assert called == [] and open(out, "rb").read() == before
    bp.multi_channel_apply(f, "disk", output_path=out, if_file_exists="overwrite")
    assert not any(open(out, "rb").read())
    with pytest.raises(neurobatch.InvalidArgumentError, match="unknown if_file_exists 'replace'"):
        bp.multi_channel_apply(f, "memory", if_file_exists="replace")  # FIX: checked in every mode
    os.remove(os.path.splitext(out)[0] + ".yaml")
    with pytest.raises(neurobatch.SidecarMissingError, match="o.yaml"):
        bp.multi_channel_apply(f, "disk", output_path=out, if_file_exists="skip")


def test_argument_errors_come_before_any_batch_or_file(rec, tmp_path):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    called = []

    def f(b):
        called.append(1)
        return b

    out = os.fspath(tmp_path / "o.bin")
    cases = [
        (dict(mode="tape"), neurobatch.InvalidArgumentError, "unknown mode 'tape'"),
        (dict(mode="disk"), neurobatch.InvalidArgumentError, "output_path is required"),
        (dict(mode="disk", output_path=out, to_time=2000), neurobatch.BadRangeError, "2000"),
        (dict(mode="disk", output_path=out, channels=[99]), neurobatch.BadChannelError, "99"),
        (dict(mode="disk", output_path=os.fspath(tmp_path / "o.yaml")), neurobatch.BadOutputPathError, ".yaml"),
        (dict(mode="disk", output_path=path), neurobatch.BadOutputPathError, "input"),
        (dict(mode="disk", output_path=os.fspath(tmp_path / "no" / "o.bin")), neurobatch.BadOutputPathError, "does not exist"),
        (dict(mode="disk", output_path=out, processes=0), neurobatch.InvalidArgumentError, "processes 0"),
        (dict(mode="disk", output_path=out, cast_dtype="float16"), neurobatch.BadDtypeError, "float16"),
    ]
    for kw, err, text in cases:
        with pytest.raises(err, match=text):
            bp.multi_channel_apply(f, **kw)
    assert called == []
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]


@pytest.mark.parametrize("processes", [1, 3])
def test_a_raising_function_propagates_and_leaves_no_output(rec, tmp_path, processes):
    path, _ = rec
    bp = bp_for(path, max_memory=600)
    out = os.fspath(tmp_path / "o.bin")

    def detect(batch, threshold):
        if batch[0, 0] > threshold:
            raise ZeroDivisionError(f"threshold {threshold} passed")
        return batch

    with pytest.raises(ZeroDivisionError, match="threshold 2000 passed") as e:
        bp.multi_channel_apply(detect, "disk", output_path=out, processes=processes, threshold=2000)
    # the traceback reaches into the function that raised
    frames = [f.name for f in traceback.extract_tb(e.value.__traceback__)]
    assert "detect" in frames
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]
    with pytest.raises(ZeroDivisionError):
        bp.multi_channel_apply(detect, "memory", processes=processes, threshold=2000)
    # the processor stays usable
    assert len(bp.multi_channel_apply(detect, "memory", processes=processes, threshold=10**6)) == 34


def test_a_failing_cleanup_propagates_too(rec, tmp_path):
    path, _ = rec

    def cleanup(res, idx_local, idx, buffer_size):
        raise RuntimeError("cleanup says no")

    with pytest.raises(RuntimeError, match="cleanup says no"):
        bp_for(path, max_memory=6000).multi_channel_apply(lambda b: b, "disk", output_path=os.fspath(tmp_path / "o.bin"),
                                                          cleanup_function=cleanup)
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]


def test_results_that_cannot_be_written(rec, tmp_path):
    path, _ = rec
    bp = bp_for(path, max_memory=6000)
    out = os.fspath(tmp_path / "o.bin")
    with pytest.raises(neurobatch.NoResultError, match="returned None for batch 0"):
        bp.multi_channel_apply(lambda b: None, "disk", output_path=out)
    with pytest.raises(neurobatch.ResultMismatchError, match="dtype complex128"):
        bp.multi_channel_apply(lambda b: b * 1j, "disk", output_path=out)
    with pytest.raises(neurobatch.ResultMismatchError, match="column"):
        bp.multi_channel_apply(lambda b: b[:, :len(b) % 7 + 1], "disk", output_path=out)
    with pytest.raises(neurobatch.ResultMismatchError, match="dtype"):
        bp.multi_channel_apply(lambda b: b if len(b) == 300 else b.astype(np.int32), "disk", output_path=out)
    with pytest.raises(neurobatch.ResultMismatchError, match="shape"):
        bp.multi_channel_apply(lambda b: b[None], "disk", output_path=out)
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]
    # scalars and 1-D results are rows
    bp.multi_channel_apply(lambda b: b.max(axis=0), "disk", output_path=out)
    assert RecordingsReader(out).shape == (4, 10)
    bp.multi_channel_apply(lambda b: np.int32(len(b)), "disk", output_path=out)
    np.testing.assert_array_equal(RecordingsReader(out)[:, 0], [300, 300, 300, 100])


@pytest.mark.parametrize("processes", [1, 2])
def test_ctrl_c_stops_the_run_and_writes_nothing(rec, tmp_path, processes):
    """SIGINT is handled on the main thread: between batches, also while
    worker threads run the function."""
    path, _ = rec
    out = os.fspath(tmp_path / "o.bin")
    once = threading.Lock()

    def interrupt(batch):
        if once.acquire(blocking=False):  # one Ctrl-C, whichever worker comes first
            os.kill(os.getpid(), signal.SIGINT)
        return batch

    # A shell that starts a job in the background without job control makes
    # it ignore SIGINT, and Python then installs no handler: install it here.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            bp_for(path, max_memory=600).multi_channel_apply(interrupt, "disk", output_path=out, processes=processes)
    finally:
        signal.signal(signal.SIGINT, before)
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]


def test_progress_bar(rec, capsys):
    if os.environ.get("NEUROBATCH_STRICT_TESTS") != "1":
        pytest.importorskip("tqdm")
    path, _ = rec
    BatchProcessor(path, max_memory=600).multi_channel_apply(lambda b: 0, "memory")
    assert "34/34" in capsys.readouterr().err
    BatchProcessor(path, max_memory=600, show_progress_bar=False).multi_channel_apply(lambda b: 0, "memory")
    assert capsys.readouterr().err == ""


# --- single_channel_apply --------------------------------------------------------


@pytest.mark.parametrize("order", ["samples", "channels"])
def test_single_channel_apply_disk_is_labelled_channels(tmp_path, order):
    data = values(1000, 10)
    path = write_recording(tmp_path / "r.bin", data, order)
    out = os.fspath(tmp_path / "f.bin")
    bp = bp_for(path, max_memory="500MB")

    def scale(series, factor):
        assert series.ndim == 1
        return series * factor

    p, params = bp.single_channel_apply(scale, mode="disk", output_path=out, channels=[0, 1, 2], factor=2.0,
                                        cast_dtype="float32")
    # FIX: YASS labelled this channel-after-channel output 'samples'
    assert params == {"dtype": "float32", "n_channels": 3, "data_order": "channels"}
    np.testing.assert_array_equal(RecordingsReader(out)[:, :], data[:, :3] * 2.0)


def test_single_channel_apply_memory_and_split_channels(rec, tmp_path):
    path, data = rec
    bp = bp_for(path, max_memory=800)
    res = bp.single_channel_apply(lambda s: s.max(), "memory", force_complete_channel_batch=False, channels=[4, 8])
    assert len(res) == 6
    assert res[2] == data[800:, 4].max() and res[5] == data[800:, 8].max()
    out = os.fspath(tmp_path / "o.bin")
    bp.single_channel_apply(lambda s: s, "disk", output_path=out, force_complete_channel_batch=False, channels=[4, 8])
    np.testing.assert_array_equal(RecordingsReader(out)[:, :], data[:, [4, 8]])
    with pytest.raises(neurobatch.ResultMismatchError, match="same length"):
        bp.single_channel_apply(lambda s: s[: s[0] % 5 + 1], "disk", output_path=out, force_complete_channel_batch=False)


def test_single_channel_apply_errors(rec, tmp_path):
    path, _ = rec
    bp = bp_for(path, max_memory=1000)
    with pytest.raises(neurobatch.MemoryTooSmallError):
        bp.single_channel_apply(lambda s: s, "memory")
    with pytest.raises(ValueError, match="boom"):
        bp.single_channel_apply(lambda s: (_ for _ in ()).throw(ValueError("boom")), "disk",
                                output_path=os.fspath(tmp_path / "o.bin"), force_complete_channel_batch=False)
    assert ls(tmp_path) == ["rec.bin", "rec.yaml"]


def test_human_bytes():
    assert neurobatch.human_bytes("1GB") == 1073741824
    assert neurobatch.human_bytes("300MB") == 314572800
    assert neurobatch.human_bytes("100KB") == 102400
    assert neurobatch.human_bytes("160B") == 160
    assert neurobatch.human_bytes("2G") == 2 << 30
    assert neurobatch.human_bytes(12345) == 12345
    for bad in ["1.5GB", "1kB", "1TB", "", "-5", "+5", "1 GB"]:
        with pytest.raises(neurobatch.BadMemoryError, match=re.escape(f"'{bad}'")):
            neurobatch.human_bytes(bad)
    with pytest.raises(neurobatch.BadMemoryError):
        neurobatch.human_bytes(-1)
    with pytest.raises(neurobatch.BadMemoryError):
        neurobatch.human_bytes(1.5)


def test_single_channel_apply_if_file_exists(rec, tmp_path):
    path, data = rec
    bp = bp_for(path, max_memory="1MB")
    out = os.fspath(tmp_path / "s.bin")
    bp.single_channel_apply(lambda s: s * 2, "disk", output_path=out, channels=[1])
    called = []

    def f(s):
        called.append(1)
        return s

    with pytest.raises(neurobatch.OutputExistsError):
        bp.single_channel_apply(f, "disk", output_path=out, if_file_exists="abort")
    assert bp.single_channel_apply(f, "disk", output_path=out, if_file_exists="skip") == \
        (out, {"dtype": "int16", "n_channels": 1, "data_order": "channels"})
    assert called == []
    np.testing.assert_array_equal(RecordingsReader(out)[:, 0], data[:, 1] * 2)


def test_a_session_in_batches(tmp_path):
    """Batches span the boundary between the files of a session."""
    a, b = values(700, 3), values(500, 3) + 5
    pa = write_recording(tmp_path / "a.bin", a)
    pb = write_recording(tmp_path / "b.bin", b)
    whole = np.concatenate([a, b])
    bp = bp_for([pa, pb], max_memory=3000, buffer_size=2)
    batches = list(bp.multi_channel(channels=[2, 0]))
    assert [idx[0] for _, _, idx in batches] == [slice(0, 750), slice(750, 1200)]  # 750 rows of 2 channels
    for d, idx_local, idx in batches:
        np.testing.assert_array_equal(d[idx_local], whole[idx[0]][:, [2, 0]])
    out = os.fspath(tmp_path / "o.bin")
    bp.multi_channel_apply(lambda x: x[2:-2], "disk", output_path=out, processes=2)
    np.testing.assert_array_equal(RecordingsReader(out)[:, :], whole)


def test_applies_log_their_progress_as_yass_did(rec, tmp_path, caplog):
    """YASS's examples turn on logging "to get information about the
    process": a start line, the number of batches, every batch at DEBUG and
    an end line with the time, from any worker thread."""
    path, data = rec
    bp = bp_for(path, max_memory=2000)  # 10 batches of 100 observations x 10 channels
    with caplog.at_level("DEBUG", logger="neurobatch"):
        bp.multi_channel_apply(np.sum, "memory", processes=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "neurobatch.batch"]
    assert re.fullmatch(r"applying numpy\.sum to .*rec\.bin, results in memory", lines[0]), lines[0]
    assert lines[1] == "apply: 10 batches"
    assert lines[2:12] == [f"apply: batch {k} of 10 done" for k in range(1, 11)]
    assert re.fullmatch(r"apply: 10 of 10 batches done in \d+\.\d\d s", lines[12]), lines[12]
    assert len(lines) == 13
    caplog.clear()
    # INFO shows the start and end; a failing function still ends its lines.
    out = tmp_path / "out.bin"
    with caplog.at_level("INFO", logger="neurobatch"), pytest.raises(ZeroDivisionError):
        bp.multi_channel_apply(lambda x: x if x[0, 0] < data[300, 0] else 1 / 0, "disk", output_path=out)  # batch 3 fails
    lines = [r.getMessage() for r in caplog.records if r.name == "neurobatch.batch"]
    assert lines[0].startswith("applying test_batch.test_applies_log_their_progress_as_yass_did.<locals>.<lambda> to ")
    assert lines[0].endswith(f"writing {out}")
    assert lines[1] == "apply: 10 batches"
    assert re.fullmatch(r"apply: 3 of 10 batches done in \d+\.\d\d s", lines[2]), lines[2]
    assert not out.exists()


def test_nothing_is_logged_or_called_back_when_logging_is_off(rec, caplog):
    with caplog.at_level("WARNING", logger="neurobatch"):
        bp_for(rec[0], max_memory=2000).multi_channel_apply(np.sum, "memory")
    assert [r for r in caplog.records if r.name.startswith("neurobatch")] == []
    assert neurobatch._progress.progress_for(False, logging.getLogger("neurobatch.batch")) is None
