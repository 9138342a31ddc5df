//! `neurobatch._native.Cursor`: a traversal's batches, each copied out of
//! the library's reused batch buffer into a new numpy array (the buffer is
//! overwritten by the next batch, and a Python array may live on).

use neurobatch_core::plan::Traversal;
use neurobatch_core::{BatchOptions, Cursor, Dtype};
use pyo3::prelude::*;

use crate::arrays::new_filled;
use crate::errors::{invalid, IntoPy};
use crate::options;
use crate::reader::PyReader;

#[pyclass(module = "neurobatch._native", name = "Cursor")]
pub struct PyCursor {
    inner: Option<Cursor>,
    next: u64,
    microvolts: bool,
}

/// The batch options every traversal and apply takes from Python.
#[allow(clippy::too_many_arguments)]
pub fn batch_options(
    py: Python<'_>,
    max_memory: u64,
    from_time: Option<u64>,
    to_time: Option<u64>,
    channels: Option<Vec<usize>>,
    buffer: u64,
    single_channel: bool,
    force_complete: bool,
    edge: &str,
    microvolts: bool,
) -> PyResult<BatchOptions> {
    Ok(BatchOptions {
        max_memory,
        from: from_time,
        to: to_time,
        channels: options::channels(channels),
        buffer,
        traversal: if single_channel { Traversal::SingleChannel { force_complete } } else { Traversal::MultiChannel },
        edge: options::edge(py, edge)?,
        microvolts,
        ..Default::default()
    })
}

#[pymethods]
impl PyCursor {
    #[new]
    #[pyo3(signature = (reader, max_memory, from_time=None, to_time=None, channels=None, buffer=0, single_channel=false, force_complete=true, edge="zeros", microvolts=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        reader: &PyReader,
        max_memory: u64,
        from_time: Option<u64>,
        to_time: Option<u64>,
        channels: Option<Vec<usize>>,
        buffer: u64,
        single_channel: bool,
        force_complete: bool,
        edge: &str,
        microvolts: bool,
    ) -> PyResult<Self> {
        let opts = batch_options(py, max_memory, from_time, to_time, channels, buffer, single_channel, force_complete, edge, microvolts)?;
        let cursor = Cursor::new(reader.get(py)?, &opts).py(py)?;
        Ok(PyCursor { inner: Some(cursor), next: 0, microvolts })
    }

    #[getter]
    fn n_batches(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.cursor(py)?.plan().n_batches)
    }

    /// Observations in a full batch (the last one of a channel may be shorter).
    #[getter]
    fn rows_per_batch(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.cursor(py)?.plan().rows_per_batch)
    }

    /// The next batch as `(data, index, start, stop, channel)`, or None
    /// after the last one. `data` is `(rows, channels)` for multi-channel
    /// traversals and 1-D for single-channel ones, buffer rows included;
    /// `channel` is the file channel of a single-channel batch (else None).
    fn next<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let microvolts = self.microvolts;
        let next = self.next;
        let Some(cursor) = self.inner.as_mut() else { return Err(invalid(py, "the cursor is closed")) };
        let plan = cursor.plan();
        if next >= plan.n_batches {
            return Ok(None);
        }
        let spec = plan.batch(next);
        let rows = (spec.stop - spec.start + 2 * plan.buffer) as usize;
        let single = !plan.is_multi_channel();
        let shape: Vec<usize> = if single { vec![rows] } else { vec![rows, spec.positions.len()] };
        let channel = single.then(|| plan.channels[spec.positions.start]);
        let dtype = if microvolts { Dtype::F32 } else { plan.dtype };
        let data = new_filled(py, dtype, &shape, |dst| {
            let batch = cursor.next_batch()?.expect("the plan has this batch");
            dst.copy_from_slice(batch.data);
            Ok(())
        })?;
        self.next += 1;
        Ok(Some((data, spec.index, spec.start, spec.stop, channel).into_pyobject(py)?.into_any()))
    }

    /// Releases the batch buffer (and the reader, when nothing else holds it).
    fn close(&mut self) {
        self.inner = None;
    }
}

impl PyCursor {
    fn cursor(&self, py: Python<'_>) -> PyResult<&Cursor> {
        self.inner.as_ref().ok_or_else(|| invalid(py, "the cursor is closed"))
    }
}
