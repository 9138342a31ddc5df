//! `neurobatch._native.Reader`: an open recording shared by the Python
//! objects that use it; reads fill new numpy arrays with the GIL released.

use std::sync::{Arc, Mutex};

use neurobatch_core::{BatchOptions, Cursor, Dtype, Layout, Reader};
use pyo3::prelude::*;

use crate::arrays::new_filled;
use crate::mapped::Mapper;
use crate::pool::{pooled_array, skew, Pool};

/// Read buffers up to this size are kept for the next read once Python
/// frees the array (a reader of windows faults in no fresh pages); larger
/// ones are returned to the system.
const KEEP_READS: usize = 64 << 20;
use crate::errors::{invalid, IntoPy};
use crate::options::{self, path_text, Paths};

#[pyclass(frozen, module = "neurobatch._native", name = "Reader")]
pub struct PyReader {
    /// None once closed; readers in use elsewhere (cursors, running reads)
    /// hold their own Arc, so the file closes when the last one ends.
    inner: Mutex<Option<Arc<Reader>>>,
    /// With loader 'memmap'/'mmap': views of the file (see mapped.rs).
    mapper: Mutex<Option<Arc<Mapper>>>,
    /// Buffers of read arrays, recycled when Python frees them.
    pool: Arc<Pool>,
}

impl PyReader {
    pub fn get(&self, py: Python<'_>) -> PyResult<Arc<Reader>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone().ok_or_else(|| invalid(py, "the reader is closed"))
    }

    pub fn mapper(&self) -> Option<Arc<Mapper>> {
        self.mapper.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[pymethods]
impl PyReader {
    #[new]
    #[pyo3(signature = (paths, dtype=None, n_channels=None, data_order=None, loader="pread", sampling_rate=None, stream=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        paths: Paths,
        dtype: Option<&str>,
        n_channels: Option<i64>,
        data_order: Option<&str>,
        loader: &str,
        sampling_rate: Option<f64>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let opts = options::open_options(py, dtype, n_channels, data_order, loader, sampling_rate, stream)?;
        let reader = py
            .detach(|| match paths.as_slice() {
                [one] => Reader::open(one, &opts),
                many => Reader::open_session(many, &opts),
            })
            .py(py)?;
        let mapper = Mapper::for_reader(&reader).map(Arc::new);
        Ok(PyReader { inner: Mutex::new(Some(Arc::new(reader))), mapper: Mutex::new(mapper), pool: Pool::keeping(KEEP_READS) })
    }

    #[getter]
    fn n_observations(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.get(py)?.n_observations())
    }
    #[getter]
    fn n_channels(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.get(py)?.n_channels())
    }
    #[getter]
    fn dtype(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(self.get(py)?.dtype().name())
    }
    #[getter]
    fn data_order(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(self.get(py)?.data_order().name())
    }
    #[getter]
    fn loader(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(match self.get(py)?.loader() {
            neurobatch_core::Loader::Pread => "pread",
            neurobatch_core::Loader::Mmap => "mmap",
        })
    }
    /// "raw", "spikeglx" or "openephys".
    #[getter]
    fn format(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(self.get(py)?.metadata().format.name())
    }
    /// The data file (the first of a session).
    #[getter]
    fn path(&self, py: Python<'_>) -> PyResult<String> {
        Ok(path_text(self.get(py)?.path()))
    }
    #[getter]
    fn paths(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.get(py)?.paths().into_iter().map(path_text).collect())
    }
    /// Bytes of the complete observations.
    #[getter]
    fn file_size(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.get(py)?.file_size())
    }
    #[getter]
    fn sampling_rate(&self, py: Python<'_>) -> PyResult<Option<f64>> {
        Ok(self.get(py)?.metadata().sampling_rate)
    }
    #[getter]
    fn scales_uv(&self, py: Python<'_>) -> PyResult<Option<Vec<f64>>> {
        Ok(self.get(py)?.metadata().scale_uv.clone())
    }
    #[getter]
    fn channel_kinds(&self, py: Python<'_>) -> PyResult<Option<Vec<&'static str>>> {
        Ok(self.get(py)?.metadata().channel_kinds.as_ref().map(|k| k.iter().map(|c| c.name()).collect()))
    }
    /// Why `scales_uv` is None (the library's message), or None when it is known.
    #[getter]
    fn scales_uv_missing(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let r = self.get(py)?;
        Ok(r.metadata().scales_uv(r.path()).err().map(|e| e.to_string()))
    }
    /// Why `channel_kinds` is None, or None when they are known.
    #[getter]
    fn channel_kinds_missing(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let r = self.get(py)?;
        Ok(r.metadata().kinds(r.path()).err().map(|e| e.to_string()))
    }
    #[getter]
    fn closed(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    /// Observations `[start, stop)` of `channels` (None: all) with `buffer`
    /// rows before and after (zeros beyond the recording), as a new
    /// `(rows, channels)` array the library writes into directly (its
    /// buffer recycled once Python frees it: see pool.rs), or with loader
    /// 'memmap'/'mmap' a read-only view of the file where one can show the
    /// block (see mapped.rs). With
    /// `microvolts`, float32 microvolts converted by the library (a copy
    /// out of its buffer).
    #[pyo3(signature = (start, stop, channels=None, buffer=0, microvolts=false))]
    fn read<'py>(&self, py: Python<'py>, start: u64, stop: u64, channels: Option<Vec<usize>>, buffer: u64, microvolts: bool) -> PyResult<Bound<'py, PyAny>> {
        let reader = self.get(py)?;
        let sel = options::channels(channels);
        let cols = sel.resolve(reader.n_channels()).py(py)?;
        // Range checks first, so the shape below is meaningful.
        neurobatch_core::select::resolve_range(Some(start), Some(stop), reader.n_observations()).py(py)?;
        let rows = Reader::block_rows(start, stop, buffer).py(py)?;
        let rows = usize::try_from(rows).map_err(|_| invalid(py, format!("a block of {rows} rows does not fit in memory")))?;
        reader.block_bytes(rows as u64, cols.len()).py(py)?;
        let shape = [rows, cols.len()];
        if !microvolts && buffer == 0 {
            if let Some(view) = self.mapper().map(|m| m.view(py, &reader, start, stop, &cols, false)).transpose()?.flatten() {
                return Ok(view);
            }
        }
        if !microvolts {
            let at = skew(&reader, start, buffer, cols.len());
            return pooled_array(py, &self.pool, reader.dtype(), &shape, at, |dst| reader.read(start, stop, &sel, buffer, Layout::SampleMajor, dst));
        }
        // The cursor converts to microvolts exactly as every other front end
        // sees them; one batch covers the whole range.
        let opts = BatchOptions { max_memory: u64::MAX, from: Some(start), to: Some(stop), channels: sel, buffer, microvolts: true, ..Default::default() };
        let mut cursor = Cursor::new(reader.clone(), &opts).py(py)?;
        new_filled(py, Dtype::F32, &shape, move |dst| {
            // An empty range has no batch: its buffer rows are zeros, in microvolts too.
            if let Some(batch) = cursor.next_batch()? {
                dst.copy_from_slice(batch.data);
            }
            Ok(())
        })
    }

    /// Closes the file once nothing else uses it; later calls raise.
    fn close(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.mapper.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
