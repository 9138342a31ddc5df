//! Batch arrays over recycled library buffers. A traversal hands each batch
//! to Python as a numpy array whose memory is a page-aligned library buffer
//! owned by the array (through a `BatchBuffer` base object); when Python
//! drops the array the buffer goes back to its traversal's pool and the
//! next batch is read into it. A batch kept by Python simply keeps its
//! buffer. Reusing warm buffers avoids faulting in fresh pages for every
//! batch, which cost as much as the read itself.

use std::sync::{Arc, Mutex};

use neurobatch_core::io::AlignedBuf;
use neurobatch_core::{Dtype, Error};
use numpy::ndarray::{ArrayView, IxDyn};
use numpy::PyArray;
use pyo3::prelude::*;

use crate::arrays::{new_filled, with_element};

/// Free buffers kept for reuse: the one being filled and the one Python
/// still holds while asking for the next batch.
const KEEP: usize = 2;

pub struct Pool {
    free: Mutex<Vec<AlignedBuf>>,
    /// Larger buffers are freed rather than kept.
    max_bytes: usize,
}

impl Pool {
    /// A traversal's pool: its batches are bounded by max_memory.
    pub fn new() -> Arc<Pool> {
        Pool::keeping(usize::MAX)
    }

    /// A pool that keeps buffers of at most `max_bytes` (a reader's reads
    /// may be of any size, and a huge one should not stay resident).
    pub fn keeping(max_bytes: usize) -> Arc<Pool> {
        Arc::new(Pool { free: Mutex::new(Vec::new()), max_bytes })
    }

    fn take(&self) -> AlignedBuf {
        self.free.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default()
    }

    fn give(&self, buf: AlignedBuf) {
        if buf.bytes().len() > self.max_bytes {
            return;
        }
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        if free.len() < KEEP {
            free.push(buf);
        }
    }
}

/// The base object of a batch array: owns its buffer until the array is
/// freed, then returns it to the pool.
#[pyclass(frozen, module = "neurobatch._native", name = "BatchBuffer")]
pub struct BatchBuffer {
    buf: Mutex<Option<AlignedBuf>>,
    pool: Arc<Pool>,
}

impl Drop for BatchBuffer {
    fn drop(&mut self) {
        let buf = self.buf.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(buf) = buf {
            self.pool.give(buf);
        }
    }
}

/// A C-ordered array of `shape` over a buffer from `pool`, its data
/// starting `skew` bytes into the buffer, written by `fill` with the GIL
/// released. `fill` must write every byte it is given.
pub fn pooled_array<'py, F>(py: Python<'py>, pool: &Arc<Pool>, dtype: Dtype, shape: &[usize], skew: usize, fill: F) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce(&mut [u8]) -> neurobatch_core::Result<()> + Send,
{
    let n_bytes = shape.iter().product::<usize>() * dtype.itemsize();
    if n_bytes == 0 {
        return new_filled(py, dtype, shape, fill);
    }
    debug_assert_eq!(skew % dtype.itemsize(), 0);
    let mut buf = pool.take();
    let filled = py.detach(|| -> neurobatch_core::Result<()> {
        let bytes = buf.ensure(skew + n_bytes).map_err(|e| Error::io(format!("allocating a batch buffer of {n_bytes} bytes"), e))?;
        fill(&mut bytes[skew..skew + n_bytes])
    });
    if let Err(e) = filled {
        pool.give(buf);
        return Err(crate::errors::to_py(py, &e));
    }
    let data = buf.bytes_mut()[skew..].as_mut_ptr();
    // The buffer's pages stay where they are when the AlignedBuf moves (it
    // is a mapping), so `data` remains valid while the owner lives.
    let owner = Bound::new(py, BatchBuffer { buf: Mutex::new(Some(buf)), pool: pool.clone() })?;
    with_element!(dtype, T => {
        // SAFETY: `data` points to n_bytes initialised bytes, aligned for T
        // (page-aligned buffer, skew a multiple of the item size), owned by
        // `owner`, which the array keeps as its base and which never
        // touches them until the array is freed.
        let view = unsafe { ArrayView::<T, IxDyn>::from_shape_ptr(IxDyn(shape), data as *const T) };
        Ok(unsafe { PyArray::<T, IxDyn>::borrow_from_array(&view, owner.into_any()) }.into_any())
    })
}

/// Where a block's first byte should sit within a page so that it has the
/// same offset as its first file byte in a samples-order recording: the
/// kernel then copies on its fast path (as the library's cursor does).
/// `start` is the block's first own row, `buffer` the rows before it.
pub fn skew(reader: &neurobatch_core::Reader, start: u64, buffer: u64, n_sel: usize) -> usize {
    if reader.data_order() != neurobatch_core::DataOrder::Samples {
        return 0;
    }
    let isz = reader.dtype().itemsize() as u64;
    let row_bytes = reader.n_channels() as u64 * isz;
    let lo = start.saturating_sub(buffer);
    let top = buffer - (start - lo);
    ((lo * row_bytes).wrapping_sub(top * n_sel as u64 * isz) % neurobatch_core::io::PAGE as u64) as usize
}
