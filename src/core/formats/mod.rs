//! Acquisition formats beside the raw binary: SpikeGLX `.meta` files and
//! Open Ephys `structure.oebin`. Each gives the recording's parameters and
//! its metadata (sampling rate, what each channel is and its scale to
//! microvolts); plain files take them from the YAML sidecar.
//!
//! How each format's documentation is read is described in `docs/formats.md`.

mod openephys;
mod spikeglx;

use std::path::{Path, PathBuf};

use crate::error::{show, Error, Result};
use crate::sidecar::PartialParams;

pub use spikeglx::{parse_meta, spikeglx_values, Scales, SpikeGlxStream};

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

/// What a channel of a recording holds, as its format's metadata says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// The metadata does not say.
    Unknown,
    /// A wideband (full-band) neural channel: Open Ephys headstage/electrode
    /// channels, NI-DAQ MN channels, SpikeGLX probes without an LF band.
    Neural,
    /// The AP (action potential, high-pass) band of a SpikeGLX probe channel.
    NeuralAp,
    /// The LF (local field, low-pass) band of a SpikeGLX probe channel.
    NeuralLf,
    /// An auxiliary analog input: NI-DAQ MA/XA, OneBox XA, Open Ephys ADC and AUX.
    Analog,
    /// A word of digital lines or status bits (SpikeGLX SY, NI-DAQ and OneBox
    /// XD, an Open Ephys sync line): not a voltage; its scale is 1.
    Digital,
}

impl ChannelKind {
    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Unknown => "unknown",
            ChannelKind::Neural => "neural",
            ChannelKind::NeuralAp => "neural_ap",
            ChannelKind::NeuralLf => "neural_lf",
            ChannelKind::Analog => "analog",
            ChannelKind::Digital => "digital",
        }
    }

    /// Neural, AP or LF: a channel recorded from an electrode.
    pub fn is_neural(self) -> bool {
        matches!(self, ChannelKind::Neural | ChannelKind::NeuralAp | ChannelKind::NeuralLf)
    }
}

/// What is known about a recording beyond its layout.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    pub format: Format,
    /// Samples per second.
    pub sampling_rate: Option<f64>,
    /// Microvolts per count, one per file channel; 1 for digital words.
    pub scale_uv: Option<Vec<f64>>,
    /// Why `scale_uv` is absent when the format would give it (shown to users).
    pub no_scale_reason: Option<String>,
    /// What each file channel holds, one per file channel.
    pub channel_kinds: Option<Vec<ChannelKind>>,
}

impl Metadata {
    /// The scales to microvolts, or `NoMetadata` saying why there are none.
    pub fn scales_uv(&self, path: &Path) -> Result<&[f64]> {
        self.scale_uv.as_deref().ok_or_else(|| {
            let why = self.no_scale_reason.as_deref().unwrap_or("only SpikeGLX and Open Ephys recordings carry gains");
            Error::NoMetadata(format!("{} has no scale to microvolts: {why}", show(path)))
        })
    }

    /// The channel kinds, or `NoMetadata` saying why there are none.
    pub fn kinds(&self, path: &Path) -> Result<&[ChannelKind]> {
        self.channel_kinds.as_deref().ok_or_else(|| {
            let why = match self.format {
                Format::Raw => "only SpikeGLX and Open Ephys recordings say what their channels are",
                _ => "n_channels was given explicitly and differs from the metadata's channel count",
            };
            Error::NoMetadata(format!("the channel kinds of {} are not known: {why}", show(path)))
        })
    }
}

/// A `.meta` or `structure.oebin` is a few kilobytes; anything far larger is not one.
pub(crate) const MAX_METADATA_BYTES: u64 = 16 << 20;

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
    /// The file the format's parameters and metadata were read from (a
    /// `.meta` or `structure.oebin`; none for raw files).
    pub metadata_file: Option<PathBuf>,
    /// Metadata files the format was read from, and what each is to the
    /// recording (protected from being overwritten by outputs).
    pub files: Vec<(PathBuf, String)>,
}

/// Finds the format of `path`: a `structure.oebin` (or a `continuous.dat`
/// inside an Open Ephys recording), a SpikeGLX `.bin` with its `.meta`
/// beside it, or a raw file.
pub fn locate(path: &Path, stream: Option<&StreamSel>) -> Result<Located> {
    if path.is_dir() {
        // An Open Ephys recording is a folder; users name the folder.
        let oebin = path.join("structure.oebin");
        if oebin.is_file() {
            return openephys::open(&oebin, stream.cloned().unwrap_or(StreamSel::Index(0)));
        }
        return Err(Error::InvalidArgument(folder_message(path)));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if path.extension().is_some_and(|e| e == "oebin") {
        return openephys::open(path, stream.cloned().unwrap_or(StreamSel::Index(0)));
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
            return openephys::open(&oebin, sel);
        }
    }
    if stream.is_some() {
        return Err(Error::InvalidArgument(format!(
            "a stream was chosen but {} is not an Open Ephys recording (structure.oebin or continuous.dat)",
            show(path)
        )));
    }
    let meta = path.with_extension("meta");
    if path.extension().is_some_and(|e| e == "bin") && meta.is_file() {
        return spikeglx::open(path, &meta);
    }
    Ok(Located { data: path.to_path_buf(), params: None, meta: Metadata::default(), metadata_file: None, files: Vec::new() })
}

/// What to say of a folder given as a recording: what is accepted, and the
/// Open Ephys recordings found below it (Record Node / experiment /
/// recording folders), so the user can pick one.
fn folder_message(path: &Path) -> String {
    let mut found = Vec::new();
    let mut level = vec![path.to_path_buf()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for dir in &level {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut subdirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
            subdirs.sort();
            for sub in subdirs {
                if sub.join("structure.oebin").is_file() {
                    found.push(sub.join("structure.oebin"));
                } else {
                    next.push(sub);
                }
            }
        }
        level = next;
    }
    let mut text = format!(
        "recording {} is a directory; expected a regular file (raw with its YAML sidecar, or a SpikeGLX .bin beside its .meta) or an Open Ephys recording folder (one that holds structure.oebin)",
        show(path)
    );
    match found.len() {
        0 => {}
        1..=5 => text += &format!("; below it: {}", found.iter().map(|f| show(f)).collect::<Vec<_>>().join(", ")),
        n => text += &format!("; below it are {n} Open Ephys recordings, e.g. {}", show(&found[0])),
    }
    text
}
