//! Open Ephys binary format: `structure.oebin` beside `continuous/<stream>/
//! continuous.dat` (GUI 0.4 to 1.0), read as the Open Ephys "Binary Format"
//! documentation describes it: interleaved int16 samples; `bit_volts`
//! converts a count to microvolts for headstage (electrode) channels and to
//! volts for ADC channels.
//!
//! What a channel is: its `type` where the GUI writes it (1.0: 0 electrode,
//! 1 AUX, 2 ADC, the GUI's ContinuousChannel::Type), else the description and
//! name the GUI's sources give it ("Headstage data channel", "Neuropixels
//! electrode", "ADC data channel", "Auxiliar data channel", "Analog Input
//! channel from a NIDAQ device", "OneBox ADC channel", ADCn / AUXn / AIn);
//! sync lines ("... sync line ...", `*_SYNC`) are digital words.
//!
//! `units`: GUI 0.4/0.5 write "uV" on every channel, ADC ones included;
//! 0.6 writes ""; 1.0 writes the unit. "uV" and "" therefore mean "the
//! documented unit of the channel's kind"; "mV" and "V" are explicit; any
//! other unit (plugins' AUX channels in degrees, %, seconds) is not a
//! voltage and leaves the stream without scales to microvolts.
//! AUX channels of the acquisition board (Intan auxiliary inputs, 37.4 µV
//! per bit given as 0.0000374) are analog inputs in volts like ADC channels.

use std::path::Path;

use serde::Deserialize;

use super::{ChannelKind, Format, Located, Metadata, StreamSel};
use crate::dtype::{DataOrder, Dtype};
use crate::error::{show, Error, Result};
use crate::sidecar::PartialParams;

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
    #[serde(default)]
    channel_name: String,
    #[serde(default)]
    description: String,
    bit_volts: f64,
    #[serde(default)]
    units: Option<String>,
    /// GUI 1.0: ContinuousChannel::Type (0 electrode, 1 AUX, 2 ADC).
    #[serde(default, rename = "type")]
    channel_type: Option<i64>,
}

/// What a channel is, from what the GUI wrote about it.
fn kind(c: &OebinChannel) -> ChannelKind {
    let name = c.channel_name.to_ascii_uppercase();
    let desc = c.description.to_ascii_lowercase();
    // Sync lines first: the GUI may give them an analog type.
    if desc.contains("sync") || name.ends_with("SYNC") {
        return ChannelKind::Digital;
    }
    match c.channel_type {
        Some(0) => return ChannelKind::Neural,
        Some(1 | 2) => return ChannelKind::Analog,
        _ => {}
    }
    if desc.contains("headstage") || desc.contains("electrode") {
        return ChannelKind::Neural;
    }
    if desc.contains("adc") || desc.contains("aux") || desc.contains("analog input") {
        return ChannelKind::Analog;
    }
    let numbered = |prefix: &str| name.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if numbered("ADC") || numbered("AUX") || numbered("AI") {
        return ChannelKind::Analog;
    }
    // The GUI names headstage channels CH1, CH2, ... (older files give no type).
    if numbered("CH") {
        return ChannelKind::Neural;
    }
    ChannelKind::Unknown
}

/// Microvolts per `bit_volts` unit of a channel of this kind and label.
fn microvolts_per_unit(kind: ChannelKind, units: &str) -> Option<f64> {
    match (units, kind) {
        ("mV", _) => Some(1e3),
        ("V", _) => Some(1e6),
        ("uV" | "µV" | "", ChannelKind::Analog) => Some(1e6),
        ("uV" | "µV" | "", _) => Some(1.0),
        _ => None,
    }
}

pub(super) fn open(oebin: &Path, sel: StreamSel) -> Result<Located> {
    let invalid = |reason: String| Error::MetadataInvalid { path: show(oebin), reason };
    let text = crate::io::read_text(oebin, "Open Ephys metadata", super::MAX_METADATA_BYTES)?;
    let doc: Oebin = serde_json::from_str(&text).map_err(|e| invalid(format!("not the JSON of a structure.oebin: {e}")))?;
    let names: Vec<String> = doc.continuous.iter().map(|s| s.folder_name.trim_end_matches('/').to_string()).collect();
    let index = match &sel {
        StreamSel::Index(i) if *i < doc.continuous.len() => *i,
        StreamSel::Index(i) => {
            return Err(invalid(format!("stream {i} does not exist: the recording has {} continuous stream(s): {}", names.len(), names.join(", "))))
        }
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
    if !(s.sample_rate.is_finite() && s.sample_rate > 0.0) {
        return Err(invalid(format!("stream '{}' has sample_rate {}: expected a positive number", names[index], s.sample_rate)));
    }
    let kinds: Vec<ChannelKind> = s.channels.iter().map(kind).collect();
    // Channels in a unit that is not a voltage (plugins' AUX channels in
    // degrees, %, seconds...) leave the stream without scales to microvolts;
    // its samples are still read.
    let mut scale = Vec::with_capacity(kinds.len());
    let mut no_scale_reason = None;
    for (i, (c, &k)) in s.channels.iter().zip(&kinds).enumerate() {
        if k == ChannelKind::Digital {
            scale.push(1.0);
            continue;
        }
        let units = c.units.as_deref().unwrap_or("");
        match microvolts_per_unit(k, units) {
            Some(per) => scale.push(c.bit_volts * per),
            None => {
                no_scale_reason = Some(format!(
                    "channel {i} ({}) of stream '{}' in {} is in units '{units}', not a voltage (uV, mV, V or empty)",
                    c.channel_name,
                    names[index],
                    show(oebin)
                ));
                break;
            }
        }
    }
    let scale_uv = no_scale_reason.is_none().then_some(scale);
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
        meta: Metadata { format: Format::OpenEphys, sampling_rate: Some(s.sample_rate), scale_uv, no_scale_reason, channel_kinds: Some(kinds) },
        files,
    })
}

#[cfg(test)]
mod tests;
