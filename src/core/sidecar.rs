//! The YAML sidecar beside a recording (behaviour.md §2).

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
}

/// Keys in alphabetical order, so serialising gives block style with sorted keys.
#[derive(Serialize)]
struct SidecarOut<'a> {
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

/// A sidecar's parameters and its optional sampling rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SidecarValues {
    pub params: PartialParams,
    pub sampling_rate: Option<f64>,
}

/// A sidecar is a few lines; anything larger is not one (and is not read whole).
const MAX_SIDECAR_BYTES: u64 = 64 << 10;

pub fn read_sidecar(path: &Path) -> Result<SidecarValues> {
    use std::io::Read;
    let invalid = |reason: String| Error::SidecarInvalid { path: show(path), reason };
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("reading sidecar {}", show(path)), e))?;
    if !file.metadata().map_err(|e| Error::io(format!("reading sidecar {}", show(path)), e))?.is_file() {
        return Err(invalid("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SIDECAR_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::io(format!("reading sidecar {}", show(path)), e))?;
    if bytes.len() as u64 > MAX_SIDECAR_BYTES {
        return Err(invalid(format!("larger than {MAX_SIDECAR_BYTES} bytes; a sidecar holds three keys")));
    }
    let text = String::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 text: invalid byte at offset {}", e.utf8_error().valid_up_to())))?;
    parse_sidecar(&text).map_err(invalid)
}

pub fn parse_sidecar(text: &str) -> std::result::Result<SidecarValues, String> {
    let fields: SidecarFields = serde_yaml_ng::from_str(text).map_err(|e| format!("not a YAML mapping of dtype, n_channels, data_order: {e}"))?;
    let dtype = fields.dtype.as_deref().map(Dtype::parse).transpose().map_err(|e| e.to_string())?;
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
    Ok(SidecarValues { params: PartialParams { dtype, n_channels, data_order }, sampling_rate })
}

/// The sidecar text for `params`: block style, keys sorted; `sampling_rate`
/// only when known (YASS's three keys are always there).
pub fn sidecar_text(params: &RecordingParams, sampling_rate: Option<f64>) -> String {
    let out = SidecarOut { data_order: params.data_order.name(), dtype: params.dtype.name(), n_channels: params.n_channels as u64, sampling_rate };
    serde_yaml_ng::to_string(&out).expect("a struct of strings and an integer always serialises")
}

/// Fills what `explicit` lacks from the sidecar of `data`; explicit values win.
pub fn resolve_params(data: &Path, explicit: PartialParams) -> Result<RecordingParams> {
    Ok(resolve(data, explicit)?.0)
}

/// As `resolve_params`, with the sidecar's sampling rate when it was read.
pub fn resolve(data: &Path, explicit: PartialParams) -> Result<(RecordingParams, Option<f64>)> {
    if let Some(p) = complete(explicit) {
        // The sidecar is optional then; still take its rate when it is usable.
        let rate = read_sidecar(&sidecar_path(data)).ok().and_then(|v| v.sampling_rate);
        return Ok((p, rate));
    }
    let yaml = sidecar_path(data);
    if !yaml.exists() {
        return Err(Error::SidecarMissing { data: show(data), sidecar: show(&yaml) });
    }
    let found = read_sidecar(&yaml)?;
    let merged = merge(explicit, found.params);
    let params = complete(merged).ok_or_else(|| {
        let missing: Vec<&str> = [
            ("dtype", merged.dtype.is_none()),
            ("n_channels", merged.n_channels.is_none()),
            ("data_order", merged.data_order.is_none()),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect();
        Error::SidecarInvalid { path: show(&yaml), reason: format!("missing {}", missing.join(", ")) }
    })?;
    Ok((params, found.sampling_rate))
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
    }

    #[test]
    fn writes_block_style_sorted() {
        let p = RecordingParams { dtype: Dtype::F32, n_channels: 3, data_order: DataOrder::Channels };
        assert_eq!(sidecar_text(&p, None), "data_order: channels\ndtype: float32\nn_channels: 3\n");
        assert_eq!(sidecar_text(&p, Some(30000.0)), "data_order: channels\ndtype: float32\nn_channels: 3\nsampling_rate: 30000.0\n");
    }
}
