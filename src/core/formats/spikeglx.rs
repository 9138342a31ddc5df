//! SpikeGLX `.meta` files, read as the SpikeGLX metadata guides describe
//! them (Metadata_Help / Metadata_30 for imec probe, NI-DAQ and OneBox
//! streams; Metadata_3A and Metadata_3B2 for the phase 3 probes).
//!
//! The guides' rules, as implemented here:
//! - A `.bin` holds `nSavedChans` int16 channels per sample: the acquired
//!   channels listed by `snsSaveChanSubset` ("all" or ranges such as
//!   `0:383,768`). The list indexes the *acquired* channels, counted per type
//!   by `acqApLfSy` (imec: AP block, LF block, SY words), `acqMnMaXaDw`
//!   (NI-DAQ: MN, MA, XA, XD) or `acqXaDwSy` (OneBox: XA, XD, SY), in that
//!   order. An NP 1.0 `.ap.bin` saves `0:383,768` of `acqApLfSy=384,384,1`,
//!   its `.lf.bin` `384:768`.
//! - Volts = count × Vmax / Imax / gain. imec: Vmax `imAiRangeMax`, Imax
//!   `imMaxInt` (512 for NP 1.0 metadata that predates the key: phase 3A/3B).
//!   NI-DAQ: Vmax `niAiRangeMax`, Imax `niMaxInt` (32768), gain `niMNGain`
//!   for MN channels, `niMAGain` for MA, 1 for XA. OneBox: `obAiRangeMax`,
//!   `obMaxInt` (32768), no gain.
//! - imec gains: the `~imroTbl` entry of each channel where the table holds
//!   gains (NP 1.0-like types and phase 3A: AP gain and LF gain per channel;
//!   type 1110: one AP and one LF gain in the table's header); otherwise
//!   `imChan0apGain` / `imChan0lfGain`; in older metadata without them, the
//!   fixed gain of the type (21, 24: 80; 2003, 2013 and the 2020 quad base: 100).
//! - SY, XD words are bits, not volts: their scale is 1.

use std::collections::HashMap;
use std::path::Path;

use super::{ChannelKind, Format, Located, Metadata};
use crate::dtype::{DataOrder, Dtype};
use crate::error::{show, Error, Result};
use crate::sidecar::PartialParams;

/// `key=value` lines of a SpikeGLX `.meta` file (keys may start with `~`;
/// CRLF line ends are accepted).
pub fn parse_meta(text: &str) -> HashMap<String, String> {
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().trim_start_matches('~').to_string(), v.trim().to_string())).collect()
}

/// Scales to microvolts of a stream's saved channels: known, or unknown
/// with the reason (the samples can still be read).
#[derive(Clone, Debug, PartialEq)]
pub enum Scales {
    Known(Vec<f64>),
    Unknown(String),
}

/// What a `.meta` file says about its `.bin`.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeGlxStream {
    /// nSavedChans.
    pub n_channels: usize,
    pub sampling_rate: f64,
    /// One per saved channel, in file order.
    pub kinds: Vec<ChannelKind>,
    pub scales: Scales,
}

pub(super) fn open(bin: &Path, meta_path: &Path) -> Result<Located> {
    let text = crate::io::read_text(meta_path, "SpikeGLX metadata", super::MAX_METADATA_BYTES)?;
    let s = spikeglx_values(&parse_meta(&text)).map_err(|reason| Error::MetadataInvalid { path: show(meta_path), reason })?;
    let (scale_uv, no_scale_reason) = match s.scales {
        Scales::Known(v) => (Some(v), None),
        Scales::Unknown(why) => (None, Some(format!("{why} (in {})", show(meta_path)))),
    };
    Ok(Located {
        data: bin.to_path_buf(),
        params: Some(PartialParams { dtype: Some(Dtype::I16), n_channels: Some(s.n_channels), data_order: Some(DataOrder::Samples) }),
        meta: Metadata { format: Format::SpikeGlx, sampling_rate: Some(s.sampling_rate), scale_uv, no_scale_reason, channel_kinds: Some(s.kinds) },
        files: vec![(meta_path.to_path_buf(), "the input's SpikeGLX metadata".into())],
    })
}

/// The three kinds of SpikeGLX stream, each with its own keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StreamType {
    Imec,
    Nidq,
    Obx,
}

impl StreamType {
    fn rate_key(self) -> &'static str {
        match self {
            StreamType::Imec => "imSampRate",
            StreamType::Nidq => "niSampRate",
            StreamType::Obx => "obSampRate",
        }
    }

    /// Keys of the acquired and the saved counts per channel type.
    fn count_keys(self) -> (&'static str, &'static str) {
        match self {
            StreamType::Imec => ("acqApLfSy", "snsApLfSy"),
            StreamType::Nidq => ("acqMnMaXaDw", "snsMnMaXaDw"),
            StreamType::Obx => ("acqXaDwSy", "snsXaDwSy"),
        }
    }

    /// The channel types in acquired order.
    fn blocks(self) -> &'static [ChannelKind] {
        use ChannelKind::*;
        match self {
            StreamType::Imec => &[NeuralAp, NeuralLf, Digital],
            StreamType::Nidq => &[Neural, Analog, Analog, Digital],
            StreamType::Obx => &[Analog, Digital, Digital],
        }
    }
}

fn stream_type(meta: &HashMap<String, String>) -> std::result::Result<StreamType, String> {
    match meta.get("typeThis").map(String::as_str) {
        Some("imec") => return Ok(StreamType::Imec),
        Some("nidq") => return Ok(StreamType::Nidq),
        Some("obx") => return Ok(StreamType::Obx),
        _ => {}
    }
    // Metadata older than typeThis: the rate key tells.
    [StreamType::Imec, StreamType::Nidq, StreamType::Obx]
        .into_iter()
        .find(|t| meta.contains_key(t.rate_key()))
        .ok_or_else(|| "neither imSampRate (imec probe), niSampRate (NI-DAQ) nor obSampRate (OneBox) is present".to_string())
}

fn number<T: std::str::FromStr>(meta: &HashMap<String, String>, key: &str) -> std::result::Result<T, String> {
    optional(meta, key)?.ok_or_else(|| format!("the key {key} is missing"))
}

/// `Ok(None)` when the key is absent; an error when its value is not a number.
fn optional<T: std::str::FromStr>(meta: &HashMap<String, String>, key: &str) -> std::result::Result<Option<T>, String> {
    match meta.get(key) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| format!("{key}={v} is not a number")),
    }
}

/// A positive volts range, integer range or gain.
fn positive(key: &str, v: f64) -> std::result::Result<f64, String> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{key}={v}: expected a positive number"))
    }
}

fn counts(meta: &HashMap<String, String>, key: &str, n: usize) -> std::result::Result<Option<Vec<usize>>, String> {
    let Some(v) = meta.get(key) else { return Ok(None) };
    let bad = || format!("{key}={v} is not {n} comma-separated counts");
    let c: Vec<usize> = v.split(',').map(|x| x.trim().parse()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
    if c.len() != n {
        return Err(bad());
    }
    Ok(Some(c))
}

/// `snsSaveChanSubset`: "all" (or absent), or channels and ranges such as
/// `0:383,768`, indexing the `n_acquired` acquired channels.
fn saved_ranges(meta: &HashMap<String, String>, n_acquired: usize, counts_key: &str) -> std::result::Result<Vec<std::ops::RangeInclusive<usize>>, String> {
    let list = match meta.get("snsSaveChanSubset").map(String::as_str) {
        None | Some("all") if n_acquired == 0 => return Ok(Vec::new()),
        None | Some("all") => return Ok(vec![0..=n_acquired - 1]),
        Some(list) => list,
    };
    let mut out = Vec::new();
    for part in list.split(',') {
        let bad = || format!("snsSaveChanSubset={list} is not a list of channels and ranges (such as 0:383,768)");
        let (a, b) = match part.split_once(':') {
            Some((a, b)) => (a.trim().parse::<usize>().map_err(|_| bad())?, b.trim().parse::<usize>().map_err(|_| bad())?),
            None => {
                let a = part.trim().parse::<usize>().map_err(|_| bad())?;
                (a, a)
            }
        };
        if a > b || b >= n_acquired {
            return Err(format!(
                "snsSaveChanSubset={list}: {part} is outside the {n_acquired} acquired channels ({counts_key}={}), which it indexes",
                meta.get(counts_key).map_or("?", String::as_str)
            ));
        }
        out.push(a..=b);
    }
    Ok(out)
}

/// Channel count, sampling rate, channel kinds and scales of the `.bin`
/// that `meta` describes. An error names the key and value at fault;
/// a gain the metadata does not give leaves the scales `Unknown`.
pub fn spikeglx_values(meta: &HashMap<String, String>) -> std::result::Result<SpikeGlxStream, String> {
    let n_saved: usize = number(meta, "nSavedChans")?;
    if n_saved == 0 || n_saved > crate::select::MAX_CHANNELS {
        return Err(format!("nSavedChans={n_saved}: expected 1 to {} channels", crate::select::MAX_CHANNELS));
    }
    let ty = stream_type(meta)?;
    let rate: f64 = number(meta, ty.rate_key())?;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!("{}={rate}: the sampling rate must be a positive number", ty.rate_key()));
    }
    let blocks = ty.blocks();
    let (acq_key, sns_key) = ty.count_keys();
    let subset_is_all = meta.get("snsSaveChanSubset").is_none_or(|s| s == "all");
    let (acquired, counts_key) = match (counts(meta, acq_key, blocks.len())?, counts(meta, sns_key, blocks.len())?) {
        (Some(c), _) => (c, acq_key),
        // Without the acquired counts only a full save can be placed.
        (None, Some(c)) if subset_is_all => (c, sns_key),
        (None, _) => return Err(format!("the key {acq_key} is missing: it counts the acquired channels that snsSaveChanSubset lists")),
    };
    // Bounded like a file's channel count, so a corrupt count cannot make
    // the channel list below absurdly long.
    let n_acquired = acquired.iter().try_fold(0usize, |sum, &n| sum.checked_add(n)).filter(|&n| n <= crate::select::MAX_CHANNELS).ok_or_else(|| {
        format!("{counts_key}={} counts more than {} channels", meta.get(counts_key).map_or("?", String::as_str), crate::select::MAX_CHANNELS)
    })?;
    let ranges = saved_ranges(meta, n_acquired, counts_key)?;
    // Counted before the list is made: a long list of ranges stays cheap.
    let n_listed = ranges.iter().fold(0usize, |n, r| n.saturating_add(r.end() - r.start() + 1));
    if n_listed != n_saved {
        return Err(format!(
            "nSavedChans={n_saved} but snsSaveChanSubset={} lists {n_listed} channels (of {counts_key}={})",
            meta.get("snsSaveChanSubset").map_or("all", String::as_str),
            meta.get(counts_key).map_or("?", String::as_str)
        ));
    }
    let saved: Vec<usize> = ranges.into_iter().flatten().collect();
    // Saved channel -> (type block, index within the block).
    let place = |c: usize| -> (usize, usize) {
        let mut start = 0;
        for (b, &n) in acquired.iter().enumerate() {
            if c < start + n {
                return (b, c - start);
            }
            start += n;
        }
        unreachable!("saved channels are below the acquired count")
    };
    let placed: Vec<(usize, usize)> = saved.iter().map(|&c| place(c)).collect();
    let no_lf = ty == StreamType::Imec && acquired[1] == 0;
    let kinds = placed
        .iter()
        .map(|&(b, _)| match blocks[b] {
            // A probe without an LF band records its AP channels full band.
            ChannelKind::NeuralAp if no_lf => ChannelKind::Neural,
            k => k,
        })
        .collect();
    let scales = match ty {
        StreamType::Imec => imec_scales(meta, &placed)?,
        StreamType::Nidq => daq_scales(meta, &placed, "niAiRangeMax", "niMaxInt", &[Some("niMNGain"), Some("niMAGain"), None])?,
        StreamType::Obx => daq_scales(meta, &placed, "obAiRangeMax", "obMaxInt", &[None])?,
    };
    Ok(SpikeGlxStream { n_channels: n_saved, sampling_rate: rate, kinds, scales })
}

/// NI-DAQ and OneBox: `Vmax / Imax (32768 by default) / gain × 1e6` for the
/// analog blocks (the first `gains.len()`, each with its gain key or 1), 1
/// for the digital blocks after them.
fn daq_scales(
    meta: &HashMap<String, String>,
    placed: &[(usize, usize)],
    range_key: &str,
    max_key: &str,
    gains: &[Option<&str>],
) -> std::result::Result<Scales, String> {
    let analog = |b: usize| b < gains.len();
    if !placed.iter().any(|&(b, _)| analog(b)) {
        return Ok(Scales::Known(vec![1.0; placed.len()]));
    }
    let Some(range) = optional::<f64>(meta, range_key)? else {
        return Ok(Scales::Unknown(format!("the key {range_key} (volts at full scale) is missing")));
    };
    let range = positive(range_key, range)?;
    let max_int = positive(max_key, optional(meta, max_key)?.unwrap_or(32768.0))?;
    let mut gain = vec![1.0; gains.len()];
    for (b, key) in gains.iter().enumerate() {
        if let Some(key) = key.filter(|_| placed.iter().any(|&(pb, _)| pb == b)) {
            match optional::<f64>(meta, key)? {
                Some(g) => gain[b] = positive(key, g)?,
                None => return Ok(Scales::Unknown(format!("the key {key} is missing"))),
            }
        }
    }
    Ok(Scales::Known(placed.iter().map(|&(b, _)| if analog(b) { range / max_int / gain[b] * 1e6 } else { 1.0 }).collect()))
}

/// The probe, as the metadata names it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Probe {
    /// Phase 3A (Metadata_3A): no imDatPrb_type; `imProbeOpt`, and a table
    /// header of (serial number, probe option, channel count).
    Phase3A,
    /// `imDatPrb_type` (or the table header's type, in metadata without it).
    Type(i64),
}

/// `~imroTbl`: the header's comma-separated fields and the entries'
/// space-separated fields.
struct Imro<'a> {
    header: Vec<&'a str>,
    entries: Vec<&'a str>,
}

impl<'a> Imro<'a> {
    fn parse(text: &'a str) -> Imro<'a> {
        let mut parts = text.split(')').map(|p| p.trim().trim_start_matches('(')).filter(|p| !p.is_empty());
        let header = parts.next().map(|h| h.split(',').map(str::trim).collect()).unwrap_or_default();
        Imro { header, entries: parts.collect() }
    }

    /// The gain at `field` of entry `chan`; entries have `width` fields.
    fn entry_gain(&self, chan: usize, field: usize, width: usize) -> std::result::Result<f64, String> {
        let e = self.entries.get(chan).ok_or_else(|| format!("~imroTbl has {} entries, channel {chan} has none", self.entries.len()))?;
        let fields: Vec<&str> = e.split_whitespace().collect();
        if fields.len() != width {
            return Err(format!("~imroTbl entry ({e}) of channel {chan} has {} fields: this probe type's entries have {width}", fields.len()));
        }
        let g: f64 = fields[field].parse().map_err(|_| format!("~imroTbl entry ({e}) of channel {chan}: the gain {} is not a number", fields[field]))?;
        if !(g.is_finite() && g > 0.0) {
            return Err(format!("~imroTbl gives channel {chan} a gain of {g}: expected a positive gain"));
        }
        Ok(g)
    }

    fn header_gain(&self, field: usize) -> std::result::Result<f64, String> {
        let h = self.header.get(field).ok_or_else(|| format!("~imroTbl header ({}) has no gain field {field}", self.header.join(",")))?;
        let g: f64 = h.parse().map_err(|_| format!("~imroTbl header ({}): the gain {h} is not a number", self.header.join(",")))?;
        positive("~imroTbl header gain", g)
    }
}

/// Types whose table entries are NP 1.0-like, `(chan bank ref apgain
/// lfgain hpfilt)` (Metadata_Help: 0, 1020, 1030, 1100, 1120-1123, 1200,
/// 1300), with the NP 1.0 NHP types older SpikeGLX versions wrote
/// (1015, 1022, 1031, 1032).
const NP1_LIKE: &[i64] = &[0, 1015, 1020, 1022, 1030, 1031, 1032, 1100, 1120, 1121, 1122, 1123, 1200, 1300];

/// The documented gain of types whose tables carry none, for metadata
/// older than imChan0apGain: NP 2.0 (21, 24) 80; NP 2.0 2B (2003, 2013)
/// and the 2020 quad base 100.
fn fixed_gain(t: i64) -> Option<f64> {
    match t {
        21 | 24 => Some(80.0),
        2003 | 2013 | 2020 => Some(100.0),
        _ => None,
    }
}

/// Where a probe's gains are.
enum GainRule {
    /// Each `~imroTbl` entry: `width` fields, AP gain at 3, LF gain at 4.
    Entries { width: usize },
    /// The `~imroTbl` header: AP gain at 3, LF gain at 4 (type 1110).
    Header,
    /// One gain for all channels of each band (a key or the type's fixed gain).
    Uniform { ap: Option<f64>, lf: Option<f64> },
}

fn imec_scales(meta: &HashMap<String, String>, placed: &[(usize, usize)]) -> std::result::Result<Scales, String> {
    let analog = |b: usize| b < 2; // AP, LF
    if !placed.iter().any(|&(b, _)| analog(b)) {
        return Ok(Scales::Known(vec![1.0; placed.len()]));
    }
    let imro = meta.get("imroTbl").map(|t| Imro::parse(t));
    let probe = match meta.get("imDatPrb_type") {
        Some(v) => Probe::Type(v.parse().map_err(|_| format!("imDatPrb_type={v} is not a probe type number"))?),
        None if meta.contains_key("imProbeOpt") || imro.as_ref().is_some_and(|t| t.header.len() == 3) => Probe::Phase3A,
        // Phase 3B metadata without imDatPrb_type: the table header's type.
        None => match imro.as_ref().and_then(|t| t.header.first()).and_then(|h| h.parse().ok()) {
            Some(t) => Probe::Type(t),
            None => return Err("imDatPrb_type is missing and ~imroTbl names no probe type".into()),
        },
    };
    let probe_name = match probe {
        Probe::Phase3A => "phase 3A".to_string(),
        Probe::Type(t) => format!("imDatPrb_type={t}"),
    };
    let Some(range) = optional::<f64>(meta, "imAiRangeMax")? else {
        return Ok(Scales::Unknown("the key imAiRangeMax (volts at full scale) is missing".into()));
    };
    let range = positive("imAiRangeMax", range)?;
    let max_int = match (optional::<f64>(meta, "imMaxInt")?, probe) {
        (Some(m), _) => positive("imMaxInt", m)?,
        // Phase 3A and 3B metadata predate imMaxInt; their guides give the
        // NP 1.0 ADC's Imax = 512.
        (None, Probe::Phase3A) => 512.0,
        (None, Probe::Type(t)) if NP1_LIKE.contains(&t) => 512.0,
        (None, _) => return Ok(Scales::Unknown(format!("the key imMaxInt is missing for {probe_name}"))),
    };
    let key = |k: &str| optional::<f64>(meta, k)?.map(|g| positive(k, g)).transpose();
    let rule = match probe {
        Probe::Phase3A => GainRule::Entries { width: 5 },
        Probe::Type(t) if NP1_LIKE.contains(&t) => GainRule::Entries { width: 6 },
        Probe::Type(1110) => GainRule::Header,
        Probe::Type(t) => GainRule::Uniform { ap: key("imChan0apGain")?.or(fixed_gain(t)), lf: key("imChan0lfGain")?.or(fixed_gain(t)) },
    };
    let table = || imro.as_ref().ok_or_else(|| format!("the key ~imroTbl is missing: it holds the gains of {probe_name}"));
    let mut out = Vec::with_capacity(placed.len());
    for &(b, i) in placed {
        if !analog(b) {
            out.push(1.0);
            continue;
        }
        let lf = b == 1;
        let gain = match &rule {
            GainRule::Entries { width } => table()?.entry_gain(i, if lf { 4 } else { 3 }, *width)?,
            GainRule::Header => table()?.header_gain(if lf { 4 } else { 3 })?,
            GainRule::Uniform { ap, lf: lf_gain } => match if lf { lf_gain } else { ap } {
                Some(g) => *g,
                None => {
                    let k = if lf { "imChan0lfGain" } else { "imChan0apGain" };
                    return Ok(Scales::Unknown(format!(
                        "{probe_name} keeps no gain in ~imroTbl, the metadata has no {k} and the SpikeGLX documentation gives no fixed gain for this type; \
                         samples are read as stored: multiply them by imAiRangeMax / imMaxInt / gain x 1e6 with the probe's gain, or add {k}=<gain> to the .meta"
                    )));
                }
            },
        };
        out.push(range / max_int / gain * 1e6);
    }
    Ok(Scales::Known(out))
}

#[cfg(test)]
mod tests;
