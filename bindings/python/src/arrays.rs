//! numpy arrays of the ten recording dtypes: new arrays the library fills
//! in place (with the GIL released), and the bytes of arrays Python gives.

use neurobatch_core::result::{cast_values, ResultBlock};
use neurobatch_core::{Dtype, Layout};
use numpy::{dtype, IxDyn, PyArray, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyAnyMethods;

use crate::errors::{error_with_status, invalid};

/// Runs `$body` with `$T` the Rust element type of `$dtype`.
macro_rules! with_element_impl {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            neurobatch_core::Dtype::I8 => {
                type $T = i8;
                $body
            }
            neurobatch_core::Dtype::U8 => {
                type $T = u8;
                $body
            }
            neurobatch_core::Dtype::I16 => {
                type $T = i16;
                $body
            }
            neurobatch_core::Dtype::U16 => {
                type $T = u16;
                $body
            }
            neurobatch_core::Dtype::I32 => {
                type $T = i32;
                $body
            }
            neurobatch_core::Dtype::U32 => {
                type $T = u32;
                $body
            }
            neurobatch_core::Dtype::I64 => {
                type $T = i64;
                $body
            }
            neurobatch_core::Dtype::U64 => {
                type $T = u64;
                $body
            }
            neurobatch_core::Dtype::F32 => {
                type $T = f32;
                $body
            }
            neurobatch_core::Dtype::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_element_impl as with_element;

/// A new C-ordered array of `shape` whose bytes `fill` writes with the GIL
/// released. The array is zeroed first (calloc: fresh pages cost nothing
/// more), so no uninitialised memory is ever seen by Rust or Python.
pub fn new_filled<'py, F>(py: Python<'py>, dtype: Dtype, shape: &[usize], fill: F) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce(&mut [u8]) -> neurobatch_core::Result<()> + Send,
{
    with_element!(dtype, T => {
        let array = PyArray::<T, IxDyn>::zeros(py, IxDyn(shape), false);
        // SAFETY: the array was just made here and no other reference to it
        // exists until it is returned, so nothing aliases the slice.
        let values = unsafe { array.as_slice_mut() }.map_err(|e| invalid(py, format!("new array: {e}")))?;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(values);
        py.detach(move || fill(bytes)).map_err(|e| crate::errors::to_py(py, &e))?;
        Ok(array.into_any())
    })
}

/// The recording dtype of a numpy array, or None for any other dtype
/// (bool, float16, complex, big-endian, objects...).
pub fn dtype_of(array: &Bound<'_, PyUntypedArray>) -> Option<Dtype> {
    let py = array.py();
    let d = array.dtype();
    Dtype::ALL.into_iter().find(|&t| with_element!(t, T => d.is_equiv_to(&dtype::<T>(py))))
}

/// The array as a C-contiguous array (a copy only when it is not one).
fn contiguous<'py>(array: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = array.py();
    let c = py.import("numpy")?.getattr("ascontiguousarray")?.call1((array,))?;
    Ok(c.cast_into::<PyUntypedArray>()?)
}

/// Runs `f` on the bytes of a C-contiguous array of a recording dtype.
pub fn with_bytes<R>(array: &Bound<'_, PyUntypedArray>, dtype: Dtype, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    with_element!(dtype, T => {
        let typed = array.cast::<PyArray<T, IxDyn>>()?;
        let ro = typed.try_readonly()?;
        let values = ro.as_slice().map_err(|e| invalid(array.py(), format!("array: {e}")))?;
        Ok(f(bytemuck::cast_slice(values)))
    })
}

/// A function's result as a C-contiguous array of a recording dtype and
/// its rows × cols: a scalar is 1 × 1, a 1-D result of k values is one row
/// of k columns (`single`: k rows of one column, a channel's series), a
/// 2-D result is rows × cols. Anything else is a ResultMismatchError.
pub fn result_matrix<'py>(result: &Bound<'py, PyAny>, index: u64, single: bool) -> PyResult<(Bound<'py, PyUntypedArray>, Dtype, usize, usize)> {
    let py = result.py();
    let array = contiguous(result)?;
    let Some(dtype) = dtype_of(&array) else {
        let name = array.dtype().str()?.to_string();
        return Err(error_with_status(
            py,
            -18,
            &format!("the result of batch {index} has dtype {name}; results written to disk must be one of int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64 (use cast_dtype); nothing was written"),
        ));
    };
    let shape = array.shape().to_vec();
    let (rows, cols) = match shape.as_slice() {
        [] => (1, 1),
        [k] if single => (*k, 1),
        [k] => (1, *k),
        [r, c] => (*r, *c),
        _ => {
            return Err(error_with_status(
                py,
                -18,
                &format!("the result of batch {index} has shape {shape:?}; a result must be a scalar, a 1-D or a 2-D array; nothing was written"),
            ))
        }
    };
    Ok((array, dtype, rows, cols))
}

/// A function's result as a library result block (a copy; see `result_matrix`).
pub fn to_result_block(result: &Bound<'_, PyAny>, index: u64, single: bool) -> PyResult<ResultBlock> {
    let py = result.py();
    let (array, dtype, rows, cols) = result_matrix(result, index, single)?;
    with_bytes(&array, dtype, |bytes| ResultBlock::from_bytes(dtype, rows, cols, Layout::SampleMajor, bytes))?.map_err(|e| crate::errors::to_py(py, &e))
}

/// `array` converted to `to` as the library casts results: integers wrap,
/// floats truncate toward zero and saturate, NaN becomes 0. Arrays of
/// other dtypes are converted by numpy's `astype`.
pub fn cast<'py>(array: &Bound<'py, PyAny>, to: Dtype) -> PyResult<Bound<'py, PyAny>> {
    let py = array.py();
    let array = contiguous(array)?;
    let Some(from) = dtype_of(&array) else {
        return array.call_method1("astype", (to.name(),));
    };
    let shape = array.shape().to_vec();
    with_element!(from, T => {
        let typed = array.cast::<PyArray<T, IxDyn>>()?;
        let ro = typed.try_readonly()?;
        let values = ro.as_slice().map_err(|e| invalid(py, format!("array: {e}")))?;
        let src: &[u8] = bytemuck::cast_slice(values);
        new_filled(py, to, &shape, move |dst| {
            cast_values(from, src, to, dst);
            Ok(())
        })
    })
}
