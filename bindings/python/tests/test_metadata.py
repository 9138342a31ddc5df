"""SpikeGLX and Open Ephys recordings: sampling rate, scales to
microvolts, channel kinds, microvolt batches (as in C)."""

import json
import os

import numpy as np
import pytest

import neurobatch
from neurobatch import BatchProcessor, RecordingsReader
from conftest import values


def write_np1_ap(folder, n_obs=300):
    """A Neuropixels 1.0 run's AP file: 384 AP channels and the sync word,
    saved from acquired channels 0..383 and 768 (as the SpikeGLX metadata
    guide describes). Channel 7 at AP gain 1000, the others at 500."""
    data = values(n_obs, 385)
    bin_path = os.path.join(folder, "run_g0_t0.imec0.ap.bin")
    data.tofile(bin_path)
    imro = "(0,384)" + "".join(f"({c} 0 0 {1000 if c == 7 else 500} 250 1)" for c in range(384))
    meta = (
        "acqApLfSy=384,384,1\nappVersion=20230425\nfileName=run_g0_t0.imec0.ap.bin\nfileSizeBytes=999\n"
        "imAiRangeMax=0.6\nimAiRangeMin=-0.6\nimDatPrb_type=0\nimMaxInt=512\nimSampRate=30000.123\n"
        "nSavedChans=385\nsnsApLfSy=384,0,1\nsnsSaveChanSubset=0:383,768\ntypeThis=imec\n"
        f"~imroTbl={imro}\n"
    )
    with open(os.path.join(folder, "run_g0_t0.imec0.ap.meta"), "w") as f:
        f.write(meta)
    return bin_path, data


def write_open_ephys(folder, n_obs=250):
    """An Open Ephys GUI 0.6 recording: 3 headstage channels and an AUX
    input in one stream, 2 ADC inputs in another."""
    root = os.path.join(folder, "Record Node 101", "experiment1", "recording1")
    a = os.path.join(root, "continuous", "Acquisition_Board-100.Rhythm Data")
    b = os.path.join(root, "continuous", "Acquisition_Board-100.Rhythm Data_ADC")
    os.makedirs(a)
    os.makedirs(b)
    data_a, data_b = values(n_obs, 4), values(n_obs, 2)
    data_a.tofile(os.path.join(a, "continuous.dat"))
    data_b.tofile(os.path.join(b, "continuous.dat"))
    head = {"description": "Headstage data channel", "bit_volts": 0.19499999284744263, "units": ""}
    oebin = {
        "GUI version": "0.6.7",
        "continuous": [
            {"folder_name": "Acquisition_Board-100.Rhythm Data/", "sample_rate": 30000.0, "stream_name": "Rhythm Data",
             "num_channels": 4,
             "channels": [dict(head, channel_name=f"CH{i}") for i in (1, 2, 3)]
             + [{"channel_name": "AUX1", "description": "Auxiliar data channel", "bit_volts": 0.0000374, "units": ""}]},
            {"folder_name": "Acquisition_Board-100.Rhythm Data_ADC/", "sample_rate": 30000.0,
             "stream_name": "Rhythm Data_ADC", "num_channels": 2,
             "channels": [{"channel_name": f"ADC{i}", "description": "ADC data channel", "bit_volts": 0.00015258789,
                           "units": ""} for i in (1, 2)]},
        ],
        "events": [],
        "spikes": [],
    }
    path = os.path.join(root, "structure.oebin")
    with open(path, "w") as f:
        json.dump(oebin, f)
    return path, os.path.join(b, "continuous.dat"), data_a, data_b


def test_spikeglx(tmp_path):
    path, data = write_np1_ap(os.fspath(tmp_path))
    r = RecordingsReader(path)  # everything from the .meta
    assert r.format == "spikeglx"
    assert (r.shape, r.dtype, r.data_order) == ((300, 385), np.dtype("int16"), "samples")
    assert r.sampling_rate == 30000.123
    assert r.duration == pytest.approx(300 / 30000.123)
    s = r.scales_uv
    # 0.6 V / 512 / 500 x 1e6 = 2.34375 uV per count; gain 1000: 1.171875; sync word: 1
    assert s.shape == (385,) and s[0] == pytest.approx(2.34375) and s[7] == pytest.approx(1.171875) and s[384] == 1.0
    assert r.channel_kinds == ["neural_ap"] * 384 + ["digital"]
    assert r.neural_channels == list(range(384))
    uv = r.read(0, 300, [7, 0, 384], microvolts=True)
    assert uv.dtype == np.float32
    want = (data[:, [7, 0, 384]].astype(np.float64) * s[[7, 0, 384]]).astype(np.float32)
    np.testing.assert_array_equal(uv, want)
    # microvolt batches, buffer rows zero
    bp = BatchProcessor(path, max_memory="100KB", buffer_size=2, microvolts=True, show_progress_bar=False)
    d, idx_local, idx = next(bp.multi_channel(channels=r.neural_channels[:3]))
    assert d.dtype == np.float32
    np.testing.assert_array_equal(d[:2], 0)
    np.testing.assert_array_equal(d[idx_local], (data[idx[0], :3] * s[:3]).astype(np.float32))
    # an apply over microvolts writes float32 with the input's sampling rate
    out = os.fspath(tmp_path / "uv.bin")
    bp.multi_channel_apply(lambda b: b[2:-2], "disk", output_path=out)
    assert open(os.fspath(tmp_path / "uv.yaml")).read() == (
        "data_bytes: 462000\ndata_order: samples\ndtype: float32\nn_channels: 385\nsampling_rate: 30000.123\n")
    assert RecordingsReader(out).sampling_rate == 30000.123
    # explicit options win over the .meta
    assert RecordingsReader(path, sampling_rate=25000).sampling_rate == 25000


def test_open_ephys(tmp_path):
    oebin, adc_dat, data_a, data_b = write_open_ephys(os.fspath(tmp_path))
    r = RecordingsReader(oebin)
    assert r.format == "openephys" and r.path.endswith("Rhythm Data/continuous.dat")
    assert r.shape == (250, 4) and r.sampling_rate == 30000.0
    # GUI 0.6, empty units: headstage bit_volts in uV; AUX in volts
    assert r.scales_uv[0] == 0.19499999284744263 and r.scales_uv[3] == pytest.approx(37.4)
    assert r.channel_kinds == ["neural", "neural", "neural", "analog"]
    np.testing.assert_array_equal(r[:, :], data_a)
    by_name = RecordingsReader(oebin, stream="Rhythm Data_ADC")
    by_index = RecordingsReader(oebin, stream=1)
    direct = RecordingsReader(adc_dat)  # a continuous.dat finds its stream in the .oebin
    for x in (by_name, by_index, direct):
        assert x.shape == (250, 2) and x.channel_kinds == ["analog", "analog"]
        assert x.scales_uv[1] == pytest.approx(152.58789)
        np.testing.assert_array_equal(x[:, :], data_b)
    np.testing.assert_array_equal(by_name.read(microvolts=True), (data_b * by_name.scales_uv).astype(np.float32))
    with pytest.raises(neurobatch.InvalidArgumentError, match="stream"):
        RecordingsReader(oebin, stream=["x"])


def test_raw_files_have_no_metadata(rec):
    path, _ = rec
    r = RecordingsReader(path)
    assert r.sampling_rate is None and r.duration is None
    assert r.scales_uv is None and r.channel_kinds is None and r.neural_channels is None
    with pytest.raises(neurobatch.NoMetadataError, match="no scale to microvolts: only SpikeGLX and Open Ephys") as e:
        r.require_scales_uv()
    assert e.value.status == -25 and e.value.status_name == "NB_STATUS_NO_METADATA"
    with pytest.raises(neurobatch.NoMetadataError, match="channel kinds"):
        r.require_channel_kinds()
    with pytest.raises(neurobatch.NoMetadataError, match="microvolts were asked for"):
        r.read(0, 10, microvolts=True)


def test_sidecar_sampling_rate(tmp_path):
    data = values(100, 2)
    path = os.fspath(tmp_path / "r.bin")
    data.tofile(path)
    (tmp_path / "r.yaml").write_text("dtype: int16\nn_channels: 2\ndata_order: samples\nsampling_rate: 20000\n")
    assert RecordingsReader(path).sampling_rate == 20000.0


def test_bad_metadata_is_refused_at_open(tmp_path):
    path, _ = write_np1_ap(os.fspath(tmp_path))
    meta = os.fspath(tmp_path / "run_g0_t0.imec0.ap.meta")
    text = open(meta).read().replace("nSavedChans=385", "nSavedChans=abc")
    open(meta, "w").write(text)
    with pytest.raises(neurobatch.MetadataInvalidError, match="nSavedChans") as e:
        RecordingsReader(path)
    assert isinstance(e.value, ValueError)
