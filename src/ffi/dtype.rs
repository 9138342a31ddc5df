//! `nb_dtype`: element types, their names, and the cast every binding uses.
//! Enum-like C types are plain integers with named constants, so a wrong
//! value from C is a clear error, never undefined behaviour.

use std::ffi::{c_char, c_void};

use crate::ffi::error::Fail;
use crate::ffi::status::*;
use crate::ffi::{out_arg, slice_arg, slice_mut_arg};
use neurobatch_core::dtype::Dtype;
use neurobatch_core::result::cast_bytes;

/// Element type of a recording or result (one of the `NB_DTYPE_` constants).
pub type nb_dtype = i32;
/// Not given: take it from the sidecar YAML (in `nb_open_options`) or keep the input's (casts).
pub const NB_DTYPE_UNSET: nb_dtype = 0;
pub const NB_DTYPE_INT8: nb_dtype = 1;
pub const NB_DTYPE_UINT8: nb_dtype = 2;
pub const NB_DTYPE_INT16: nb_dtype = 3;
pub const NB_DTYPE_UINT16: nb_dtype = 4;
pub const NB_DTYPE_INT32: nb_dtype = 5;
pub const NB_DTYPE_UINT32: nb_dtype = 6;
pub const NB_DTYPE_INT64: nb_dtype = 7;
pub const NB_DTYPE_UINT64: nb_dtype = 8;
pub const NB_DTYPE_FLOAT32: nb_dtype = 9;
pub const NB_DTYPE_FLOAT64: nb_dtype = 10;

const DTYPES: [(nb_dtype, Dtype); 10] = [
    (NB_DTYPE_INT8, Dtype::I8),
    (NB_DTYPE_UINT8, Dtype::U8),
    (NB_DTYPE_INT16, Dtype::I16),
    (NB_DTYPE_UINT16, Dtype::U16),
    (NB_DTYPE_INT32, Dtype::I32),
    (NB_DTYPE_UINT32, Dtype::U32),
    (NB_DTYPE_INT64, Dtype::I64),
    (NB_DTYPE_UINT64, Dtype::U64),
    (NB_DTYPE_FLOAT32, Dtype::F32),
    (NB_DTYPE_FLOAT64, Dtype::F64),
];

pub(crate) fn dtype_from_c(v: nb_dtype) -> Option<Dtype> {
    DTYPES.iter().find(|(c, _)| *c == v).map(|(_, d)| *d)
}

pub(crate) fn dtype_to_c(d: Dtype) -> nb_dtype {
    DTYPES.iter().find(|(_, x)| *x == d).map(|(c, _)| *c).expect("every dtype has a constant")
}

/// `NB_DTYPE_UNSET` gives `None`; any other unknown value is an error.
pub(crate) fn optional_dtype(v: nb_dtype, field: &str) -> Result<Option<Dtype>, Fail> {
    if v == NB_DTYPE_UNSET {
        return Ok(None);
    }
    dtype_from_c(v)
        .map(Some)
        .ok_or_else(|| Fail::Status(NB_STATUS_BAD_DTYPE, format!("{field} = {v} is not an nb_dtype: expected NB_DTYPE_INT8 (1) .. NB_DTYPE_FLOAT64 (10)")))
}

/// Parses a numpy dtype name ("int16", "float32", ...).
///
/// @param[in] name NUL-terminated name; exactly one of int8, uint8, int16,
///            uint16, int32, uint32, int64, uint64, float32, float64.
/// @param[out] out_dtype the matching `NB_DTYPE_` value, written on success only.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_DTYPE` (message quotes the name),
///         `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_dtype_from_name(name: *const c_char, out_dtype: *mut nb_dtype) -> nb_status {
    ffi_status!({
        let out = out_arg(out_dtype, "out_dtype")?;
        let name = unsafe { crate::ffi::cstr_arg(name, "name")? };
        let d = Dtype::parse(&name.to_string_lossy())?;
        out.write(dtype_to_c(d));
        Ok(NB_STATUS_OK)
    })
}

/// The numpy name of a dtype ("int16", ...).
///
/// @param[in] dtype an `NB_DTYPE_` value.
/// @return a static NUL-terminated name; "unknown" for any other value. Never NULL.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn nb_dtype_name(dtype: nb_dtype) -> *const c_char {
    ffi_boundary!(c"unknown".as_ptr(), {
        let name: &'static std::ffi::CStr = match dtype_from_c(dtype) {
            Some(Dtype::I8) => c"int8",
            Some(Dtype::U8) => c"uint8",
            Some(Dtype::I16) => c"int16",
            Some(Dtype::U16) => c"uint16",
            Some(Dtype::I32) => c"int32",
            Some(Dtype::U32) => c"uint32",
            Some(Dtype::I64) => c"int64",
            Some(Dtype::U64) => c"uint64",
            Some(Dtype::F32) => c"float32",
            Some(Dtype::F64) => c"float64",
            None => c"unknown",
        };
        name.as_ptr()
    })
}

/// Bytes per element of a dtype.
///
/// @param[in] dtype an `NB_DTYPE_` value.
/// @return 1, 2, 4 or 8; 0 for `NB_DTYPE_UNSET` or any unknown value.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn nb_dtype_size(dtype: nb_dtype) -> usize {
    ffi_boundary!(0, { dtype_from_c(dtype).map_or(0, Dtype::itemsize) })
}

/// A dtype that must be given: `NB_DTYPE_UNSET` is an error too.
pub(crate) fn required_dtype(v: nb_dtype, field: &str) -> Result<Dtype, Fail> {
    optional_dtype(v, field)?
        .ok_or_else(|| Fail::Status(NB_STATUS_BAD_DTYPE, format!("{field} is NB_DTYPE_UNSET (0); expected a dtype such as NB_DTYPE_INT16 or NB_DTYPE_FLOAT32")))
}

/// Converts `n_values` values of `from` at `src` to `to` at `dst`, exactly as
/// `cast_dtype` does in apply: integers wrap to the target width, floats
/// truncate toward zero (saturating at the target's limits; NaN becomes 0).
/// Bindings use it so casts give the same values in every language.
///
/// @param[in] src `n_values` values of `from`; any alignment.
/// @param[out] dst room for `n_values` values of `to`; any alignment; must not
///             overlap `src`. Written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_BAD_DTYPE`; `NB_STATUS_INVALID_ARGUMENT`
///         (too many values); `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_IO` when
///         `src` or `dst` is not aligned to its dtype and the memory for an
///         aligned copy is not available.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_dtype_cast(from: nb_dtype, src: *const c_void, to: nb_dtype, dst: *mut c_void, n_values: usize) -> nb_status {
    ffi_status!({
        let (f, t) = (required_dtype(from, "from")?, required_dtype(to, "to")?);
        let bytes = |d: Dtype| n_values.checked_mul(d.itemsize()).ok_or_else(|| Fail::Invalid(format!("{n_values} values are too many")));
        let input = unsafe { slice_arg(src.cast::<u8>(), bytes(f)?, "src")? };
        let output = unsafe { slice_mut_arg(dst.cast::<u8>(), bytes(t)?, "dst")? };
        cast_bytes(f, input, t, output)?;
        Ok(NB_STATUS_OK)
    })
}
