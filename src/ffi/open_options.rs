//! `nb_open_options`: how to open a recording.

use crate::ffi::data_order::*;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::loader::*;
use crate::ffi::status::*;
use crate::ffi::versioned::{self, Versioned};
use neurobatch_core::formats::StreamSel;
use neurobatch_core::reader::OpenOptions;

/// Current version of `nb_open_options`; pass it to `nb_open_options_init`.
/// Version 2 added `sampling_rate`, `stream_index`, `stream_name` and
/// `follow`; structs of version 1 are still accepted.
pub const NB_OPEN_OPTIONS_VERSION: u32 = 2;

/// How to open a recording. Fill with `nb_open_options_init`, then set fields.
/// Fields left unset are read from the recording's metadata: a SpikeGLX
/// `.meta` beside a `.bin`, an Open Ephys `structure.oebin` (opened itself,
/// or found above a `continuous.dat`), or else the sidecar YAML beside the
/// file. Fields set here win.
///
/// Fields are only ever appended, with `NB_OPEN_OPTIONS_VERSION` bumped.
#[repr(C)]
pub struct nb_open_options {
    /// Set by `nb_open_options_init`; do not change.
    pub version: u32,
    /// `NB_DTYPE_UNSET` (default): from the sidecar.
    pub dtype: nb_dtype,
    /// 0 (default): from the sidecar.
    pub n_channels: usize,
    /// `NB_DATA_ORDER_UNSET` (default): from the sidecar.
    pub data_order: nb_data_order,
    /// `NB_LOADER_PREAD` (default) or `NB_LOADER_MMAP`.
    pub loader: nb_loader,
    /// Version 2. Samples per second; 0 (default): from the metadata
    /// (SpikeGLX `imSampRate`/`niSampRate`, Open Ephys `sample_rate`, the
    /// sidecar's `sampling_rate`), else unknown.
    pub sampling_rate: f64,
    /// Version 2. Open Ephys: the continuous stream to open, by 0-based index
    /// in `structure.oebin`; -1 (default): by `stream_name`, else the stream
    /// whose `continuous.dat` was opened, else the first.
    pub stream_index: i64,
    /// Version 2. Open Ephys: the stream to open by name (its `stream_name`
    /// or `folder_name`); NULL (default): see `stream_index`. Borrowed for
    /// the call.
    pub stream_name: *const std::ffi::c_char,
    /// Version 2. The recording is still being written (samples order
    /// only): a partial trailing observation is not an error (the reader
    /// holds the complete ones), `nb_reader_refresh` picks up growth, and
    /// cursors with `nb_batch_options.follow` wait for it. Default false.
    pub follow: bool,
}

impl Versioned for nb_open_options {
    const NAME: &'static str = "nb_open_options";
    const CURRENT: u32 = NB_OPEN_OPTIONS_VERSION;
    fn size(version: u32) -> usize {
        match version {
            1 => std::mem::offset_of!(nb_open_options, sampling_rate),
            _ => std::mem::size_of::<nb_open_options>(),
        }
    }
    fn defaults(version: u32) -> Self {
        nb_open_options {
            version,
            dtype: NB_DTYPE_UNSET,
            n_channels: 0,
            data_order: NB_DATA_ORDER_UNSET,
            loader: NB_LOADER_PREAD,
            sampling_rate: 0.0,
            stream_index: -1,
            stream_name: std::ptr::null(),
            follow: false,
        }
    }
}

/// Fills `opts` with defaults: everything from the sidecar, pread loader.
///
/// @param[out] opts the struct to fill: exactly the bytes of `version`'s
///             layout are written (an older program's shorter struct is safe).
/// @param[in] version `NB_OPEN_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_open_options_init(opts: *mut nb_open_options, version: u32) -> nb_status {
    ffi_status!({ unsafe { versioned::init(opts, version) } })
}

/// `opts` may be NULL (all from the sidecar).
pub(crate) unsafe fn open_options_from_c(opts: *const nb_open_options) -> Result<OpenOptions, Fail> {
    let Some(o) = (unsafe { versioned::read(opts)? }) else {
        return Ok(OpenOptions::default());
    };
    let stream = if !o.stream_name.is_null() {
        Some(StreamSel::Name(unsafe { crate::ffi::cstr_arg(o.stream_name, "nb_open_options.stream_name")? }.to_string_lossy().into_owned()))
    } else {
        match o.stream_index {
            -1 => None,
            i if i >= 0 => Some(StreamSel::Index(i as usize)),
            i => return Err(Fail::Invalid(format!("nb_open_options.stream_index = {i}: expected -1 (not set) or a 0-based stream index"))),
        }
    };
    Ok(OpenOptions {
        dtype: optional_dtype(o.dtype, "nb_open_options.dtype")?,
        n_channels: (o.n_channels != 0).then_some(o.n_channels),
        data_order: optional_order(o.data_order, "nb_open_options.data_order")?,
        loader: loader_from_c(o.loader, "nb_open_options.loader")?,
        sampling_rate: (o.sampling_rate != 0.0).then_some(o.sampling_rate),
        stream,
        follow: o.follow,
    })
}
