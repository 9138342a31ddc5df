//! `neurobatch._native`: the Python package's bridge to the safe core crate
//! (`neurobatch-core`). The public API, YASS's names and call shapes, is
//! the Python package `neurobatch` built on these few primitives.

mod apply;
mod arrays;
mod cursor;
mod errors;
mod mapped;
mod options;
mod pool;
mod reader;

use pyo3::prelude::*;

/// YASS's `max_memory` text as bytes: `<integer>` followed by nothing or
/// B, K/KB, M/MB, G/GB (1024-based).
#[pyfunction]
fn parse_max_memory(py: Python<'_>, text: &str) -> PyResult<u64> {
    errors::IntoPy::py(neurobatch_core::parse_max_memory(text), py)
}

/// `array` cast to `dtype` as the library casts results.
#[pyfunction]
fn cast<'py>(py: Python<'py>, array: &Bound<'py, PyAny>, dtype: &str) -> PyResult<Bound<'py, PyAny>> {
    let to = options::dtype(py, Some(dtype))?.expect("given");
    arrays::cast(array, to)
}

/// The sidecar path of a data file: its last extension replaced by `.yaml`.
#[pyfunction]
fn sidecar_path(path: std::path::PathBuf) -> String {
    options::path_text(&neurobatch_core::sidecar_path(&path))
}

/// Checks a dtype name as the library does (an exception quoting it).
#[pyfunction]
fn check_dtype(py: Python<'_>, name: &str) -> PyResult<()> {
    options::dtype(py, Some(name)).map(|_| ())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<reader::PyReader>()?;
    m.add_class::<cursor::PyCursor>()?;
    m.add_class::<pool::BatchBuffer>()?;
    m.add_class::<mapped::FileMapping>()?;
    m.add_function(wrap_pyfunction!(apply::apply, m)?)?;
    m.add_function(wrap_pyfunction!(apply::run_pipeline, m)?)?;
    m.add_function(wrap_pyfunction!(parse_max_memory, m)?)?;
    m.add_function(wrap_pyfunction!(cast, m)?)?;
    m.add_function(wrap_pyfunction!(sidecar_path, m)?)?;
    m.add_function(wrap_pyfunction!(check_dtype, m)?)?;
    Ok(())
}
