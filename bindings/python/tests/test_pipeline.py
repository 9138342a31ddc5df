"""BatchPipeline and PipedTransformation, as YASS's (its bugs fixed)."""

import os
import re

import numpy as np
import pytest

import neurobatch
from neurobatch import BatchPipeline, PipedTransformation, RecordingsReader
from neurobatch.pipeline import BatchPipeline as FromModule
from conftest import values, write_recording


def double(x):
    return x * 2


def plus(x, amount):
    return x + amount


@pytest.fixture
def setup(tmp_path):
    data = values(1000, 6)
    path = write_recording(tmp_path / "raw.bin", data, "channels", sidecar=False)
    out = tmp_path / "out"
    out.mkdir()
    return path, data, os.fspath(out)


def test_module_path_matches_yass():
    assert FromModule is BatchPipeline


def test_steps_chain_through_sidecars_and_keep(setup):
    path, data, out = setup
    p = BatchPipeline(path, "int16", 6, data_format="wide", max_memory="2KB", output_path=out, show_progress_bar=False)
    a = PipedTransformation(double, "a.bin", mode="single_channel", keep=False)
    b = PipedTransformation(plus, "b.bin", mode="multi_channel", keep=True, amount=1)
    c = PipedTransformation(double, "c.bin", mode="single_channel_one_batch", keep=False, cast_dtype="float32")
    p.add([a, b])
    p.add([c])
    paths, params = p.run()
    assert paths == [os.path.join(out, n) for n in ("a.bin", "b.bin", "c.bin")]
    assert params == [
        {"dtype": "int16", "n_channels": 6, "data_order": "channels"},
        {"dtype": "int16", "n_channels": 6, "data_order": "samples"},
        {"dtype": "float32", "n_channels": 6, "data_order": "channels"},
    ]
    # keep=False removed a.bin once b read it; the last step is always kept
    assert sorted(os.listdir(out)) == ["b.bin", "b.yaml", "c.bin", "c.yaml"]
    np.testing.assert_array_equal(RecordingsReader(paths[1])[:, :], data * 2 + 1)
    np.testing.assert_array_equal(RecordingsReader(paths[2])[:, :], ((data * 2 + 1) * 2).astype(np.float32))
    # FIX: the input is never deleted, whatever keep says
    assert os.path.exists(path)
    assert c.keep is False and b.keep is True


def test_range_and_channels_apply_to_the_first_step_only(setup):
    path, data, out = setup
    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, from_time=100, to_time=400, channels=[5, 0],
                      show_progress_bar=False)
    p.add([PipedTransformation(double, "one.bin", "multi_channel", keep=True),
           PipedTransformation(double, "two.bin", "single_channel", keep=True)])
    paths, params = p.run()
    assert [q["n_channels"] for q in params] == [2, 2]
    np.testing.assert_array_equal(RecordingsReader(paths[1])[:, :], data[100:400][:, [5, 0]] * 4)


def test_every_step_is_checked_before_any_runs(setup):
    path, _, out = setup
    ran = []

    def f(x):
        ran.append(1)
        return x

    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False)
    p.add([PipedTransformation(f, "a.bin", "multi_channel"), PipedTransformation(f, "b.bin", "diagonal")])
    with pytest.raises(neurobatch.InvalidArgumentError, match="unknown pipeline mode 'diagonal'"):
        p.run()
    open(os.path.join(out, "b.bin"), "w").close()
    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False)
    p.add([PipedTransformation(f, "a.bin", "multi_channel"), PipedTransformation(f, "b.bin", "multi_channel", if_file_exists="abort")])
    with pytest.raises(neurobatch.OutputExistsError, match="b.bin"):
        p.run()
    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False)
    p.add([PipedTransformation(f, "a.bin", "multi_channel"), PipedTransformation(f, "a.bin", "multi_channel")])
    with pytest.raises(neurobatch.BadOutputPathError, match="same output"):
        p.run()
    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, to_time=5000, show_progress_bar=False)
    p.add([PipedTransformation(f, "a.bin", "multi_channel")])
    with pytest.raises(neurobatch.BadRangeError, match="5000"):
        p.run()
    assert ran == []
    assert sorted(os.listdir(out)) == ["b.bin"]
    with pytest.raises(neurobatch.InvalidArgumentError, match="no steps"):
        BatchPipeline(path, "int16", 6, "channels", "1KB", out).run()
    with pytest.raises(neurobatch.InvalidArgumentError, match="output_path"):
        BatchPipeline(path, "int16", 6, "channels", "1KB")


def test_a_failing_step_raises_and_keeps_earlier_outputs_only(setup):
    path, _, out = setup

    def broken(x):
        raise ArithmeticError("step two failed")

    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False, processes=2)
    p.add([PipedTransformation(double, "a.bin", "multi_channel"), PipedTransformation(broken, "b.bin", "multi_channel")])
    with pytest.raises(ArithmeticError, match="step two failed"):
        p.run()
    # the failed step left nothing; a.bin was not yet consumed, so it stays
    assert sorted(os.listdir(out)) == ["a.bin", "a.yaml"]


def test_skip_reuses_an_existing_step_output(setup):
    path, data, out = setup
    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False)
    p.add([PipedTransformation(double, "a.bin", "multi_channel", keep=True)])
    p.run()
    ran = []

    def f(x):
        ran.append(1)
        return x

    p = BatchPipeline(path, "int16", 6, "channels", "1KB", out, show_progress_bar=False)
    p.add([PipedTransformation(f, "a.bin", "multi_channel", keep=True, if_file_exists="skip"),
           PipedTransformation(plus, "b.bin", "multi_channel", keep=True, amount=3)])
    paths, params = p.run()
    assert ran == []
    np.testing.assert_array_equal(RecordingsReader(paths[1])[:, :], data * 2 + 3)


def test_steps_log_their_progress_under_their_own_names(setup, caplog):
    """Each step's lines name it, also when an earlier step was skipped (its
    output exists) and when a step is one batch, as the one before it."""
    path, data, out = setup

    def pipeline():
        # channels=[0]: the first step keeps one channel, so each later step is one batch
        return BatchPipeline(path, "int16", 6, "channels", "2KB", out, channels=[0], show_progress_bar=False)

    p = pipeline()
    p.add([PipedTransformation(double, "a.bin", "multi_channel", keep=True)])
    p.run()
    p = pipeline()
    p.add([PipedTransformation(double, "a.bin", "multi_channel", keep=True, if_file_exists="skip"),
           PipedTransformation(plus, "b.bin", "single_channel_one_batch", keep=True, amount=3),
           PipedTransformation(plus, "c.bin", "multi_channel", keep=True, amount=1)])
    with caplog.at_level("INFO", logger="neurobatch"):
        p.run()
    lines = [r.getMessage() for r in caplog.records if r.name == "neurobatch.pipeline"]
    assert lines[0] == f"running 3 steps on {path}, writing to {out}"
    assert lines[1] == "step 2 of 3 (b.bin): 1 batch"
    assert re.fullmatch(r"step 2 of 3 \(b\.bin\): 1 of 1 batches done in \d+\.\d\d s", lines[2]), lines[2]
    assert lines[3] == "step 3 of 3 (c.bin): 1 batch"
    assert re.fullmatch(r"step 3 of 3 \(c\.bin\): 1 of 1 batches done in \d+\.\d\d s", lines[4]), lines[4]
    assert len(lines) == 5
    np.testing.assert_array_equal(RecordingsReader(os.path.join(out, "c.bin"))[:, :], data[:, [0]] * 2 + 4)
