//! `nb_open_options` and `nb_batch_options`: versioned, transparent option
//! structs filled by their `_init` function (libgit2's pattern).

use crate::core::dtype::Edge;
use crate::core::formats::StreamSel;
use crate::core::plan::{BatchOptions, Traversal, DEFAULT_MAX_MEMORY};
use crate::core::reader::OpenOptions;
use crate::core::select::ChannelSel;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::slice_arg;
use crate::ffi::status::*;

/// Current version of `nb_open_options`; pass it to `nb_open_options_init`.
/// Version 2 added `sampling_rate`, `stream_index`, `stream_name` and
/// `follow`; structs of version 1 are still accepted.
pub const NB_OPEN_OPTIONS_VERSION: u32 = 2;
/// Current version of `nb_batch_options`; pass it to `nb_batch_options_init`.
/// Version 2 added `edge`, version 3 `microvolts`, `follow` and
/// `follow_idle_timeout_ms`; structs of older versions are still accepted.
pub const NB_BATCH_OPTIONS_VERSION: u32 = 3;

/// What buffer rows beyond the recording's edges hold (one of the
/// `NB_EDGE_` constants).
pub type nb_edge = i32;
/// Zeros, as YASS. The default.
pub const NB_EDGE_ZEROS: nb_edge = 0;
/// The recording mirrored at its edge without repeating the edge sample
/// (numpy's `reflect`: observation -k is observation k).
pub const NB_EDGE_REFLECT: nb_edge = 1;
/// The edge sample repeated (what Kilosort does; numpy's `edge`).
pub const NB_EDGE_REPLICATE: nb_edge = 2;
/// `to_time` value meaning "up to the last observation" (the default).
pub const NB_TO_END: u64 = u64::MAX;

/// Which traversal a cursor walks (one of the `NB_TRAVERSAL_` constants).
pub type nb_traversal = i32;
/// Each batch: a time window of every selected channel (YASS `multi_channel`).
pub const NB_TRAVERSAL_MULTI_CHANNEL: nb_traversal = 0;
/// Each batch: one selected channel (YASS `single_channel`).
pub const NB_TRAVERSAL_SINGLE_CHANNEL: nb_traversal = 1;

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

/// How to walk a recording in batches. Fill with `nb_batch_options_init`,
/// then set fields.
///
/// Batches hold `floor(max_memory / (n_selected × itemsize))` observations
/// (multi-channel), exactly as YASS plans them. The buffer rows are not
/// counted in `max_memory` (as in YASS), so a block takes up to
/// `(rows + 2·buffer_size) × n_selected × itemsize` bytes.
///
/// Fields are only ever appended, with `NB_BATCH_OPTIONS_VERSION` bumped.
#[repr(C)]
pub struct nb_batch_options {
    /// Set by `nb_batch_options_init`; do not change.
    pub version: u32,
    /// Bytes per batch, buffer not counted. Default 1073741824 (YASS "1GB");
    /// see `nb_parse_max_memory` for strings.
    pub max_memory: u64,
    /// First observation. Default 0.
    pub from_time: u64,
    /// One past the last observation. Default `NB_TO_END` (n_observations).
    pub to_time: u64,
    /// 0-based channel indices, in the order wanted (repeats allowed). NULL
    /// (default): all channels. Borrowed for the duration of the call that
    /// takes these options only.
    pub channels: *const usize,
    /// Entries in `channels`; must be > 0 when `channels` is not NULL.
    pub n_channels: usize,
    /// Extra observations before and after every batch, zero beyond the
    /// recording's edges. Default 0.
    pub buffer_size: u64,
    /// `NB_TRAVERSAL_MULTI_CHANNEL` (default) or `NB_TRAVERSAL_SINGLE_CHANNEL`.
    pub traversal: nb_traversal,
    /// Single-channel traversal only. true (default): one batch per channel
    /// holding its whole range (an error if that exceeds max_memory); false:
    /// batches of `floor(max_memory / itemsize)` observations, channel after channel.
    pub force_complete_channel_batch: bool,
    /// Memory layout of batch blocks: `NB_LAYOUT_SAMPLE_MAJOR` (default) or
    /// `NB_LAYOUT_CHANNEL_MAJOR`.
    pub layout: nb_layout,
    /// Version 2. What the buffer rows beyond the recording's first and last
    /// observation hold: `NB_EDGE_ZEROS` (default), `NB_EDGE_REFLECT` or
    /// `NB_EDGE_REPLICATE`. Rows inside the recording are always its data.
    pub edge: nb_edge,
    /// Version 3. true: blocks are delivered as float32 microvolts (each
    /// value × its channel's scale, see `nb_reader_scales_uv`, computed in
    /// double precision and rounded once); `nb_cursor_new` fails with
    /// `NB_STATUS_NO_METADATA` for recordings without scales. max_memory
    /// still bounds the raw block; the float32 copy is extra (2× an int16
    /// block). false (default): raw values in the file's dtype.
    pub microvolts: bool,
    /// Version 3. Follow a recording that is still being written (a reader
    /// opened with `nb_open_options.follow`; multi-channel; `to_time`
    /// `NB_TO_END`): `nb_cursor_next` returns `NB_STATUS_NOT_YET` while the
    /// next complete batch (its trailing buffer included) is not on disk, never
    /// a short batch; once the recording ended (`nb_reader_end_follow`, or
    /// no growth for `follow_idle_timeout_ms`) the last, partial batch comes,
    /// then `NB_STATUS_DONE`. The batches and their bytes are those of the
    /// same traversal of the finished file. `nb_reader_apply` waits for each
    /// batch (serial only). Default false.
    pub follow: bool,
    /// Version 3. While following: the recording has ended when it has not
    /// grown for this many milliseconds. 0 (default): only
    /// `nb_reader_end_follow` ends it.
    pub follow_idle_timeout_ms: u32,
}

pub(crate) fn check_version(got: u32, current: u32, name: &str) -> Result<(), Fail> {
    if got == 0 || got > current {
        return Err(Fail::Status(NB_STATUS_BAD_VERSION, format!("{name} version {got} is not supported: this library knows versions 1..={current}")));
    }
    Ok(())
}

/// Fills `opts` with defaults: everything from the sidecar, pread loader.
///
/// @param[out] opts the struct to fill.
/// @param[in] version `NB_OPEN_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_open_options_init(opts: *mut nb_open_options, version: u32) -> nb_status {
    ffi_status!({
        let out = crate::ffi::out_arg(opts, "opts")?;
        check_version(version, NB_OPEN_OPTIONS_VERSION, "nb_open_options")?;
        out.write(nb_open_options {
            version,
            dtype: NB_DTYPE_UNSET,
            n_channels: 0,
            data_order: NB_DATA_ORDER_UNSET,
            loader: NB_LOADER_PREAD,
            sampling_rate: 0.0,
            stream_index: -1,
            stream_name: std::ptr::null(),
            follow: false,
        });
        Ok(NB_STATUS_OK)
    })
}

/// Fills `opts` with defaults: max_memory 1 GiB, the whole time range, all
/// channels, no buffer, multi-channel traversal, force_complete_channel_batch
/// true, sample-major layout.
///
/// @param[out] opts the struct to fill.
/// @param[in] version `NB_BATCH_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_batch_options_init(opts: *mut nb_batch_options, version: u32) -> nb_status {
    ffi_status!({
        let out = crate::ffi::out_arg(opts, "opts")?;
        check_version(version, NB_BATCH_OPTIONS_VERSION, "nb_batch_options")?;
        out.write(nb_batch_options {
            version,
            max_memory: DEFAULT_MAX_MEMORY,
            from_time: 0,
            to_time: NB_TO_END,
            channels: std::ptr::null(),
            n_channels: 0,
            buffer_size: 0,
            traversal: NB_TRAVERSAL_MULTI_CHANNEL,
            force_complete_channel_batch: true,
            layout: NB_LAYOUT_SAMPLE_MAJOR,
            edge: NB_EDGE_ZEROS,
            microvolts: false,
            follow: false,
            follow_idle_timeout_ms: 0,
        });
        Ok(NB_STATUS_OK)
    })
}

/// `opts` may be NULL (all from the sidecar).
pub(crate) unsafe fn open_options_from_c(opts: *const nb_open_options) -> Result<OpenOptions, Fail> {
    let size = |v: u32| if v == 1 { std::mem::offset_of!(nb_open_options, sampling_rate) } else { std::mem::size_of::<nb_open_options>() };
    let Some(o) = (unsafe { read_versioned(opts, NB_OPEN_OPTIONS_VERSION, "nb_open_options", size, nb_open_options_init)? }) else {
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

/// Copies an options struct that a caller compiled against an older header
/// may have passed shorter: `size(version)` bytes of it over the defaults
/// that `init` writes. The struct's first field is its `u32` version.
///
/// SAFETY: `p` is NULL or points to a `T` of at least `size(its version)` bytes.
pub(crate) unsafe fn read_versioned<T>(
    p: *const T,
    current: u32,
    name: &str,
    size: fn(u32) -> usize,
    init: unsafe extern "C" fn(*mut T, u32) -> nb_status,
) -> Result<Option<T>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    let version = unsafe { p.cast::<u32>().read_unaligned() };
    check_version(version, current, name)?;
    let mut full = std::mem::MaybeUninit::<T>::uninit();
    if unsafe { init(full.as_mut_ptr(), current) } != NB_STATUS_OK {
        return Err(Fail::Invalid(format!("{name}: initialising the defaults failed")));
    }
    let n = size(version).min(std::mem::size_of::<T>());
    // SAFETY: both are valid for `n` bytes; every field is plain data.
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), full.as_mut_ptr().cast::<u8>(), n) };
    Ok(Some(unsafe { full.assume_init() }))
}

/// `opts` may be NULL (the defaults of `nb_batch_options_init`).
pub(crate) unsafe fn batch_options_from_c(opts: *const nb_batch_options) -> Result<BatchOptions, Fail> {
    let size = |v: u32| match v {
        1 => std::mem::offset_of!(nb_batch_options, edge),
        2 => std::mem::offset_of!(nb_batch_options, microvolts),
        _ => std::mem::size_of::<nb_batch_options>(),
    };
    let Some(o) = (unsafe { read_versioned(opts, NB_BATCH_OPTIONS_VERSION, "nb_batch_options", size, nb_batch_options_init)? }) else {
        return Ok(BatchOptions::default());
    };
    let channels = if o.channels.is_null() {
        if o.n_channels != 0 {
            return Err(Fail::Null("nb_batch_options.channels (n_channels > 0)"));
        }
        ChannelSel::All
    } else {
        ChannelSel::List(unsafe { slice_arg(o.channels, o.n_channels, "nb_batch_options.channels")? }.to_vec())
    };
    let traversal = match o.traversal {
        NB_TRAVERSAL_MULTI_CHANNEL => Traversal::MultiChannel,
        NB_TRAVERSAL_SINGLE_CHANNEL => Traversal::SingleChannel { force_complete: o.force_complete_channel_batch },
        t => return Err(Fail::Invalid(format!("nb_batch_options.traversal = {t} is not an nb_traversal: expected NB_TRAVERSAL_MULTI_CHANNEL (0) or NB_TRAVERSAL_SINGLE_CHANNEL (1)"))),
    };
    Ok(BatchOptions {
        max_memory: o.max_memory,
        from: Some(o.from_time),
        to: (o.to_time != NB_TO_END).then_some(o.to_time),
        channels,
        buffer: o.buffer_size,
        traversal,
        layout: layout_from_c(o.layout, "nb_batch_options.layout")?,
        edge: match o.edge {
            NB_EDGE_ZEROS => Edge::Zeros,
            NB_EDGE_REFLECT => Edge::Reflect,
            NB_EDGE_REPLICATE => Edge::Replicate,
            e => return Err(Fail::Invalid(format!("nb_batch_options.edge = {e} is not an nb_edge: expected NB_EDGE_ZEROS (0), NB_EDGE_REFLECT (1) or NB_EDGE_REPLICATE (2)"))),
        },
        microvolts: o.microvolts,
        follow: o.follow,
        follow_idle: (o.follow_idle_timeout_ms > 0).then(|| std::time::Duration::from_millis(o.follow_idle_timeout_ms as u64)),
    })
}
