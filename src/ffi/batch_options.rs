//! `nb_batch_options`: how to walk a recording in batches.

use crate::ffi::error::Fail;
use crate::ffi::layout::*;
use crate::ffi::slice_arg;
use crate::ffi::status::*;
use crate::ffi::versioned::{self, Versioned};
use neurobatch_core::dtype::Edge;
use neurobatch_core::plan::{BatchOptions, Traversal, DEFAULT_MAX_MEMORY};
use neurobatch_core::select::ChannelSel;

/// Current version of `nb_batch_options`; pass it to `nb_batch_options_init`.
/// Version 2 added `edge`, version 3 `microvolts`, `follow` and
/// `follow_idle_timeout_ms`, version 4 `read_ahead`; structs of older
/// versions are still accepted.
pub const NB_BATCH_OPTIONS_VERSION: u32 = 4;

/// Whether the next batch is read while the current one is used (one of
/// the `NB_READ_AHEAD_` constants).
pub type nb_read_ahead = i32;
/// On for `nb_reader_apply` and pipelines, off for cursors. The default.
pub const NB_READ_AHEAD_AUTO: nb_read_ahead = 0;
/// A thread reads batch k+1 into a second batch buffer while batch k is
/// used, so reading overlaps with the work: up to twice the batch memory.
pub const NB_READ_AHEAD_ON: nb_read_ahead = 1;
/// One batch buffer; each batch is read when it is asked for. Batches of
/// 16 MiB or more are still announced to the operating system one ahead
/// (Linux `posix_fadvise(WILLNEED)`, macOS `F_RDADVISE`), so it reads the
/// next into its page cache meanwhile: no memory of the process's own.
/// Not announced, on Linux: batches of every channel of a samples-order
/// file, in file order and sample-major, which are read past the page
/// cache (`O_DIRECT`) when they are not in it.
pub const NB_READ_AHEAD_OFF: nb_read_ahead = 2;

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
    /// see `nb_max_memory_parse` for strings.
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
    /// Version 4. `NB_READ_AHEAD_AUTO` (default: on for applies, off for
    /// cursors), `NB_READ_AHEAD_ON` or `NB_READ_AHEAD_OFF`: whether the next
    /// batch is read on a thread of its own while the current one is used
    /// (a second batch buffer, so up to twice the batch memory; a memory-tight
    /// caller turns it off). Batches and outputs are the same either way.
    /// Following cursors never read ahead.
    pub read_ahead: nb_read_ahead,
}

impl Versioned for nb_batch_options {
    const NAME: &'static str = "nb_batch_options";
    const CURRENT: u32 = NB_BATCH_OPTIONS_VERSION;
    fn size(version: u32) -> usize {
        match version {
            1 => std::mem::offset_of!(nb_batch_options, edge),
            2 => std::mem::offset_of!(nb_batch_options, microvolts),
            3 => std::mem::offset_of!(nb_batch_options, read_ahead),
            _ => std::mem::size_of::<nb_batch_options>(),
        }
    }
    fn defaults(version: u32) -> Self {
        nb_batch_options {
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
            read_ahead: NB_READ_AHEAD_AUTO,
        }
    }
}

/// Fills `opts` with defaults: max_memory 1 GiB, the whole time range, all
/// channels, no buffer, multi-channel traversal, force_complete_channel_batch
/// true, sample-major layout.
///
/// @param[out] opts the struct to fill: exactly the bytes of `version`'s
///             layout are written (an older program's shorter struct is safe).
/// @param[in] version `NB_BATCH_OPTIONS_VERSION` of the header you compiled with.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_VERSION`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_batch_options_init(opts: *mut nb_batch_options, version: u32) -> nb_status {
    ffi_status!({ unsafe { versioned::init(opts, version) } })
}

/// `opts` may be NULL (the defaults of `nb_batch_options_init`).
pub(crate) unsafe fn batch_options_from_c(opts: *const nb_batch_options) -> Result<BatchOptions, Fail> {
    let Some(o) = (unsafe { versioned::read(opts)? }) else {
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
        t => {
            return Err(Fail::Invalid(format!(
                "nb_batch_options.traversal = {t} is not an nb_traversal: expected NB_TRAVERSAL_MULTI_CHANNEL (0) or NB_TRAVERSAL_SINGLE_CHANNEL (1)"
            )))
        }
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
            e => {
                return Err(Fail::Invalid(format!(
                    "nb_batch_options.edge = {e} is not an nb_edge: expected NB_EDGE_ZEROS (0), NB_EDGE_REFLECT (1) or NB_EDGE_REPLICATE (2)"
                )))
            }
        },
        microvolts: o.microvolts,
        follow: o.follow,
        follow_idle: (o.follow_idle_timeout_ms > 0).then(|| std::time::Duration::from_millis(o.follow_idle_timeout_ms as u64)),
        read_ahead: match o.read_ahead {
            NB_READ_AHEAD_AUTO => None,
            NB_READ_AHEAD_ON => Some(true),
            NB_READ_AHEAD_OFF => Some(false),
            v => {
                return Err(Fail::Invalid(format!(
                    "nb_batch_options.read_ahead = {v} is not an nb_read_ahead: expected NB_READ_AHEAD_AUTO (0), NB_READ_AHEAD_ON (1) or NB_READ_AHEAD_OFF (2)"
                )))
            }
        },
    })
}
