//! YASS's 'memmap' loader: reads and batches as read-only numpy views of a
//! mapping of the file, no copy at all, as YASS's (numpy.memmap) were.
//! Used where a view can show the block: one file, raw values, no buffer
//! rows, and channels that are a contiguous run (in samples order, one of
//! more than a quarter of the channels; in channels order any run, the view
//! then strides across channel series). Everything else is read by the
//! library.
//!
//! Each view maps just the pages of its rows and unmaps them when Python
//! frees the array. Like any mapping (numpy.memmap's included), a file
//! truncated by another process while a view of it is alive makes the
//! process fail with SIGBUS on access.

use std::fs::File;

use memmap2::{Mmap, MmapOptions};
use neurobatch_core::io::PAGE;
use neurobatch_core::{DataOrder, Loader, Reader};
use numpy::ndarray::{ArrayView, IxDyn, ShapeBuilder};
use numpy::PyArray;
use pyo3::prelude::*;

use crate::arrays::with_element;

/// Selections of at most 1/SPARSE_FRACTION of a samples-order file's
/// channels are read, not viewed.
const SPARSE_FRACTION: usize = 4;

/// The base object of a view: the mapping lives as long as the array.
#[pyclass(frozen, module = "neurobatch._native", name = "FileMapping")]
pub struct FileMapping {
    /// Held, never read here: numpy reads it through the view.
    _map: Mmap,
}

/// The recording's file, opened a second time for mapping, once its
/// identity was checked against the reader's (the same file, not one since
/// renamed over its path).
pub struct Mapper {
    file: File,
}

impl Mapper {
    /// A mapper when the reader asked for mappings (loader 'memmap'/'mmap')
    /// and reads one file; None otherwise or when the file cannot be
    /// mapped (reads then go through the library).
    pub fn for_reader(reader: &Reader) -> Option<Mapper> {
        if reader.loader() != Loader::Mmap || reader.paths().len() != 1 {
            return None;
        }
        let path = reader.path();
        let file = neurobatch_core::platform::open_input(path, "recording").ok()?;
        let id = neurobatch_core::platform::file_id(&file).ok()?;
        let identity = format!("{:x}:{:x}:{}", id.volume, id.index, reader.file_size());
        (reader.input_identity().ok()? == identity).then_some(Mapper { file })
    }

    /// A read-only view of observations `[start, stop)` of file channels
    /// `cols` (1-D when `one_d` and one channel), or None when a view cannot
    /// show them (the caller reads instead). Arguments are already valid.
    pub fn view<'py>(&self, py: Python<'py>, reader: &Reader, start: u64, stop: u64, cols: &[usize], one_d: bool) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(&c0) = cols.first() else { return Ok(None) };
        let run = cols.iter().enumerate().all(|(j, &c)| c == c0 + j);
        if !run || stop <= start {
            return Ok(None);
        }
        let (rows, k) = ((stop - start) as usize, cols.len());
        // A few channels of each samples-order row: the library gathers them
        // into a compact block several times faster than numpy walks a
        // strided view (the core's own rule for its mapped reads).
        if reader.data_order() == DataOrder::Samples && k * SPARSE_FRACTION <= reader.n_channels() {
            return Ok(None);
        }
        let dtype = reader.dtype();
        let isz = dtype.itemsize() as u64;
        let n_obs = reader.n_observations();
        // Offset of (row 0, column 0), element strides, and the bytes spanned.
        let (first, strides, span) = match reader.data_order() {
            DataOrder::Samples => {
                let row = reader.n_channels() as u64 * isz;
                let first = start * row + c0 as u64 * isz;
                (first, [reader.n_channels(), 1], (rows as u64 - 1) * row + k as u64 * isz)
            }
            DataOrder::Channels => {
                let first = (c0 as u64 * n_obs + start) * isz;
                (first, [1, n_obs as usize], ((k as u64 - 1) * n_obs + rows as u64) * isz)
            }
        };
        let skew = first % PAGE as u64;
        if self.file.metadata().map(|m| m.len()).unwrap_or(0) < first + span {
            return Ok(None); // shorter than at open: let the library report it
        }
        let Ok(len) = usize::try_from(skew + span) else { return Ok(None) };
        // SAFETY: a read-only mapping of a file the library never writes; see
        // the module comment for a truncation by another process.
        let Ok(map) = (unsafe { MmapOptions::new().offset(first - skew).len(len).map(&self.file) }) else { return Ok(None) };
        let data = map[skew as usize..].as_ptr();
        let owner = Bound::new(py, FileMapping { _map: map })?;
        let array = with_element!(dtype, T => {
            // SAFETY: `data` is aligned for T (page-aligned mapping, offset a
            // multiple of the item size) and the strided view stays within
            // the `span` bytes mapped, which `owner`, the array's base, keeps.
            let ptr = data as *const T;
            if one_d && k == 1 {
                let view = unsafe { ArrayView::<T, IxDyn>::from_shape_ptr(IxDyn(&[rows]).strides(IxDyn(&[strides[0]])), ptr) };
                unsafe { PyArray::<T, IxDyn>::borrow_from_array(&view, owner.into_any()) }.into_any()
            } else {
                let view = unsafe { ArrayView::<T, IxDyn>::from_shape_ptr(IxDyn(&[rows, k]).strides(IxDyn(&strides)), ptr) };
                unsafe { PyArray::<T, IxDyn>::borrow_from_array(&view, owner.into_any()) }.into_any()
            }
        });
        array.call_method1("setflags", (false,))?;
        Ok(Some(array))
    }
}
