"""The examples of YASS's yass.batch documentation, run with only their
import changed (``yass.batch`` -> ``neurobatch``; the files in
yass_examples/ are the documentation's text otherwise).

Each example reads ``~/data/ucl-neuropixel/rawDataSample.bin`` (385 int16
channels, 'wide' = channels order), so HOME points at a temporary folder
holding a generated recording. Two things outside yass.batch are stood in
for: matplotlib (a recorder of what is plotted, so the plots can be
checked) and ``yass.preprocess.filter`` (butterworth and standarize:
simple deterministic filters with the documented signatures).
"""

import os
import runpy
import sys
import types

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
N_CHANNELS = 385
# multi_channel and single_channel read observations up to 200000
N_BIG = 200_000
N_SMALL = 5_000


def raw_values(n_obs):
    """Observation t of channel c holds (t mod 30011) + c."""
    t = (np.arange(n_obs) % 30011).astype(np.int16)
    return t[:, None] + np.arange(N_CHANNELS, dtype=np.int16)[None, :]


def write_raw(path, n_obs):
    """Channel after channel, as 'wide' (channels order) says."""
    t = (np.arange(n_obs) % 30011).astype(np.int16)
    with open(path, "wb") as f:
        for c in range(N_CHANNELS):
            (t + np.int16(c)).tofile(f)


@pytest.fixture(scope="module")
def big_raw(tmp_path_factory):
    path = tmp_path_factory.mktemp("raw") / "rawDataSample.bin"
    write_raw(path, N_BIG)
    return path


class Axes:
    def __init__(self):
        self.plotted = []
        self.title = None

    def plot(self, y, *args, **kwargs):
        self.plotted.append(np.array(y))

    def set_title(self, title):
        self.title = title


class Pyplot(types.ModuleType):
    """Records the axes each example plots on."""

    def __init__(self):
        super().__init__("matplotlib.pyplot")
        self.axes = []

    def subplots(self, nrows=1, ncols=1, **kwargs):
        axes = tuple(Axes() for _ in range(nrows * ncols))
        self.axes.extend(axes)
        return object(), axes

    def show(self):
        pass

    def tight_layout(self):
        pass


def butterworth(ts, low_freq, high_factor, order, sampling_freq):
    """Stand-in: removes the mean and a three-sample moving average."""
    x = np.asarray(ts, dtype=np.float64)
    smooth = np.convolve(x, np.ones(3) / 3, mode="same")
    return x - smooth - (x - smooth).mean()


def standarize(rec, sampling_freq):
    """Stand-in: zero mean, unit standard deviation."""
    x = np.asarray(rec, dtype=np.float64)
    return (x - x.mean()) / (x.std() or 1.0)


@pytest.fixture
def run_example(tmp_path, monkeypatch, capsys, big_raw):
    """Runs yass_examples/<name> with HOME at a temporary folder holding a
    recording of `n_obs` observations; returns (namespace, plot axes, stdout)."""

    def run(name, n_obs):
        home = tmp_path / "home"
        data_dir = home / "data" / "ucl-neuropixel"
        (data_dir / "tmp").mkdir(parents=True)  # the examples' output folder
        (home / "data" / "yass").mkdir(parents=True)
        raw = data_dir / "rawDataSample.bin"
        if n_obs == N_BIG:
            os.link(big_raw, raw)
        else:
            write_raw(raw, n_obs)
        monkeypatch.setenv("HOME", os.fspath(home))
        pyplot = Pyplot()
        matplotlib = types.ModuleType("matplotlib")
        matplotlib.pyplot = pyplot
        filt = types.ModuleType("yass.preprocess.filter")
        filt.butterworth, filt.standarize = butterworth, standarize
        for mod, value in [("matplotlib", matplotlib), ("matplotlib.pyplot", pyplot),
                           ("yass", types.ModuleType("yass")), ("yass.preprocess", types.ModuleType("yass.preprocess")),
                           ("yass.preprocess.filter", filt)]:
            monkeypatch.setitem(sys.modules, mod, value)
        monkeypatch.chdir(tmp_path)
        ns = runpy.run_path(os.path.join(HERE, "yass_examples", name), run_name="__main__")
        return ns, pyplot.axes, capsys.readouterr().out

    return run


def test_examples_change_only_the_import():
    """Every line naming neurobatch is an import that named yass.batch."""
    for name in sorted(os.listdir(os.path.join(HERE, "yass_examples"))):
        with open(os.path.join(HERE, "yass_examples", name)) as f:
            lines = [ln for ln in f if "neurobatch" in ln]
        assert lines and all(ln.startswith("from neurobatch") and "import" in ln for ln in lines), name


def test_multi_channel(run_example):
    ns, _, out = run_example("multi_channel.py", N_BIG)
    lines = out.splitlines()
    # 300MB: 408536 rows of 385 int16 channels -> one batch of every observation
    assert lines[0] == "Shape: (200000, 385). Index: (slice(0, 200000, None), slice(0, 385, None))"
    assert lines[1] == "Shape: (100000, 3). Index: (slice(100000, 200000, None), [0, 1, 2])"
    # 100KB, 3 channels: 17066 rows per batch, 10 rows of buffer on each side
    assert lines[2] == ("Shape: (17086, 3). Local: (slice(10, 17076, None), slice(None, None, None)). "
                        "Absolute: (slice(0, 17066, None), [0, 1, 2])")
    assert lines[-2] == ("Shape: (14690, 3). Local: (slice(10, 14680, None), slice(None, None, None)). "
                         "Absolute: (slice(85330, 100000, None), [0, 1, 2])")
    assert len([ln for ln in lines if ln.startswith("Shape")]) == 2 + 6
    raw = raw_values(N_BIG)
    d, idx = ns["d"], ns["idx"]
    np.testing.assert_array_equal(d[ns["idx_local"]], raw[idx[0]][:, idx[1]])
    np.testing.assert_array_equal(d[-10:], raw[100000:100010, :3])  # buffer from the file


def test_multi_channel_apply_disk(run_example):
    ns, axes, _ = run_example("multi_channel_apply_disk.py", N_SMALL)
    raw = raw_values(N_SMALL)
    filtered = ns["filtered"]
    assert filtered.shape == (N_SMALL, 3) and filtered.dtype == np.int16
    np.testing.assert_array_equal(filtered[:, :], raw[:, :3] + 1)
    np.testing.assert_array_equal(axes[0].plotted[0], raw[:2000, 0])
    np.testing.assert_array_equal(axes[1].plotted[0], raw[:2000, 0] + 1)


def test_multi_channel_apply_memory(run_example):
    ns, _, _ = run_example("multi_channel_apply_memory.py", N_SMALL)
    raw = raw_values(N_SMALL)
    assert len(ns["res"]) == 1  # 10MB hold 1747626 rows of 3 channels
    np.testing.assert_array_equal(ns["arr"], raw[:, :3].max(axis=0)[None])


def test_single_channel(run_example):
    _, _, out = run_example("single_channel.py", N_BIG)
    # 1MB: 524288 observations per batch, so each channel fits in one
    assert out.splitlines() == ["(200000,) Data from channel 0", "(200000,) Data from channel 1",
                                "(200000,) Data from channel 2", "(100000,)", "(100000,)", "(100000,)"]


def test_single_channel_apply(run_example):
    ns, axes, _ = run_example("single_channel_apply.py", N_SMALL)
    raw = raw_values(N_SMALL)
    filtered = ns["filtered"]
    assert filtered.shape == (N_SMALL, 3) and filtered.data_order == "channels"
    for c in range(3):
        np.testing.assert_array_equal(filtered[:, c], butterworth(raw[:, c], 300, 0.1, 3, 30000))
    np.testing.assert_array_equal(axes[1].plotted[0], butterworth(raw[:, 0], 300, 0.1, 3, 30000)[:2000])


def test_pipeline(run_example):
    ns, axes, _ = run_example("pipeline.py", N_SMALL)
    raw = raw_values(N_SMALL)
    filtered = butterworth(raw[:, 0], 300, 0.1, 3, 30000)
    assert ns["filtered"].shape == ns["standarized"].shape == (N_SMALL, N_CHANNELS)
    np.testing.assert_array_equal(axes[0].plotted[0], raw[:2000, 0])
    np.testing.assert_array_equal(axes[1].plotted[0], filtered[:2000])
    np.testing.assert_array_equal(axes[2].plotted[0], standarize(filtered, 30000)[:2000])
    assert [a.title for a in axes] == ["Raw data", "Filtered data", "Standarized data"]


def test_reader(run_example):
    ns, _, _ = run_example("reader.py", N_SMALL)
    assert ns["reader_wide"].shape == ns["reader_long"].shape == (100000, 50)
    np.testing.assert_array_equal(ns["obs"], ns["long_data"][10000:20000, 20:30])
    np.testing.assert_array_equal(ns["reader_wide"][10000:20000, 20:30], ns["wide_data"].T[10000:20000, 20:30])
