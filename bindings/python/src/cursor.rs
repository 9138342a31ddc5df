//! A traversal's batches as numpy arrays (`BatchSource`), behind both the
//! Python traversals (`neurobatch._native.Cursor`) and the serial apply.
//! Raw multi-channel batches (and single-channel ones of a channels-order
//! file) are views of the file with loader 'memmap' where a view can show
//! them (mapped.rs), else read by the library straight into a recycled
//! buffer the array owns (pool.rs); other traversals (samples-order
//! single-channel, microvolts, non-zero edges) go through the library's
//! cursor and are copied from its batch buffer, which the next batch
//! overwrites.

use std::sync::Arc;

use neurobatch_core::plan::{BatchSpec, Plan, Traversal};
use neurobatch_core::{BatchOptions, ChannelSel, Cursor, DataOrder, Dtype, Edge, Layout, Reader};
use pyo3::prelude::*;

use crate::errors::{invalid, IntoPy};
use crate::mapped::Mapper;
use crate::options;
use crate::pool::{pooled_array, skew, Pool};
use crate::reader::PyReader;

enum Source {
    /// Views of the file where possible, else `Reader::read` into the
    /// array's own buffer.
    Direct {
        reader: Arc<Reader>,
        plan: Plan,
        mapper: Option<Arc<Mapper>>,
    },
    Cursor(Box<Cursor>),
}

pub struct BatchSource {
    source: Source,
    pool: Arc<Pool>,
    next: u64,
    microvolts: bool,
}

impl BatchSource {
    /// Plans the traversal: every argument is checked here, before any read.
    pub fn new(py: Python<'_>, reader: &PyReader, opts: &BatchOptions) -> PyResult<BatchSource> {
        let mapper = if opts.buffer == 0 { reader.mapper() } else { None };
        let reader = reader.get(py)?;
        let single = opts.traversal != Traversal::MultiChannel;
        // Single-channel batches of a samples-order file go through the
        // library's cursor, which reads several channels in one pass.
        let direct = !opts.microvolts && opts.edge == Edge::Zeros && (!single || reader.data_order() == DataOrder::Channels);
        let source = if direct {
            let plan = Plan::new(&reader, opts).py(py)?;
            Source::Direct { reader, plan, mapper }
        } else {
            Source::Cursor(Box::new(Cursor::new(reader, opts).py(py)?))
        };
        Ok(BatchSource { source, pool: Pool::new(), next: 0, microvolts: opts.microvolts })
    }

    pub fn plan(&self) -> &Plan {
        match &self.source {
            Source::Direct { plan, .. } => plan,
            Source::Cursor(c) => c.plan(),
        }
    }

    /// The next batch and where it is, or None after the last one. The
    /// array is `(rows, channels)` for multi-channel traversals and 1-D for
    /// single-channel ones, buffer rows included.
    pub fn next<'py>(&mut self, py: Python<'py>) -> PyResult<Option<(Bound<'py, PyAny>, BatchSpec)>> {
        let plan = self.plan();
        if self.next >= plan.n_batches {
            return Ok(None);
        }
        let spec = plan.batch(self.next);
        let rows = (spec.stop - spec.start + 2 * plan.buffer) as usize;
        let single = !plan.is_multi_channel();
        let shape: Vec<usize> = if single { vec![rows] } else { vec![rows, spec.positions.len()] };
        let dtype = if self.microvolts { Dtype::F32 } else { plan.dtype };
        let pool = &self.pool;
        let data = match &mut self.source {
            Source::Direct { reader, plan, mapper } => {
                let cols = &plan.channels[spec.positions.clone()];
                let view = mapper.as_ref().map(|m| m.view(py, reader, spec.start, spec.stop, cols, single)).transpose()?.flatten();
                match view {
                    Some(v) => v,
                    None => {
                        let sel = ChannelSel::List(cols.to_vec());
                        let at = skew(reader, spec.start, plan.buffer, cols.len());
                        let (reader, buffer) = (&**reader, plan.buffer);
                        pooled_array(py, pool, dtype, &shape, at, |dst| reader.read(spec.start, spec.stop, &sel, buffer, Layout::SampleMajor, dst))?
                    }
                }
            }
            Source::Cursor(cursor) => pooled_array(py, pool, dtype, &shape, 0, |dst| {
                let batch = cursor.next_batch()?.expect("the plan has this batch");
                dst.copy_from_slice(batch.data);
                Ok(())
            })?,
        };
        self.next += 1;
        Ok(Some((data, spec)))
    }
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

#[pyclass(module = "neurobatch._native", name = "Cursor")]
pub struct PyCursor {
    inner: Option<BatchSource>,
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
        Ok(PyCursor { inner: Some(BatchSource::new(py, reader, &opts)?) })
    }

    #[getter]
    fn n_batches(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.source(py)?.plan().n_batches)
    }

    /// Observations in a full batch (the last one of a channel may be shorter).
    #[getter]
    fn rows_per_batch(&self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.source(py)?.plan().rows_per_batch)
    }

    /// The next batch as `(data, index, start, stop, channel)`, or None
    /// after the last one; `channel` is the file channel of a
    /// single-channel batch (else None).
    fn next<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(source) = self.inner.as_mut() else { return Err(invalid(py, "the cursor is closed")) };
        let single = !source.plan().is_multi_channel();
        let Some((data, spec)) = source.next(py)? else { return Ok(None) };
        let channel = single.then(|| source.plan().channels[spec.positions.start]);
        Ok(Some((data, spec.index, spec.start, spec.stop, channel).into_pyobject(py)?.into_any()))
    }

    /// Releases the batch buffers (and the reader, when nothing else holds it).
    fn close(&mut self) {
        self.inner = None;
    }
}

impl PyCursor {
    fn source(&self, py: Python<'_>) -> PyResult<&BatchSource> {
        self.inner.as_ref().ok_or_else(|| invalid(py, "the cursor is closed"))
    }
}
