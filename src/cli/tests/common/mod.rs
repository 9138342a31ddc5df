//! Recordings the CLI tests write for themselves, the tool run as a user
//! runs it, and the library's own apply as the reference for its outputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use neurobatch_core::apply::{apply, ApplyOptions, CallOutput, Mode};
use neurobatch_core::output::IfExists;
use neurobatch_core::result::ResultBlock;
use neurobatch_core::{Batch, BatchOptions, DataOrder, Dtype, OpenOptions, Reader};

/// What a run of the tool did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_neurobatch"))
}

/// Runs `neurobatch ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    let out: Output = tool().args(args).current_dir(dir).output().expect("the neurobatch binary runs");
    Run { code: out.status.code().expect("exited, not killed"), stdout: String::from_utf8(out.stdout).unwrap(), stderr: String::from_utf8(out.stderr).unwrap() }
}

/// Runs it and expects success.
pub fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = run(dir, args);
    assert_eq!(r.code, 0, "neurobatch {args:?} failed: {r:?}");
    r
}

/// Runs it and expects `code` and exactly `message` as the error line.
pub fn fails(dir: &Path, args: &[&str], code: i32, message: &str) {
    let r = run(dir, args);
    assert_eq!((r.code, r.stderr.as_str(), r.stdout.as_str()), (code, format!("neurobatch: error: {message}\n").as_str(), ""), "neurobatch {args:?}");
}

/// The value of an int16 fixture at (observation s, channel c): both
/// matter, so a mix-up of rows and columns changes it; some are negative.
pub fn value(n_ch: usize, s: u64, c: usize) -> i16 {
    ((s * n_ch as u64 + c as u64) % 65521) as i32 as i16
}

/// `n_obs × n_ch` int16 values of the formula, in `order`.
pub fn int16_bytes(n_ch: usize, n_obs: u64, order: DataOrder) -> Vec<u8> {
    let mut v = Vec::with_capacity(n_obs as usize * n_ch * 2);
    match order {
        DataOrder::Samples => (0..n_obs).for_each(|s| (0..n_ch).for_each(|c| v.extend(value(n_ch, s, c).to_le_bytes()))),
        DataOrder::Channels => (0..n_ch).for_each(|c| (0..n_obs).for_each(|s| v.extend(value(n_ch, s, c).to_le_bytes()))),
    }
    v
}

/// A raw int16 recording `name` with its sidecar (a `sampling_rate` line when given).
pub fn raw(dir: &Path, name: &str, n_ch: usize, n_obs: u64, order: DataOrder, rate: Option<f64>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, int16_bytes(n_ch, n_obs, order)).unwrap();
    let rate = rate.map(|r| format!("sampling_rate: {r:?}\n")).unwrap_or_default();
    std::fs::write(path.with_extension("yaml"), format!("dtype: int16\nn_channels: {n_ch}\ndata_order: {}\n{rate}", order.name())).unwrap();
    path
}

/// A Neuropixels 1.0 AP file as SpikeGLX writes it (Metadata_Help /
/// Metadata_30): `acqApLfSy=384,384,1`, the `.ap.bin` saving acquired
/// channels 0..383 and the SY word 768; AP gain 500 in every `~imroTbl`
/// entry but channel 7's (1000). Volts per count: imAiRangeMax / imMaxInt /
/// gain, so 0.6 / 512 / 500 × 1e6 = 2.34375 µV (channel 7: 1.171875); the
/// SY word is bits (scale 1).
pub fn spikeglx_np1_ap(dir: &Path, stem: &str, n_obs: u64) -> PathBuf {
    let bin = dir.join(format!("{stem}.imec0.ap.bin"));
    std::fs::write(&bin, int16_bytes(385, n_obs, DataOrder::Samples)).unwrap();
    let mut imro = "(0,384)".to_string();
    for c in 0..384 {
        imro += &format!("({c} 0 0 {} 250 1)", if c == 7 { 1000 } else { 500 });
    }
    let meta = format!(
        "acqApLfSy=384,384,1\nappVersion=20230425\nfileCreateTime=2026-11-25T10:00:00\nfileName={stem}.imec0.ap.bin\n\
         fileSizeBytes={}\nfileTimeSecs=0.01\nimAiRangeMax=0.6\nimAiRangeMin=-0.6\nimChan0apGain=500\nimChan0lfGain=250\n\
         imDatPrb_type=0\nimMaxInt=512\nimSampRate=30000\nimroFile=\nnSavedChans=385\nsnsApLfSy=384,0,1\nsnsSaveChanSubset=0:383,768\n\
         typeThis=imec\n~imroTbl={imro}\n~snsChanMap=(384,384,1)(AP0;0:0)\n",
        n_obs * 385 * 2
    );
    std::fs::write(dir.join(format!("{stem}.imec0.ap.meta")), meta).unwrap();
    bin
}

/// The µV scale of channel `c` of `spikeglx_np1_ap`, from the formula above.
pub fn np1_scale(c: usize) -> f64 {
    match c {
        384 => 1.0,
        7 => 0.6 / 512.0 / 1000.0 * 1e6,
        _ => 0.6 / 512.0 / 500.0 * 1e6,
    }
}

/// An Open Ephys recording folder as the GUI (0.5/0.6) writes it, per the
/// Binary Format documentation: `structure.oebin` and
/// `continuous/<folder>/continuous.dat` (interleaved int16). Two headstage
/// channels (bit_volts in µV) and one ADC channel (bit_volts in volts).
pub fn openephys(dir: &Path, n_obs: u64) -> PathBuf {
    let root = dir.join("Record Node 101/experiment1/recording1");
    let stream = root.join("continuous/Rhythm_FPGA-100.0");
    std::fs::create_dir_all(&stream).unwrap();
    std::fs::write(stream.join("continuous.dat"), int16_bytes(3, n_obs, DataOrder::Samples)).unwrap();
    let oebin = r#"{
 "GUI version": "0.5.5",
 "continuous": [{
  "folder_name": "Rhythm_FPGA-100.0/", "sample_rate": 30000.0, "source_processor_name": "Rhythm FPGA",
  "source_processor_id": 100, "source_processor_sub_idx": 0, "recorded_processor": "Rhythm FPGA",
  "recorded_processor_id": 100, "num_channels": 3,
  "channels": [
   {"channel_name": "CH1", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.195, "units": "uV", "source_processor_index": 0, "recorded_processor_index": 0},
   {"channel_name": "CH2", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.195, "units": "uV", "source_processor_index": 1, "recorded_processor_index": 1},
   {"channel_name": "ADC1", "description": "ADC data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.00015258789062500001, "units": "V", "source_processor_index": 2, "recorded_processor_index": 2}
  ]}],
 "events": [], "spikes": []
}"#;
    std::fs::write(root.join("structure.oebin"), oebin).unwrap();
    root.join("structure.oebin")
}

/// The library's convert as a program using it writes one: an apply whose
/// function copies each batch, into `out`.
pub fn library_apply(inputs: &[PathBuf], out: &Path, batches: &BatchOptions, cast: Option<Dtype>, n_threads: usize) {
    let reader = Arc::new(Reader::open_session(inputs, &OpenOptions::default()).unwrap());
    let copy = |b: &Batch<'_>, _: Option<&ResultBlock>| -> neurobatch_core::Result<CallOutput> {
        Ok(CallOutput { code: 0, result: Some(ResultBlock::from_bytes(b.dtype, b.info.n_rows, b.channels.len(), b.layout, b.data)?) })
    };
    let opts = ApplyOptions { mode: Mode::Disk { path: out.to_path_buf(), if_exists: IfExists::Abort }, cast, n_threads, ..Default::default() };
    apply(&reader, batches, &opts, Some(&copy), None, None).unwrap();
}

/// The names in `dir`, sorted (hidden temporary files included).
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

pub fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

pub fn i16s(bytes: &[u8]) -> Vec<i16> {
    bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}
