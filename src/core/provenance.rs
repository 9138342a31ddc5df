//! Where each value describing a recording came from: the options it was
//! opened with, its YAML sidecar, or its format's metadata file. A user who
//! sees 385 channels can then tell whether a sidecar or a SpikeGLX `.meta`
//! said so (the command-line tool's `info` shows it).

use std::path::{Path, PathBuf};

use crate::formats::Format;

/// One place a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Given when opening ([`crate::OpenOptions`]).
    Options,
    /// The YAML sidecar beside the data file.
    Sidecar(PathBuf),
    /// The format's metadata file: a SpikeGLX `.meta` or an Open Ephys
    /// `structure.oebin`.
    Metadata(Format, PathBuf),
}

impl Source {
    /// A short name of the kind of source: `options`, `sidecar`, `.meta`
    /// or `structure.oebin`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Options => "options",
            Source::Sidecar(_) => "sidecar",
            Source::Metadata(Format::SpikeGlx, _) => ".meta",
            Source::Metadata(Format::OpenEphys, _) => "structure.oebin",
            Source::Metadata(Format::Raw, _) => "metadata",
        }
    }

    /// The file the value was read from (none for options).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Options => None,
            Source::Sidecar(p) | Source::Metadata(_, p) => Some(p),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path() {
            None => f.write_str("the options given when opening"),
            Some(p) => write!(f, "{} {}", self.kind(), crate::error::show(p)),
        }
    }
}

/// Where each value of a recording's description came from; `None` where
/// the value is not known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub dtype: Source,
    pub n_channels: Source,
    pub data_order: Source,
    pub sampling_rate: Option<Source>,
    pub scales_uv: Option<Source>,
    pub channel_kinds: Option<Source>,
}
