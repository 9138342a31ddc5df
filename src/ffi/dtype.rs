//! `nb_dtype`, `nb_data_order`, `nb_layout`, `nb_loader`: plain integers with
//! named constants, so a wrong value from C is a clear error, never undefined behaviour.

use std::ffi::c_char;

use crate::core::dtype::{DataOrder, Dtype, Layout};
use crate::core::io::Loader;
use crate::ffi::error::Fail;
use crate::ffi::status::*;
use crate::ffi::out_arg;

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

/// Order of values in a file (one of the `NB_DATA_ORDER_` constants).
pub type nb_data_order = i32;
/// Not given: take it from the sidecar YAML.
pub const NB_DATA_ORDER_UNSET: nb_data_order = 0;
/// Observation 0 of every channel, then observation 1, ... (alias "long").
pub const NB_DATA_ORDER_SAMPLES: nb_data_order = 1;
/// All of channel 0, then all of channel 1, ... (alias "wide").
pub const NB_DATA_ORDER_CHANNELS: nb_data_order = 2;

/// Memory layout of a block; both hold the same [observation, channel] matrix
/// (one of the `NB_LAYOUT_` constants).
pub type nb_layout = i32;
/// `data[row * n_channels + channel]`: C and numpy row-major. The default.
pub const NB_LAYOUT_SAMPLE_MAJOR: nb_layout = 0;
/// `data[channel * n_rows + row]`: MATLAB's and Julia's column-major rows × channels.
pub const NB_LAYOUT_CHANNEL_MAJOR: nb_layout = 1;

/// How the reader gets bytes from the file (one of the `NB_LOADER_` constants).
pub type nb_loader = i32;
/// Positioned reads (`pread`) into reused page-aligned buffers. The default.
pub const NB_LOADER_PREAD: nb_loader = 0;
/// Maps only the byte range each read needs and unmaps it right after. A file
/// truncated by another process during a read raises SIGBUS.
pub const NB_LOADER_MMAP: nb_loader = 1;

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
    dtype_from_c(v).map(Some).ok_or_else(|| Fail::Status(NB_STATUS_BAD_DTYPE, format!("{field} = {v} is not an nb_dtype: expected NB_DTYPE_INT8 (1) .. NB_DTYPE_FLOAT64 (10)")))
}

pub(crate) fn optional_order(v: nb_data_order, field: &str) -> Result<Option<DataOrder>, Fail> {
    match v {
        NB_DATA_ORDER_UNSET => Ok(None),
        NB_DATA_ORDER_SAMPLES => Ok(Some(DataOrder::Samples)),
        NB_DATA_ORDER_CHANNELS => Ok(Some(DataOrder::Channels)),
        _ => Err(Fail::Status(NB_STATUS_BAD_DATA_ORDER, format!("{field} = {v} is not an nb_data_order: expected NB_DATA_ORDER_SAMPLES (1) or NB_DATA_ORDER_CHANNELS (2)"))),
    }
}

pub(crate) fn order_to_c(o: DataOrder) -> nb_data_order {
    match o {
        DataOrder::Samples => NB_DATA_ORDER_SAMPLES,
        DataOrder::Channels => NB_DATA_ORDER_CHANNELS,
    }
}

pub(crate) fn layout_from_c(v: nb_layout, field: &str) -> Result<Layout, Fail> {
    match v {
        NB_LAYOUT_SAMPLE_MAJOR => Ok(Layout::SampleMajor),
        NB_LAYOUT_CHANNEL_MAJOR => Ok(Layout::ChannelMajor),
        _ => Err(Fail::Invalid(format!("{field} = {v} is not an nb_layout: expected NB_LAYOUT_SAMPLE_MAJOR (0) or NB_LAYOUT_CHANNEL_MAJOR (1)"))),
    }
}

pub(crate) fn layout_to_c(l: Layout) -> nb_layout {
    match l {
        Layout::SampleMajor => NB_LAYOUT_SAMPLE_MAJOR,
        Layout::ChannelMajor => NB_LAYOUT_CHANNEL_MAJOR,
    }
}

pub(crate) fn loader_from_c(v: nb_loader, field: &str) -> Result<Loader, Fail> {
    match v {
        NB_LOADER_PREAD => Ok(Loader::Pread),
        NB_LOADER_MMAP => Ok(Loader::Mmap),
        _ => Err(Fail::Invalid(format!("{field} = {v} is not an nb_loader: expected NB_LOADER_PREAD (0) or NB_LOADER_MMAP (1)"))),
    }
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

/// Parses a data order name: "samples" (alias "long") or "channels" (alias "wide").
///
/// @param[in] name NUL-terminated name.
/// @param[out] out_order `NB_DATA_ORDER_SAMPLES` or `NB_DATA_ORDER_CHANNELS`,
///             written on success only.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_DATA_ORDER` (message quotes the name),
///         `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_data_order_from_name(name: *const c_char, out_order: *mut nb_data_order) -> nb_status {
    ffi_status!({
        let out = out_arg(out_order, "out_order")?;
        let name = unsafe { crate::ffi::cstr_arg(name, "name")? };
        let o = DataOrder::parse(&name.to_string_lossy())?;
        out.write(order_to_c(o));
        Ok(NB_STATUS_OK)
    })
}

