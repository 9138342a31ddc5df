//! `neurobatch info`: what a recording holds and where each value came from.

use std::path::Path;

use neurobatch_core::formats::{ChannelKind, Format};
use neurobatch_core::{OpenOptions, Reader, Source};
use serde::Serialize;

use crate::exit::Failure;

/// The facts about one recording; the JSON document is an array of these.
#[derive(Serialize, Debug)]
pub struct Facts {
    /// As given on the command line.
    pub path: String,
    /// The binary file read (an Open Ephys stream's continuous.dat).
    pub data_file: String,
    /// raw, spikeglx or openephys.
    pub format: &'static str,
    pub dtype: &'static str,
    pub data_order: &'static str,
    pub n_channels: usize,
    pub n_observations: u64,
    pub data_bytes: u64,
    pub sampling_rate: Option<f64>,
    pub duration_seconds: Option<f64>,
    /// One per channel.
    pub channel_kinds: Option<Vec<&'static str>>,
    /// Channels per kind, in order of first appearance.
    pub channels_by_kind: Option<Vec<KindCount>>,
    /// Microvolts per count, one per channel (1 for digital words).
    pub scales_uv: Option<Vec<f64>>,
    /// Channels per (kind, scale), in order of first appearance.
    pub scales_summary: Option<Vec<ScaleGroup>>,
    /// Why a value above is null.
    pub unknown: Unknown,
    /// Where each value came from (null: not known).
    pub sources: Sources,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct KindCount {
    pub kind: &'static str,
    pub count: usize,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct ScaleGroup {
    pub kind: &'static str,
    pub count: usize,
    pub uv_per_count: f64,
    /// Digital words: bit patterns, not voltages (their scale is 1).
    pub unscaled: bool,
}

#[derive(Serialize, Debug, Default)]
pub struct Unknown {
    pub sampling_rate: Option<String>,
    pub channel_kinds: Option<String>,
    pub scales_uv: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Sources {
    pub dtype: SourceJson,
    pub n_channels: SourceJson,
    pub data_order: SourceJson,
    pub sampling_rate: Option<SourceJson>,
    pub channel_kinds: Option<SourceJson>,
    pub scales_uv: Option<SourceJson>,
}

/// `{"kind": "sidecar" | ".meta" | "structure.oebin" | "options", "path": ...}`
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct SourceJson {
    pub kind: &'static str,
    pub path: Option<String>,
}

impl From<&Source> for SourceJson {
    fn from(s: &Source) -> SourceJson {
        SourceJson { kind: s.kind(), path: s.path().map(|p| p.display().to_string()) }
    }
}

pub fn facts(path: &Path, opts: &OpenOptions) -> Result<Facts, Failure> {
    let reader = Reader::open(path, opts)?;
    let meta = reader.metadata();
    let prov = reader.provenance();
    let kinds = meta.kinds(reader.path());
    let scales = meta.scales_uv(reader.path());
    let rate = meta.sampling_rate;
    let n_obs = reader.n_observations();
    let unknown = Unknown {
        sampling_rate: rate.is_none().then(|| "neither the sidecar nor the options give it (--sampling-rate, or sampling_rate in the sidecar)".to_string()),
        channel_kinds: kinds.as_ref().err().map(|e| e.to_string()),
        scales_uv: scales.as_ref().err().map(|e| e.to_string()),
    };
    let kinds = kinds.ok();
    let scales = scales.ok();
    Ok(Facts {
        path: path.display().to_string(),
        data_file: reader.path().display().to_string(),
        format: meta.format.name(),
        dtype: reader.dtype().name(),
        data_order: reader.data_order().name(),
        n_channels: reader.n_channels(),
        n_observations: n_obs,
        data_bytes: reader.file_size(),
        sampling_rate: rate,
        duration_seconds: rate.map(|r| n_obs as f64 / r),
        channel_kinds: kinds.map(|k| k.iter().map(|k| k.name()).collect()),
        channels_by_kind: kinds.map(by_kind),
        scales_uv: scales.map(<[f64]>::to_vec),
        scales_summary: scales.map(|s| by_scale(s, kinds)),
        unknown,
        sources: Sources {
            dtype: (&prov.dtype).into(),
            n_channels: (&prov.n_channels).into(),
            data_order: (&prov.data_order).into(),
            sampling_rate: prov.sampling_rate.as_ref().map(Into::into),
            channel_kinds: prov.channel_kinds.as_ref().map(Into::into),
            scales_uv: prov.scales_uv.as_ref().map(Into::into),
        },
    })
}

fn by_kind(kinds: &[ChannelKind]) -> Vec<KindCount> {
    let mut out: Vec<KindCount> = Vec::new();
    for k in kinds {
        match out.iter_mut().find(|c| c.kind == k.name()) {
            Some(c) => c.count += 1,
            None => out.push(KindCount { kind: k.name(), count: 1 }),
        }
    }
    out
}

fn by_scale(scales: &[f64], kinds: Option<&[ChannelKind]>) -> Vec<ScaleGroup> {
    let mut out: Vec<ScaleGroup> = Vec::new();
    for (i, &s) in scales.iter().enumerate() {
        let kind = kinds.map_or(ChannelKind::Unknown, |k| k[i]);
        match out.iter_mut().find(|g| g.kind == kind.name() && g.uv_per_count == s) {
            Some(g) => g.count += 1,
            None => out.push(ScaleGroup { kind: kind.name(), count: 1, uv_per_count: s, unscaled: kind == ChannelKind::Digital }),
        }
    }
    out
}

/// `x` with `digits` significant digits, trailing zeros removed.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `n` of a thing, plural when needed.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn format_title(f: &Facts) -> &'static str {
    match f.format {
        n if n == Format::SpikeGlx.name() => "SpikeGLX",
        n if n == Format::OpenEphys.name() => "Open Ephys",
        _ => "raw binary",
    }
}

/// Seconds as `12.500 s`, with minutes or hours beside long ones.
pub fn duration(seconds: f64) -> String {
    let plain = format!("{seconds:.3} s");
    if seconds < 60.0 {
        return plain;
    }
    let (h, m, s) = ((seconds / 3600.0).floor(), ((seconds % 3600.0) / 60.0).floor(), seconds % 60.0);
    if h > 0.0 {
        format!("{plain} ({h} h {m} min {s:.3} s)")
    } else {
        format!("{plain} ({m} min {s:.3} s)")
    }
}

/// The text `info` prints for one recording.
pub fn text(f: &Facts) -> String {
    let mut lines = vec![f.path.clone()];
    let mut line = |key: &str, value: String| lines.push(format!("  {key:<14} {value}"));
    line("format", format_title(f).to_string());
    if f.data_file != f.path {
        line("data file", f.data_file.clone());
    }
    line("dtype", f.dtype.to_string());
    line("data order", f.data_order.to_string());
    let kinds = match &f.channels_by_kind {
        Some(k) => format!(": {}", k.iter().map(|c| format!("{} {}", c.count, c.kind)).collect::<Vec<_>>().join(", ")),
        None => String::new(),
    };
    line("channels", format!("{}{kinds}", f.n_channels));
    line("observations", format!("{} ({} bytes)", f.n_observations, f.data_bytes));
    match (f.sampling_rate, f.duration_seconds) {
        (Some(r), Some(d)) => {
            line("sampling rate", format!("{r} Hz"));
            line("duration", duration(d));
        }
        _ => line("sampling rate", "unknown: give --sampling-rate, or add sampling_rate to the sidecar".into()),
    }
    if let Some(why) = &f.unknown.channel_kinds {
        line("channel kinds", format!("unknown: {why}"));
    }
    let scales = match (&f.scales_summary, &f.unknown.scales_uv) {
        (Some(groups), _) => groups
            .iter()
            .map(|g| {
                let what = if g.kind == ChannelKind::Unknown.name() { count(g.count, "channel", "channels") } else { format!("{} {}", g.count, g.kind) };
                if g.unscaled {
                    format!("{what} unscaled")
                } else {
                    format!("{what} at {} µV/count", significant(g.uv_per_count, 6))
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        (None, Some(why)) => format!("unknown: {why}"),
        (None, None) => "unknown".into(),
    };
    line("µV scales", scales);
    // Where each value came from, one line per source.
    let s = &f.sources;
    let named = [
        ("dtype", Some(&s.dtype)),
        ("data order", Some(&s.data_order)),
        ("channels", Some(&s.n_channels)),
        ("sampling rate", s.sampling_rate.as_ref()),
        ("channel kinds", s.channel_kinds.as_ref()),
        ("µV scales", s.scales_uv.as_ref()),
    ];
    let mut sources: Vec<(&SourceJson, Vec<&str>)> = Vec::new();
    for (what, source) in named {
        let Some(source) = source else { continue };
        match sources.iter_mut().find(|(s, _)| *s == source) {
            Some((_, whats)) => whats.push(what),
            None => sources.push((source, vec![what])),
        }
    }
    for (k, (source, whats)) in sources.iter().enumerate() {
        let place = match &source.path {
            Some(p) => format!("{} '{p}'", source.kind),
            None => "options".to_string(),
        };
        line(if k == 0 { "from" } else { "" }, format!("{place}: {}", whats.join(", ")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(significant(2.34375, 6), "2.34375");
        assert_eq!(significant(0.762939453125, 6), "0.762939");
        assert_eq!(significant(0.19499999284744263, 6), "0.195");
        assert_eq!(significant(152.587_890_625, 6), "152.588");
        assert_eq!(significant(1.0, 6), "1");
        assert_eq!(duration(0.01), "0.010 s");
        assert_eq!(duration(125.5), "125.500 s (2 min 5.500 s)");
        assert_eq!(duration(3723.25), "3723.250 s (1 h 2 min 3.250 s)");
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        use ChannelKind::*;
        let kinds = [NeuralAp, NeuralAp, Digital, NeuralAp];
        assert_eq!(by_kind(&kinds), [KindCount { kind: "neural_ap", count: 3 }, KindCount { kind: "digital", count: 1 }]);
        let g = by_scale(&[2.0, 1.0, 1.0, 2.0], Some(&kinds));
        assert_eq!(
            g,
            [
                ScaleGroup { kind: "neural_ap", count: 2, uv_per_count: 2.0, unscaled: false },
                ScaleGroup { kind: "neural_ap", count: 1, uv_per_count: 1.0, unscaled: false },
                ScaleGroup { kind: "digital", count: 1, uv_per_count: 1.0, unscaled: true },
            ]
        );
    }
}
