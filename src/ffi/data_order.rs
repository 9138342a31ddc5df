//! `nb_data_order`: the order of values in a file.

use std::ffi::c_char;

use crate::ffi::error::Fail;
use crate::ffi::out_arg;
use crate::ffi::status::*;
use neurobatch_core::dtype::DataOrder;

/// Order of values in a file (one of the `NB_DATA_ORDER_` constants).
pub type nb_data_order = i32;

/// Not given: take it from the sidecar YAML.
pub const NB_DATA_ORDER_UNSET: nb_data_order = 0;

/// Observation 0 of every channel, then observation 1, ... (alias "long").
pub const NB_DATA_ORDER_SAMPLES: nb_data_order = 1;

/// All of channel 0, then all of channel 1, ... (alias "wide").
pub const NB_DATA_ORDER_CHANNELS: nb_data_order = 2;

pub(crate) fn optional_order(v: nb_data_order, field: &str) -> Result<Option<DataOrder>, Fail> {
    match v {
        NB_DATA_ORDER_UNSET => Ok(None),
        NB_DATA_ORDER_SAMPLES => Ok(Some(DataOrder::Samples)),
        NB_DATA_ORDER_CHANNELS => Ok(Some(DataOrder::Channels)),
        _ => Err(Fail::Status(
            NB_STATUS_BAD_DATA_ORDER,
            format!("{field} = {v} is not an nb_data_order: expected NB_DATA_ORDER_SAMPLES (1) or NB_DATA_ORDER_CHANNELS (2)"),
        )),
    }
}

pub(crate) fn order_to_c(o: DataOrder) -> nb_data_order {
    match o {
        DataOrder::Samples => NB_DATA_ORDER_SAMPLES,
        DataOrder::Channels => NB_DATA_ORDER_CHANNELS,
    }
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
