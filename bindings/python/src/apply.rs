//! `neurobatch._native.apply` and `run_pipeline`: the library's apply and
//! pipeline with Python functions as callbacks. With worker threads (and in
//! pipelines) the calling thread releases the GIL for the whole run and each
//! callback takes it back; on the calling thread alone, the apply walks the
//! traversal's batch arrays itself (no copy of batches or results) with the
//! library's plan, argument checks and writer. A Python exception stops the
//! run (nothing is written) and is re-raised as it was.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use neurobatch_core::apply::{apply as core_apply, ApplyOptions, BatchFn, CallOutput, Mode};
use neurobatch_core::cursor::Batch;
use neurobatch_core::output::{check_output_path, resolve_existing, IfExists, OutputInfo};
use neurobatch_core::pipeline::{run_pipeline as core_run_pipeline, Step, StepMode};
use neurobatch_core::result::ResultBlock;
use neurobatch_core::writer::Writer;
use neurobatch_core::{BatchOptions, DataOrder, Dtype, Layout, Reader};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::arrays::{result_matrix, to_result_block, with_bytes};
use crate::cursor::{batch_options, BatchSource};
use crate::errors::IntoPy;
use crate::options::{self, path_text};
use crate::pool::{pooled_array, Pool};
use crate::reader::PyReader;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What callbacks on any thread leave for the calling thread.
#[derive(Default)]
struct Shared {
    /// The first Python exception raised (by a function, the progress
    /// callback, or a signal such as Ctrl-C).
    error: Mutex<Option<PyErr>>,
    /// Memory mode: each batch's result, by batch number.
    results: Mutex<BTreeMap<u64, Py<PyAny>>>,
    /// pass_batch_results: the previous batch's result.
    previous: Mutex<Option<Py<PyAny>>>,
}

impl Shared {
    fn fail(&self, e: PyErr) {
        let mut slot = lock(&self.error);
        if slot.is_none() {
            *slot = Some(e);
        }
    }
}

/// How the Python function is called and its result kept.
struct Call<'a> {
    function: &'a Py<PyAny>,
    shared: &'a Shared,
    /// Results go to a file (converted to library result blocks) rather
    /// than being kept as Python objects.
    disk: bool,
    pass_previous: bool,
    /// Buffers of the batch arrays handed to the function.
    pool: Arc<Pool>,
}

impl Call<'_> {
    /// The library callback: a failure is stored and reported to the
    /// library as a failed callback, which stops the run.
    fn run(&self, batch: &Batch<'_>) -> neurobatch_core::Result<CallOutput> {
        Python::attach(|py| match self.call(py, batch) {
            Ok(out) => Ok(out),
            Err(e) => {
                self.shared.fail(e);
                Ok(CallOutput { code: -1, result: None })
            }
        })
    }

    fn call(&self, py: Python<'_>, batch: &Batch<'_>) -> PyResult<CallOutput> {
        let info = batch.info;
        let single = info.single_channel;
        let shape: Vec<usize> = if single { vec![info.n_rows] } else { vec![info.n_rows, batch.n_channels()] };
        let data = pooled_array(py, &self.pool, batch.dtype, &shape, 0, |dst| {
            dst.copy_from_slice(batch.data);
            Ok(())
        })?;
        let channel = single.then(|| batch.channels[0]);
        let previous = if self.pass_previous { lock(&self.shared.previous).as_ref().map(|p| p.clone_ref(py)) } else { None };
        let result = self.function.call1(py, (data, info.index, info.start, info.stop, channel, previous))?;
        if self.pass_previous {
            *lock(&self.shared.previous) = Some(result.clone_ref(py));
        }
        if self.disk {
            let block = to_result_block(result.bind(py), info.index, single)?;
            return Ok(CallOutput { code: 0, result: Some(block) });
        }
        if !self.pass_previous {
            lock(&self.shared.results).insert(info.index, result);
        }
        // The Python object is the result; the library keeps a placeholder.
        Ok(CallOutput { code: 0, result: Some(ResultBlock::zeros(Dtype::U8, 0, 0).expect("an empty block")) })
    }
}

/// The progress callback: Python's `progress(done, total)` (cancels when
/// it returns true), and pending signals, so Ctrl-C stops a run cleanly.
fn progress_step(shared: &Shared, progress: Option<&Py<PyAny>>, done: u64, total: u64) -> bool {
    Python::attach(|py| {
        if let Err(e) = py.check_signals() {
            shared.fail(e);
            return true;
        }
        let Some(p) = progress else { return false };
        match p.call1(py, (done, total)).and_then(|v| v.bind(py).is_truthy()) {
            Ok(cancel) => cancel,
            Err(e) => {
                shared.fail(e);
                true
            }
        }
    })
}

/// A finished (or skipped) output as Python sees it:
/// `(path, dtype, n_channels, data_order, n_observations, skipped)`.
fn output_tuple<'py>(py: Python<'py>, info: &OutputInfo) -> PyResult<Bound<'py, PyAny>> {
    let p = &info.params;
    Ok((path_text(&info.path), p.dtype.name(), p.n_channels, p.data_order.name(), info.n_observations, info.skipped).into_pyobject(py)?.into_any())
}

/// Runs `function(data, index, start, stop, channel, previous)` on every
/// batch. Memory mode (no `output_path`): returns the results in batch
/// order (only the last with `pass_previous`, None without batches). Disk
/// mode: results (arrays) are written to `output_path`; returns the output
/// tuple.
#[pyfunction]
#[pyo3(signature = (reader, function, max_memory, from_time=None, to_time=None, channels=None, buffer=0, single_channel=false, force_complete=true, edge="zeros", microvolts=false, output_path=None, if_file_exists="overwrite", n_threads=1, pass_previous=false, progress=None, cast_dtype=None))]
#[allow(clippy::too_many_arguments)]
pub fn apply<'py>(
    py: Python<'py>,
    reader: &PyReader,
    function: Py<PyAny>,
    max_memory: u64,
    from_time: Option<u64>,
    to_time: Option<u64>,
    channels: Option<Vec<usize>>,
    buffer: u64,
    single_channel: bool,
    force_complete: bool,
    edge: &str,
    microvolts: bool,
    output_path: Option<PathBuf>,
    if_file_exists: &str,
    n_threads: usize,
    pass_previous: bool,
    progress: Option<Py<PyAny>>,
    cast_dtype: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    // Results arrive cast (by the Python layer); the library needs the
    // dtype for an output of no batch, whose sidecar names it.
    let cast = options::dtype(py, cast_dtype)?;
    let batch_opts = batch_options(py, max_memory, from_time, to_time, channels, buffer, single_channel, force_complete, edge, microvolts)?;
    let if_exists = IfExists::parse(if_file_exists).py(py)?;
    if n_threads <= 1 {
        let output = output_path.map(|p| (p, if_exists));
        return apply_serial(py, reader, &batch_opts, &function, output, cast, pass_previous, progress.as_ref());
    }
    let reader: Arc<Reader> = reader.get(py)?;
    let disk = output_path.is_some();
    let mode = match output_path {
        Some(path) => Mode::Disk { path, if_exists },
        None => Mode::Memory,
    };
    // Casting results already of that dtype is free (or a no-op when written).
    let opts = ApplyOptions { mode, cast, pass_batch_results: pass_previous, n_threads, ..Default::default() };
    let shared = Shared::default();
    let call = Call { function: &function, shared: &shared, disk, pass_previous, pool: Pool::new() };
    let f = |batch: &Batch<'_>, _: Option<&ResultBlock>| call.run(batch);
    let mut on_progress = |done: u64, total: u64| progress_step(&shared, progress.as_ref(), done, total);
    let outcome = py.detach(|| core_apply(&reader, &batch_opts, &opts, Some(&f), None, Some(&mut on_progress)));
    if let Some(e) = lock(&shared.error).take() {
        return Err(e);
    }
    let outcome = outcome.py(py)?;
    if let Some(info) = &outcome.output {
        return output_tuple(py, info);
    }
    if pass_previous {
        return Ok(lock(&shared.previous).take().map_or_else(|| py.None().into_bound(py), |p| p.into_bound(py)));
    }
    let results: Vec<Py<PyAny>> = std::mem::take(&mut *lock(&shared.results)).into_values().collect();
    Ok(PyList::new(py, results)?.into_any())
}

/// The apply on the calling thread, with the batch arrays of a traversal
/// (views of the file or the library's reads, no copy: see cursor.rs) and
/// results written from the arrays' own memory. Arguments are checked in
/// the order and with the messages of the library's apply, and the output
/// is the library's writer's: complete with its sidecar, or absent.
#[allow(clippy::too_many_arguments)]
fn apply_serial<'py>(
    py: Python<'py>,
    reader_py: &PyReader,
    batch_opts: &BatchOptions,
    function: &Py<PyAny>,
    output: Option<(PathBuf, IfExists)>,
    cast: Option<Dtype>,
    pass_previous: bool,
    progress: Option<&Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let reader = reader_py.get(py)?;
    let mut batches = BatchSource::new(py, reader_py, batch_opts)?;
    let plan = batches.plan().clone();
    let single = !plan.is_multi_channel();
    let mut writer = match &output {
        None => None,
        Some((path, if_exists)) => {
            check_output_path(path, reader.protected()).py(py)?;
            if let Some(existing) = resolve_existing(path, *if_exists).py(py)? {
                return output_tuple(py, &existing);
            }
            let order = if single { DataOrder::Channels } else { DataOrder::Samples };
            Some(Writer::create(path, order, plan.channels.len(), cast.unwrap_or(reader.dtype()), reader.protected()).py(py)?)
        }
    };
    let total = plan.n_batches;
    let mut results: Vec<Py<PyAny>> = Vec::new();
    let mut previous: Option<Py<PyAny>> = None;
    // A Python exception returns early: the writer is dropped unfinished,
    // which removes its temporary file.
    while let Some((data, spec)) = batches.next(py)? {
        let channel = single.then(|| plan.channels[spec.positions.start]);
        let prev = if pass_previous { previous.as_ref().map(|p| p.clone_ref(py)) } else { None };
        let result = function.call1(py, (data, spec.index, spec.start, spec.stop, channel, prev))?;
        if let Some(w) = writer.as_mut() {
            let (array, dtype, rows, cols) = result_matrix(result.bind(py), spec.index, single)?;
            let position = spec.positions.start;
            with_bytes(&array, dtype, |bytes| {
                py.detach(|| match single {
                    true => w.append_channel(position, dtype, rows, cols, Layout::SampleMajor, bytes),
                    false => w.append(dtype, rows, cols, Layout::SampleMajor, bytes),
                })
            })?
            .py(py)?;
        }
        if pass_previous {
            previous = Some(result);
        } else if writer.is_none() {
            results.push(result);
        }
        let done = spec.index + 1;
        py.check_signals()?;
        if let Some(p) = progress {
            if p.call1(py, (done, total))?.bind(py).is_truthy()? {
                return Err(crate::errors::to_py(py, &neurobatch_core::Error::Cancelled { done, total }));
            }
        }
    }
    if let Some(mut w) = writer {
        if let Some(rate) = reader.metadata().sampling_rate {
            w.set_sampling_rate(rate, plan.to - plan.from);
        }
        let info = py.detach(|| w.finish()).py(py)?;
        return output_tuple(py, &info);
    }
    if pass_previous {
        return Ok(previous.map_or_else(|| py.None().into_bound(py), |p| p.into_bound(py)));
    }
    Ok(PyList::new(py, results)?.into_any())
}

/// A pipeline step from Python: `(function, output_name, mode, keep,
/// if_file_exists, cast_dtype)`.
type PyStep = (Py<PyAny>, PathBuf, String, bool, String, Option<String>);

/// Runs pipeline `steps`, each `(function, output_name, mode, keep,
/// if_file_exists, cast_dtype)`, on `path`; functions are called as in
/// `apply` (disk mode). Returns, per step that ran, the output tuple and
/// whether the file was kept.
#[pyfunction]
#[pyo3(signature = (path, steps, output_dir, max_memory, dtype=None, n_channels=None, data_order=None, loader="pread", sampling_rate=None, stream=None, from_time=None, to_time=None, channels=None, buffer=0, n_threads=1, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_pipeline<'py>(
    py: Python<'py>,
    path: PathBuf,
    steps: Vec<PyStep>,
    output_dir: PathBuf,
    max_memory: u64,
    dtype: Option<&str>,
    n_channels: Option<i64>,
    data_order: Option<&str>,
    loader: &str,
    sampling_rate: Option<f64>,
    stream: Option<&Bound<'_, PyAny>>,
    from_time: Option<u64>,
    to_time: Option<u64>,
    channels: Option<Vec<usize>>,
    buffer: u64,
    n_threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let open = options::open_options(py, dtype, n_channels, data_order, loader, sampling_rate, stream)?;
    let batch_opts = batch_options(py, max_memory, from_time, to_time, channels, buffer, false, true, "zeros", false)?;
    let shared = Shared::default();
    let calls: Vec<Call<'_>> = steps.iter().map(|s| Call { function: &s.0, shared: &shared, disk: true, pass_previous: false, pool: Pool::new() }).collect();
    let fns: Vec<Box<BatchFn<'_>>> = calls.iter().map(|c| Box::new(move |b: &Batch<'_>, _: Option<&ResultBlock>| c.run(b)) as Box<_>).collect();
    let mut core_steps = Vec::with_capacity(steps.len());
    for (k, (_, name, mode, keep, if_exists, cast)) in steps.iter().enumerate() {
        core_steps.push(Step {
            f: &*fns[k],
            output_name: name.clone(),
            mode: StepMode::parse(mode).py(py)?,
            keep: *keep,
            if_exists: IfExists::parse(if_exists).py(py)?,
            cast: options::dtype(py, cast.as_deref())?,
        });
    }
    let mut on_progress = |done: u64, total: u64| progress_step(&shared, progress.as_ref(), done, total);
    let outcome = py.detach(|| core_run_pipeline(&path, &open, &output_dir, &batch_opts, &core_steps, n_threads, Some(&mut on_progress)));
    if let Some(e) = lock(&shared.error).take() {
        return Err(e);
    }
    let outcome = outcome.py(py)?;
    let list = PyList::empty(py);
    for out in &outcome.outputs {
        list.append((output_tuple(py, &out.info)?, out.kept))?;
    }
    Ok(list)
}
