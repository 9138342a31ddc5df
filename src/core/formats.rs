//! Acquisition formats beside the raw binary: SpikeGLX `.meta` files and
//! Open Ephys `structure.oebin`. Each gives the recording's parameters and
//! its metadata (sampling rate, per-channel scale to microvolts); plain
//! files take them from the YAML sidecar.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::dtype::{DataOrder, Dtype};
use crate::error::{show, Error, Result};
use crate::sidecar::PartialParams;

/// Where a recording's parameters came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// A headerless file with a YAML sidecar (or explicit parameters).
    #[default]
    Raw,
    SpikeGlx,
    OpenEphys,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Raw => "raw",
            Format::SpikeGlx => "spikeglx",
            Format::OpenEphys => "openephys",
        }
    }
}

/// What is known about a recording beyond its layout.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    pub format: Format,
    /// Samples per second.
    pub sampling_rate: Option<f64>,
    /// Microvolts per count, one per file channel.
    pub scale_uv: Option<Vec<f64>>,
}

/// A `.meta` or `structure.oebin` is a few kilobytes; anything far larger is not one.
const MAX_METADATA_BYTES: u64 = 16 << 20;

/// An Open Ephys continuous stream, chosen by index or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamSel {
    Index(usize),
    Name(String),
}

/// A recording located from the path a user opened.
#[derive(Debug)]
pub struct Located {
    /// The binary data file.
    pub data: PathBuf,
    /// Parameters the format fixes (none for raw files: see the sidecar).
    pub params: Option<PartialParams>,
    pub meta: Metadata,
    /// Metadata files the format was read from, and what each is to the
    /// recording (protected from being overwritten by outputs).
    pub files: Vec<(PathBuf, String)>,
}

/// Finds the format of `path`: a `structure.oebin` (or a `continuous.dat`
/// inside an Open Ephys recording), a SpikeGLX `.bin` with its `.meta`
/// beside it, or a raw file.
pub fn locate(path: &Path, stream: Option<&StreamSel>) -> Result<Located> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if path.extension().is_some_and(|e| e == "oebin") {
        return open_ephys(path, stream.cloned().unwrap_or(StreamSel::Index(0)));
    }
    if name == "continuous.dat" {
        // continuous/<stream folder>/continuous.dat under the recording folder
        let folder = path.parent();
        let oebin = folder.and_then(|f| f.parent()).and_then(|c| c.parent()).map(|r| r.join("structure.oebin"));
        if let (Some(folder), Some(oebin)) = (folder, oebin.filter(|o| o.is_file())) {
            let sel = match stream {
                Some(s) => s.clone(),
                None => StreamSel::Name(folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
            };
            return open_ephys(&oebin, sel);
        }
    }
    if stream.is_some() {
        return Err(Error::InvalidArgument(format!("a stream was chosen but {} is not an Open Ephys recording (structure.oebin or continuous.dat)", show(path))));
    }
    let meta = path.with_extension("meta");
    if path.extension().is_some_and(|e| e == "bin") && meta.is_file() {
        return spikeglx(path, &meta);
    }
    Ok(Located { data: path.to_path_buf(), params: None, meta: Metadata::default(), files: Vec::new() })
}

// ------------------------------------------------------------------ SpikeGLX

/// `key=value` lines of a SpikeGLX `.meta` file (keys may start with `~`).
pub fn parse_meta(text: &str) -> HashMap<String, String> {
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().trim_start_matches('~').to_string(), v.trim().to_string())).collect()
}

fn spikeglx(bin: &Path, meta_path: &Path) -> Result<Located> {
    let text = crate::io::read_text(meta_path, "SpikeGLX metadata", MAX_METADATA_BYTES)?;
    let meta = parse_meta(&text);
    let (n_channels, sampling_rate, scale_uv) = spikeglx_values(&meta).map_err(|reason| Error::MetadataInvalid { path: show(meta_path), reason })?;
    Ok(Located {
        data: bin.to_path_buf(),
        params: Some(PartialParams { dtype: Some(Dtype::I16), n_channels: Some(n_channels), data_order: Some(DataOrder::Samples) }),
        meta: Metadata { format: Format::SpikeGlx, sampling_rate: Some(sampling_rate), scale_uv: Some(scale_uv) },
        files: vec![(meta_path.to_path_buf(), "the input's SpikeGLX metadata".into())],
    })
}

fn number<T: std::str::FromStr>(meta: &HashMap<String, String>, key: &str) -> std::result::Result<T, String> {
    let v = meta.get(key).ok_or_else(|| format!("the key {key} is missing"))?;
    v.parse().map_err(|_| format!("{key}={v} is not a number"))
}

fn counts(meta: &HashMap<String, String>, key: &str, n: usize) -> std::result::Result<Vec<usize>, String> {
    let v = meta.get(key).ok_or_else(|| format!("the key {key} is missing"))?;
    let c: Vec<usize> = v.split(',').map(|x| x.trim().parse()).collect::<std::result::Result<_, _>>().map_err(|_| format!("{key}={v} is not {n} comma-separated counts"))?;
    if c.len() != n {
        return Err(format!("{key}={v} is not {n} comma-separated counts"));
    }
    Ok(c)
}

/// `snsSaveChanSubset`: "all", or ranges such as `0:383,768`.
fn saved_channels(meta: &HashMap<String, String>, n_acquired: usize) -> std::result::Result<Vec<usize>, String> {
    match meta.get("snsSaveChanSubset").map(String::as_str) {
        None | Some("all") => Ok((0..n_acquired).collect()),
        Some(list) => {
            let mut out = Vec::new();
            for part in list.split(',') {
                let bad = || format!("snsSaveChanSubset={list} is not a list of channels and ranges");
                let (a, b) = match part.split_once(':') {
                    Some((a, b)) => (a.trim().parse::<usize>().map_err(|_| bad())?, b.trim().parse::<usize>().map_err(|_| bad())?),
                    None => {
                        let a = part.trim().parse::<usize>().map_err(|_| bad())?;
                        (a, a)
                    }
                };
                if a > b || b >= n_acquired {
                    return Err(format!("snsSaveChanSubset={list}: {part} is outside the {n_acquired} acquired channels"));
                }
                out.extend(a..=b);
            }
            Ok(out)
        }
    }
}

/// nSavedChans, the sampling rate and µV per count of each saved channel.
///
/// Imec probes (`.ap.bin`, `.lf.bin`): `imAiRangeMax / imMaxInt / gain × 1e6`,
/// the gain of an AP channel being its `~imroTbl` entry's AP gain, of an LF
/// channel its LF gain (Neuropixels 1.0: entries `(chan bank ref apgain
/// lfgain hpfilt)`); probes whose table has no gains (Neuropixels 2.0) have
/// a fixed gain of 80. NI-DAQ (`.nidq.bin`): `niAiRangeMax / niMaxInt / gain
/// × 1e6` with `niMNGain` for MN channels, `niMAGain` for MA channels, 1 for
/// XA. Sync and digital channels hold bits, not volts: their scale is 1.
pub fn spikeglx_values(meta: &HashMap<String, String>) -> std::result::Result<(usize, f64, Vec<f64>), String> {
    let n_saved: usize = number(meta, "nSavedChans")?;
    if n_saved == 0 {
        return Err("nSavedChans=0: expected at least one channel".into());
    }
    let (rate, kinds): (f64, Vec<f64>) = if meta.contains_key("imSampRate") {
        let rate: f64 = number(meta, "imSampRate")?;
        let range: f64 = number(meta, "imAiRangeMax")?;
        let max_int: f64 = if meta.contains_key("imMaxInt") { number(meta, "imMaxInt")? } else { 512.0 };
        let ap_lf_sy = counts(meta, "snsApLfSy", 3)?;
        let imro = meta.get("imroTbl").ok_or("the key ~imroTbl is missing")?;
        let entries: Vec<Vec<f64>> = imro
            .split(')')
            .map(|e| e.trim_start_matches('('))
            .filter(|e| !e.is_empty())
            .skip(1) // the header: (probe type, channel count)
            .map(|e| e.split_whitespace().map(|x| x.parse::<f64>()).collect::<std::result::Result<Vec<_>, _>>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| format!("~imroTbl is not a list of numeric entries: {imro}"))?;
        let gain = |chan: usize, lf: bool| -> std::result::Result<f64, String> {
            let e = entries.get(chan).ok_or_else(|| format!("~imroTbl has {} entries, channel {chan} has none", entries.len()))?;
            // Neuropixels 1.0 entries carry gains; 2.0 entries (4-5 fields) do not.
            let g = if e.len() >= 6 { e[if lf { 4 } else { 3 }] } else { 80.0 };
            if g <= 0.0 {
                return Err(format!("~imroTbl gives channel {chan} a gain of {g}"));
            }
            Ok(g)
        };
        let (n_ap, n_lf, n_sy) = (ap_lf_sy[0], ap_lf_sy[1], ap_lf_sy[2]);
        let mut kinds = Vec::with_capacity(n_ap + n_lf + n_sy);
        for c in 0..n_ap {
            kinds.push(range / max_int / gain(c, false)? * 1e6);
        }
        for c in 0..n_lf {
            kinds.push(range / max_int / gain(c, true)? * 1e6);
        }
        kinds.extend(std::iter::repeat_n(1.0, n_sy));
        (rate, kinds)
    } else if meta.contains_key("niSampRate") {
        let rate: f64 = number(meta, "niSampRate")?;
        let range: f64 = number(meta, "niAiRangeMax")?;
        let max_int: f64 = if meta.contains_key("niMaxInt") { number(meta, "niMaxInt")? } else { 32768.0 };
        let c = counts(meta, "snsMnMaXaDw", 4)?;
        let mn: f64 = number(meta, "niMNGain")?;
        let ma: f64 = number(meta, "niMAGain")?;
        let mut kinds = Vec::new();
        kinds.extend(std::iter::repeat_n(range / max_int / mn * 1e6, c[0]));
        kinds.extend(std::iter::repeat_n(range / max_int / ma * 1e6, c[1]));
        kinds.extend(std::iter::repeat_n(range / max_int * 1e6, c[2]));
        kinds.extend(std::iter::repeat_n(1.0, c[3]));
        (rate, kinds)
    } else {
        return Err("neither imSampRate (imec probe) nor niSampRate (NI-DAQ) is present".into());
    };
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!("the sampling rate {rate} is not a positive number"));
    }
    let saved = saved_channels(meta, kinds.len())?;
    if saved.len() != n_saved {
        return Err(format!("nSavedChans={n_saved} but snsSaveChanSubset lists {} channels", saved.len()));
    }
    Ok((n_saved, rate, saved.iter().map(|&c| kinds[c]).collect()))
}

// ---------------------------------------------------------------- Open Ephys

#[derive(Deserialize)]
struct Oebin {
    continuous: Vec<OebinStream>,
}

#[derive(Deserialize)]
struct OebinStream {
    folder_name: String,
    sample_rate: f64,
    num_channels: usize,
    #[serde(default)]
    stream_name: Option<String>,
    channels: Vec<OebinChannel>,
}

#[derive(Deserialize)]
struct OebinChannel {
    bit_volts: f64,
    #[serde(default)]
    units: Option<String>,
}

fn open_ephys(oebin: &Path, sel: StreamSel) -> Result<Located> {
    let invalid = |reason: String| Error::MetadataInvalid { path: show(oebin), reason };
    let text = crate::io::read_text(oebin, "Open Ephys metadata", MAX_METADATA_BYTES)?;
    let doc: Oebin = serde_json::from_str(&text).map_err(|e| invalid(format!("not the JSON of a structure.oebin: {e}")))?;
    let names: Vec<String> = doc.continuous.iter().map(|s| s.folder_name.trim_end_matches('/').to_string()).collect();
    let index = match &sel {
        StreamSel::Index(i) if *i < doc.continuous.len() => *i,
        StreamSel::Index(i) => return Err(invalid(format!("stream {i} does not exist: the recording has {} continuous stream(s): {}", names.len(), names.join(", ")))),
        StreamSel::Name(n) => doc
            .continuous
            .iter()
            .position(|s| s.folder_name.trim_end_matches('/') == n || s.stream_name.as_deref() == Some(n.as_str()))
            .ok_or_else(|| invalid(format!("no continuous stream is named '{n}': the streams are {}", names.join(", "))))?,
    };
    let s = &doc.continuous[index];
    if s.channels.len() != s.num_channels || s.num_channels == 0 {
        return Err(invalid(format!("stream '{}' says num_channels {} but lists {} channels", names[index], s.num_channels, s.channels.len())));
    }
    let scale = s
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let per = match c.units.as_deref().unwrap_or("uV") {
                "uV" | "µV" => 1.0,
                "mV" => 1e3,
                "V" => 1e6,
                u => return Err(invalid(format!("channel {i} of stream '{}' has units '{u}': expected uV, mV or V", names[index]))),
            };
            Ok(c.bit_volts * per)
        })
        .collect::<Result<Vec<f64>>>()?;
    let root = oebin.parent().unwrap_or(Path::new("."));
    let folder = root.join("continuous").join(&names[index]);
    // structure.oebin and every file of the stream (timestamps, sample numbers, ...).
    let mut files = vec![(oebin.to_path_buf(), "the input's Open Ephys structure.oebin".to_string())];
    if let Ok(entries) = std::fs::read_dir(&folder) {
        files.extend(entries.filter_map(|e| e.ok()).map(|e| (e.path(), "a file of the input's Open Ephys stream".to_string())));
    }
    Ok(Located {
        data: folder.join("continuous.dat"),
        params: Some(PartialParams { dtype: Some(Dtype::I16), n_channels: Some(s.num_channels), data_order: Some(DataOrder::Samples) }),
        meta: Metadata { format: Format::OpenEphys, sampling_rate: Some(s.sample_rate), scale_uv: Some(scale) },
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn np1_meta() -> String {
        let mut imro = String::from("(0,384)");
        for c in 0..384 {
            imro += &format!("({c} 0 0 {} 250 1)", if c == 5 { 1000 } else { 500 });
        }
        format!("imSampRate=30000.0\nimAiRangeMax=0.6\nimAiRangeMin=-0.6\nimMaxInt=512\nnSavedChans=385\nsnsApLfSy=384,0,1\nsnsSaveChanSubset=all\n~imroTbl={imro}\nfileSizeBytes=123\n")
    }

    #[test]
    fn neuropixels_1_gains_by_hand() {
        let (n, rate, scale) = spikeglx_values(&parse_meta(&np1_meta())).unwrap();
        assert_eq!((n, rate), (385, 30000.0));
        // 0.6 V / 512 / 500 = 2.34375 µV per count; gain 1000 halves it; the sync channel is bits.
        assert!((scale[0] - 2.34375).abs() < 1e-12);
        assert!((scale[5] - 1.171875).abs() < 1e-12);
        assert_eq!(scale[384], 1.0);
    }

    #[test]
    fn saved_subsets_and_errors() {
        let text = np1_meta().replace("nSavedChans=385", "nSavedChans=3").replace("snsSaveChanSubset=all", "snsSaveChanSubset=4:5,384");
        let (_, _, scale) = spikeglx_values(&parse_meta(&text)).unwrap();
        assert_eq!(scale.len(), 3);
        assert!((scale[1] - 1.171875).abs() < 1e-12 && scale[2] == 1.0);
        let e = spikeglx_values(&parse_meta(&np1_meta().replace("nSavedChans=385", "nSavedChans=384"))).unwrap_err();
        assert!(e.contains("nSavedChans=384"), "{e}");
        let e = spikeglx_values(&parse_meta(&np1_meta().replace("imSampRate=30000.0", "imSampRate=fast"))).unwrap_err();
        assert!(e.contains("imSampRate=fast"), "{e}");
    }

    #[test]
    fn nidq_gains() {
        let meta = "niSampRate=25000\nniAiRangeMax=5\nniMaxInt=32768\nnSavedChans=3\nsnsMnMaXaDw=1,0,1,1\nniMNGain=200\nniMAGain=1\nsnsSaveChanSubset=all\n";
        let (_, rate, scale) = spikeglx_values(&parse_meta(meta)).unwrap();
        assert_eq!(rate, 25000.0);
        assert!((scale[0] - 5.0 / 32768.0 / 200.0 * 1e6).abs() < 1e-9);
        assert!((scale[1] - 5.0 / 32768.0 * 1e6).abs() < 1e-9);
        assert_eq!(scale[2], 1.0);
    }
}
