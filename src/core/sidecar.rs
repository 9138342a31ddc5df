//! The YAML sidecar beside a recording (docs/yass.md).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dtype::{DataOrder, Dtype};
use crate::error::{show, Error, Result};

/// What a headerless recording needs to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordingParams {
    pub dtype: Dtype,
    pub n_channels: usize,
    pub data_order: DataOrder,
}

/// The sidecar of `data`: its last extension replaced by `.yaml`
/// (`a/b.bin` -> `a/b.yaml`, `noext` -> `noext.yaml`).
pub fn sidecar_path(data: &Path) -> PathBuf {
    data.with_extension("yaml")
}

/// Keys as found in sidecars written by YASS, older PyYAML (flow style) and us.
#[derive(Deserialize)]
struct SidecarFields {
    dtype: Option<String>,
    n_channels: Option<u64>,
    data_order: Option<String>,
    /// Legacy key: `wide` | `long`.
    data_format: Option<String>,
    /// Samples per second; optional, not a YASS key.
    sampling_rate: Option<f64>,
    /// Size of the data file the sidecar was written for; optional (written
    /// by neurobatch, so a reader can refuse a pair that does not belong together).
    data_bytes: Option<u64>,
}

/// Keys in alphabetical order, so serialising gives block style with sorted keys.
#[derive(Serialize)]
struct SidecarOut<'a> {
    data_bytes: u64,
    data_order: &'a str,
    dtype: &'a str,
    n_channels: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sampling_rate: Option<f64>,
}

/// Sidecar values; each may be missing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PartialParams {
    pub dtype: Option<Dtype>,
    pub n_channels: Option<usize>,
    pub data_order: Option<DataOrder>,
}

/// A sidecar's parameters and its optional keys.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SidecarValues {
    pub params: PartialParams,
    pub sampling_rate: Option<f64>,
    /// The size of the data file it describes (sidecars neurobatch writes).
    pub data_bytes: Option<u64>,
}

/// A sidecar is a few lines; anything larger is not one (and is not read whole).
const MAX_SIDECAR_BYTES: u64 = 64 << 10;

pub fn read_sidecar(path: &Path) -> Result<SidecarValues> {
    let text = crate::io::read_text_or(path, "sidecar", MAX_SIDECAR_BYTES, |reason| Error::SidecarInvalid { path: show(path), reason })?;
    parse_sidecar(&text).map_err(|reason| Error::SidecarInvalid { path: show(path), reason })
}

pub fn parse_sidecar(text: &str) -> std::result::Result<SidecarValues, String> {
    let fields: SidecarFields = serde_yaml_ng::from_str(text).map_err(|e| format!("not a YAML mapping of dtype, n_channels, data_order: {e}"))?;
    let dtype = fields.dtype.as_deref().map(Dtype::parse).transpose().map_err(|e| e.to_string())?;
    if let (Some(order), Some(format)) = (&fields.data_order, &fields.data_format) {
        let (a, b) = (DataOrder::parse(order).map_err(|e| e.to_string())?, DataOrder::parse(format).map_err(|e| e.to_string())?);
        if a != b {
            return Err(format!("data_order '{order}' and the legacy data_format '{format}' disagree; keep one of them"));
        }
    }
    let order_text = fields.data_order.or(fields.data_format);
    let data_order = order_text.as_deref().map(DataOrder::parse).transpose().map_err(|e| e.to_string())?;
    let n_channels = match fields.n_channels {
        Some(0) => return Err("n_channels must be at least 1, got 0".into()),
        Some(n) if n > crate::select::MAX_CHANNELS as u64 => return Err(Error::TooManyChannels { n_channels: n }.to_string()),
        Some(n) => Some(n as usize),
        None => None,
    };
    let sampling_rate = match fields.sampling_rate {
        Some(r) if !(r.is_finite() && r > 0.0) => return Err(format!("sampling_rate {r} is not a positive number of samples per second")),
        r => r,
    };
    Ok(SidecarValues { params: PartialParams { dtype, n_channels, data_order }, sampling_rate, data_bytes: fields.data_bytes })
}

/// The sidecar text for `params` and a data file of `data_bytes`: block
/// style, keys sorted; `sampling_rate` only when known (YASS's three keys
/// are always there; YASS ignores the others).
pub fn sidecar_text(params: &RecordingParams, sampling_rate: Option<f64>, data_bytes: u64) -> String {
    let out = SidecarOut { data_bytes, data_order: params.data_order.name(), dtype: params.dtype.name(), n_channels: params.n_channels as u64, sampling_rate };
    serde_yaml_ng::to_string(&out).expect("a struct of strings and an integer always serialises")
}

/// Fills what `explicit` lacks from the sidecar of `data`; explicit values win.
pub fn resolve_params(data: &Path, explicit: PartialParams) -> Result<RecordingParams> {
    Ok(resolve(data, explicit)?.0)
}

/// As `resolve_params`, with the sidecar's other values when it was read.
pub fn resolve(data: &Path, explicit: PartialParams) -> Result<(RecordingParams, SidecarValues)> {
    let yaml = sidecar_path(data);
    // Something is there (a broken or looping link included): reading it says what is wrong.
    let present = std::fs::symlink_metadata(&yaml).is_ok();
    if let Some(p) = complete(explicit) {
        // The sidecar is optional then; still take its other keys when it is usable.
        let found = if present { read_sidecar(&yaml).ok() } else { None };
        return Ok((p, found.unwrap_or_default()));
    }
    if !present {
        let missing = missing_keys(explicit);
        let (list, them) = match missing.as_slice() {
            [one] => (one.to_string(), "it"),
            [init @ .., last] => (format!("{} and {last}", init.join(", ")), "them"),
            [] => (String::new(), "them"),
        };
        let reason = format!(
            "{list} {} not given: give {them} when opening, or write the sidecar as three lines such as \"dtype: int16\", \"n_channels: 385\", \"data_order: samples\" (the recording's own values)",
            if missing.len() == 1 { "was" } else { "were" }
        );
        return Err(Error::SidecarMissing { data: show(data), sidecar: show(&yaml), reason });
    }
    let found = read_sidecar(&yaml)?;
    let merged = merge(explicit, found.params);
    let params = complete(merged).ok_or_else(|| Error::SidecarInvalid { path: show(&yaml), reason: format!("missing {}", missing_keys(merged).join(", ")) })?;
    Ok((params, found))
}

/// The parameters `p` lacks, by their sidecar key.
pub fn missing_keys(p: PartialParams) -> Vec<&'static str> {
    [("dtype", p.dtype.is_none()), ("n_channels", p.n_channels.is_none()), ("data_order", p.data_order.is_none())]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect()
}

/// `first`'s values, and `second`'s where `first` has none.
pub fn merge(first: PartialParams, second: PartialParams) -> PartialParams {
    PartialParams {
        dtype: first.dtype.or(second.dtype),
        n_channels: first.n_channels.or(second.n_channels),
        data_order: first.data_order.or(second.data_order),
    }
}

/// The parameters, when all three are known.
pub fn complete(p: PartialParams) -> Option<RecordingParams> {
    match (p.dtype, p.n_channels, p.data_order) {
        (Some(dtype), Some(n_channels), Some(data_order)) => Some(RecordingParams { dtype, n_channels, data_order }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names() {
        assert_eq!(sidecar_path(Path::new("a/b.bin")), Path::new("a/b.yaml"));
        assert_eq!(sidecar_path(Path::new("x.dat")), Path::new("x.yaml"));
        assert_eq!(sidecar_path(Path::new("noext")), Path::new("noext.yaml"));
        assert_eq!(sidecar_path(Path::new("d.bin.x/f.bin")), Path::new("d.bin.x/f.yaml"));
    }

    #[test]
    fn block_and_flow_style() {
        let want = PartialParams { dtype: Some(Dtype::I16), n_channels: Some(10), data_order: Some(DataOrder::Samples) };
        assert_eq!(parse_sidecar("dtype: int16\nn_channels: 10\ndata_order: samples\n").unwrap().params, want);
        assert_eq!(parse_sidecar("{data_order: samples, dtype: int16, n_channels: 10}\n").unwrap().params, want);
        assert_eq!(parse_sidecar("{data_format: long, dtype: int16, n_channels: 10}").unwrap().params, want);
        assert_eq!(parse_sidecar("dtype: int16\nsampling_rate: 30000.0\n").unwrap().sampling_rate, Some(30000.0));
        assert!(parse_sidecar("sampling_rate: -5\n").unwrap_err().contains("-5"));
        assert!(parse_sidecar("dtype: int17\n").unwrap_err().contains("int17"));
        assert!(parse_sidecar("- a\n- b\n").is_err());
        assert!(parse_sidecar("n_channels: -3\n").is_err());
        assert!(parse_sidecar("{data_order: samples, data_format: wide}").unwrap_err().contains("disagree"));
        assert_eq!(parse_sidecar("{data_order: samples, data_format: long}").unwrap().params.data_order, Some(DataOrder::Samples));
        assert_eq!(parse_sidecar("data_bytes: 40\n").unwrap().data_bytes, Some(40));
    }

    #[test]
    fn writes_block_style_sorted() {
        let p = RecordingParams { dtype: Dtype::F32, n_channels: 3, data_order: DataOrder::Channels };
        assert_eq!(sidecar_text(&p, None, 24), "data_bytes: 24\ndata_order: channels\ndtype: float32\nn_channels: 3\n");
        assert_eq!(sidecar_text(&p, Some(30000.0), 0), "data_bytes: 0\ndata_order: channels\ndtype: float32\nn_channels: 3\nsampling_rate: 30000.0\n");
    }
}
