//! Python argument values as core options; each bad value is an error
//! naming it and what was expected.

use std::path::PathBuf;

use neurobatch_core::formats::StreamSel;
use neurobatch_core::{ChannelSel, DataOrder, Dtype, Edge, Loader, OpenOptions};
use pyo3::prelude::*;

use crate::errors::{error_with_status, invalid, IntoPy};

pub fn dtype(py: Python<'_>, name: Option<&str>) -> PyResult<Option<Dtype>> {
    name.map(Dtype::parse).transpose().py(py)
}

pub fn data_order(py: Python<'_>, name: Option<&str>) -> PyResult<Option<DataOrder>> {
    name.map(DataOrder::parse).transpose().py(py)
}

/// YASS's loader names and the library's: all read the same values.
pub fn loader(py: Python<'_>, name: &str) -> PyResult<Loader> {
    match name {
        "pread" | "array" | "python" => Ok(Loader::Pread),
        "mmap" | "memmap" => Ok(Loader::Mmap),
        other => Err(invalid(py, format!("unknown loader '{other}': expected 'memmap', 'array' or 'python' (YASS's names), 'pread' or 'mmap'"))),
    }
}

pub fn edge(py: Python<'_>, name: &str) -> PyResult<Edge> {
    Edge::parse(name).py(py)
}

pub fn channels(list: Option<Vec<usize>>) -> ChannelSel {
    match list {
        None => ChannelSel::All,
        Some(l) => ChannelSel::List(l),
    }
}

pub fn n_channels(py: Python<'_>, n: Option<i64>) -> PyResult<Option<usize>> {
    match n {
        Some(v) if v < 1 => Err(error_with_status(py, -10, &format!("n_channels must be at least 1, got {v}"))),
        Some(v) => Ok(Some(v as usize)),
        None => Ok(None),
    }
}

/// An Open Ephys stream: its index (int) or its name (str).
pub fn stream(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<StreamSel>> {
    let Some(v) = value else { return Ok(None) };
    if let Ok(i) = v.extract::<usize>() {
        return Ok(Some(StreamSel::Index(i)));
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(Some(StreamSel::Name(s)));
    }
    Err(invalid(py, format!("stream {}: expected a stream's index (an int >= 0) or its name (a str)", v.repr()?)))
}

#[allow(clippy::too_many_arguments)]
pub fn open_options(
    py: Python<'_>,
    dtype_name: Option<&str>,
    n: Option<i64>,
    order: Option<&str>,
    loader_name: &str,
    sampling_rate: Option<f64>,
    stream_value: Option<&Bound<'_, PyAny>>,
) -> PyResult<OpenOptions> {
    Ok(OpenOptions {
        dtype: dtype(py, dtype_name)?,
        n_channels: n_channels(py, n)?,
        data_order: data_order(py, order)?,
        loader: loader(py, loader_name)?,
        sampling_rate,
        stream: stream(py, stream_value)?,
        follow: false,
    })
}

pub fn path_text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

pub type Paths = Vec<PathBuf>;
