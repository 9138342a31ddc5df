//! `nb_reader`: an open recording.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::ffi::apply_options::{apply_options_from_c, nb_apply_options};
use crate::ffi::batch_options::{batch_options_from_c, nb_batch_options};
use crate::ffi::callbacks::{nb_apply_fn, progress_fn, report_cb_value, CCallbacks};
use crate::ffi::channel_kind::{kind_to_c, nb_channel_kind};
use crate::ffi::data_order::*;
use crate::ffi::dtype::*;
use crate::ffi::error::Fail;
use crate::ffi::handle::{borrow, free, give, handle_type};
use crate::ffi::layout::*;
use crate::ffi::open_options::{nb_open_options, open_options_from_c};
use crate::ffi::result_list::nb_result_list;
use crate::ffi::status::*;
use crate::ffi::{out_arg, path_arg, slice_arg};
use neurobatch_core::apply::apply;
use neurobatch_core::cursor::Batch;
use neurobatch_core::plan::Plan;
use neurobatch_core::reader::Reader;
use neurobatch_core::result::ResultBlock;
use neurobatch_core::select::ChannelSel;
use neurobatch_core::shard::Shard;

/// An open, read-only recording: a headerless binary array of
/// n_observations × n_channels values of one dtype, little-endian, in
/// "samples" or "channels" order.
///
/// Create with `nb_reader_open`, free with `nb_reader_free`. Cursors keep
/// the file open until they are freed too.
///
/// May be used from multiple threads simultaneously.
pub struct nb_reader {
    pub(crate) inner: Arc<Reader>,
    poisoned: AtomicBool,
}

handle_type!(nb_reader, 0x6e62726561646572);

const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<nb_reader>();
};

/// Opens a recording and validates its size.
///
/// Parameters not set in `opts` come from the sidecar YAML beside the file
/// (see `nb_sidecar_path`); values set in `opts` win. The file size must be a
/// multiple of n_channels × itemsize; an empty file is a valid recording
/// with 0 observations. The file is never written.
///
/// @param[in] path NUL-terminated path of the data file.
/// @param[in] opts options from `nb_open_options_init`, or NULL to take
///            everything from the sidecar.
/// @param[out] out_reader the new reader, written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_BAD_VERSION`;
///         `NB_STATUS_BAD_DTYPE` / `NB_STATUS_BAD_DATA_ORDER` (bad option
///         value or sidecar value); `NB_STATUS_BAD_CHANNEL` (n_channels so
///         large a row overflows); `NB_STATUS_SIDECAR_MISSING` (message names
///         the file looked for); `NB_STATUS_SIDECAR_INVALID` (malformed, not
///         UTF-8, over 64 KiB, n_channels 0, a key missing); `NB_STATUS_IO`;
///         `NB_STATUS_INVALID_ARGUMENT` (a directory, device or FIFO);
///         `NB_STATUS_BAD_FILE_SIZE` (message names the file size, dtype,
///         channel count and remainder).
///
/// **Ownership:** the caller owns `*out_reader` and frees it with `nb_reader_free`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_open(path: *const c_char, opts: *const nb_open_options, out_reader: *mut *mut nb_reader) -> nb_status {
    ffi_status!({
        let out = out_arg(out_reader, "out_reader")?;
        let path = unsafe { path_arg(path, "path")? };
        let opts = unsafe { open_options_from_c(opts)? };
        let reader = Reader::open(path, &opts)?;
        give(nb_reader { inner: Arc::new(reader), poisoned: AtomicBool::new(false) }, out);
        Ok(NB_STATUS_OK)
    })
}

/// Opens a session recorded in several files as one recording, the files
/// concatenated in time in the order given (what `cat a.bin b.bin` would
/// make, without copying). Each file is opened as by `nb_reader_open` (its
/// own sidecar or metadata, or `opts`) and all must agree on dtype, channel
/// count, data order, sampling rate and scales. Observations are numbered
/// across the files: batches may span a file boundary and `idx` is
/// absolute. `nb_open_options.follow` is refused for more than one file.
///
/// @param[in] paths `n_paths` NUL-terminated paths, in time order.
/// @param[in] n_paths at least 1.
/// @param[in] opts as for `nb_reader_open`, applied to every file; may be NULL.
/// @param[out] out_reader the new reader, written on success only.
/// @return the statuses of `nb_reader_open` (the message names the file);
///         `NB_STATUS_INVALID_ARGUMENT` when the files disagree (the message
///         names both files and the values) or `n_paths` is 0.
///
/// **Ownership:** the caller frees `*out_reader` with `nb_reader_free`.
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_open_files(
    paths: *const *const c_char,
    n_paths: usize,
    opts: *const nb_open_options,
    out_reader: *mut *mut nb_reader,
) -> nb_status {
    ffi_status!({
        let out = out_arg(out_reader, "out_reader")?;
        let list = unsafe { slice_arg(paths, n_paths, "paths")? };
        let paths = list.iter().map(|&p| unsafe { path_arg(p, "paths[k]") }.map(|p| p.to_path_buf())).collect::<Result<Vec<_>, _>>()?;
        let opts = unsafe { open_options_from_c(opts)? };
        let reader = Reader::open_session(&paths, &opts)?;
        give(nb_reader { inner: Arc::new(reader), poisoned: AtomicBool::new(false) }, out);
        Ok(NB_STATUS_OK)
    })
}

/// Frees a reader. The file is closed now, or when the last cursor created
/// from it is freed. NULL is a no-op; freeing twice is undefined behaviour.
///
/// **Ownership:** C code must consider `reader` unusable after this call.
/// **Thread safety:** no other thread may use `reader` during or after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_free(reader: *mut nb_reader) {
    ffi_boundary!((), { unsafe { free(reader) } })
}

fn getter<T: Copy>(reader: *const nb_reader, default: T, f: impl FnOnce(&Reader) -> T) -> T {
    ffi_boundary!(default, {
        match unsafe { borrow(reader, "reader") } {
            Ok(r) => f(&r.inner),
            Err(_) => default,
        }
    })
}

/// Number of observations (rows in [observation, channel] orientation).
/// Returns 0 for a NULL or poisoned reader.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_n_observations(reader: *const nb_reader) -> u64 {
    getter(reader, 0, Reader::n_observations)
}

/// Number of channels in the file. Returns 0 for a NULL or poisoned reader.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_n_channels(reader: *const nb_reader) -> usize {
    getter(reader, 0, Reader::n_channels)
}

/// The file's dtype (`NB_DTYPE_`). Returns `NB_DTYPE_UNSET` for a NULL or poisoned reader.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_dtype(reader: *const nb_reader) -> nb_dtype {
    getter(reader, NB_DTYPE_UNSET, |r| dtype_to_c(r.dtype()))
}

/// The file's data order (`NB_DATA_ORDER_`). Returns `NB_DATA_ORDER_UNSET`
/// for a NULL or poisoned reader.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_data_order(reader: *const nb_reader) -> nb_data_order {
    getter(reader, NB_DATA_ORDER_UNSET, |r| order_to_c(r.data_order()))
}

/// Reads observations `[from_time, to_time)` of the given channels into
/// `out`, in [observation, channel] orientation whatever the file order.
///
/// With `buffer_size` B > 0 the block also holds B observations before and
/// after the range, zero beyond the recording's edges, so it has
/// `(to_time - from_time + 2B)` rows; the range itself starts at row B.
///
/// @param[in] reader an open reader.
/// @param[in] from_time first observation; `0 <= from_time <= to_time`.
/// @param[in] to_time one past the last observation; `<= n_observations`.
/// @param[in] channels 0-based channel indices in the wanted order (repeats
///            allowed), or NULL for all channels.
/// @param[in] n_channels entries in `channels`; must be 0 when `channels` is
///            NULL and > 0 otherwise.
/// @param[in] buffer_size B, extra rows on each side.
/// @param[in] layout `NB_LAYOUT_SAMPLE_MAJOR` (`out[row * n_sel + j]`) or
///            `NB_LAYOUT_CHANNEL_MAJOR` (`out[j * n_rows + row]`).
/// @param[out] out destination of the file's dtype; written on success only
///             (on error its contents are unspecified). May be NULL when
///             `out_bytes` is 0.
/// @param[in] out_bytes size of `out` in bytes.
/// @param[out] out_needed bytes the block takes: `n_rows × n_sel × itemsize`.
///             Written on OK and on `NB_STATUS_BUFFER_TOO_SMALL`. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_BUFFER_TOO_SMALL` when `out_bytes` is
///         less than needed (call again with `*out_needed` bytes);
///         `NB_STATUS_BAD_RANGE`; `NB_STATUS_BAD_CHANNEL`;
///         `NB_STATUS_INVALID_ARGUMENT` (layout); `NB_STATUS_NULL_ARGUMENT`;
///         `NB_STATUS_IO`; `NB_STATUS_INPUT_CHANGED` (file truncated since
///         open); `NB_STATUS_BAD_HANDLE`; `NB_STATUS_POISONED`.
///
/// **Thread safety:** may be called from several threads at once on one reader.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn nb_reader_read(
    reader: *const nb_reader,
    from_time: u64,
    to_time: u64,
    channels: *const usize,
    n_channels: usize,
    buffer_size: u64,
    layout: nb_layout,
    out: *mut std::ffi::c_void,
    out_bytes: usize,
    out_needed: *mut usize,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let layout = layout_from_c(layout, "layout")?;
        let sel = match (channels.is_null(), n_channels) {
            (true, 0) => ChannelSel::All,
            (true, _) => return Err(Fail::Null("channels (n_channels > 0)")),
            (false, _) => ChannelSel::List(unsafe { slice_arg(channels, n_channels, "channels")? }.to_vec()),
        };
        let reader = &r.inner;
        let (from, to) = neurobatch_core::select::resolve_range(Some(from_time), Some(to_time), reader.n_observations())?;
        let n_sel = sel.resolve(reader.n_channels())?.len();
        let need = reader.block_bytes(Reader::block_rows(from, to, buffer_size)?, n_sel)?;
        if let Ok(o) = out_arg(out_needed, "out_needed") {
            o.write(need);
        }
        if out_bytes < need {
            return Err(Fail::Status(NB_STATUS_BUFFER_TOO_SMALL, format!("the block needs {need} bytes, out_bytes is {out_bytes}")));
        }
        let dst = unsafe { crate::ffi::slice_mut_arg(out.cast::<u8>(), need, "out")? };
        reader.read(from, to, &sel, buffer_size, layout, dst)?;
        Ok(NB_STATUS_OK)
    })
}

/// The recording's sampling rate.
///
/// @param[in] reader the recording.
/// @param[out] out_hz samples per second, written on success only.
/// @return `NB_STATUS_OK`; `NB_STATUS_NO_METADATA` when it is not known (a
///         plain file whose sidecar has no `sampling_rate` and no
///         `nb_open_options.sampling_rate` was given); `NB_STATUS_NULL_ARGUMENT`;
///         `NB_STATUS_BAD_HANDLE`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_sampling_rate(reader: *const nb_reader, out_hz: *mut f64) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let out = out_arg(out_hz, "out_hz")?;
        let rate = r.inner.metadata().sampling_rate.ok_or_else(|| {
            neurobatch_core::error::Error::NoMetadata(format!(
                "the sampling rate of {} is not known: give nb_open_options.sampling_rate, or add sampling_rate to its sidecar",
                neurobatch_core::error::show(r.inner.path())
            ))
        })?;
        out.write(rate);
        Ok(NB_STATUS_OK)
    })
}

/// Microvolts per count of every channel (value × scale = µV): for SpikeGLX
/// `Vmax / Imax / gain × 1e6` with the gain of the channel's probe type,
/// NI-DAQ or OneBox input (see docs/formats.md); for Open Ephys `bit_volts`
/// in µV (ADC and AUX channels: volts × 1e6). Digital words (SpikeGLX SY,
/// NI-DAQ XD, sync lines; `NB_CHANNEL_KIND_DIGITAL`) hold bits: their scale
/// is 1.
///
/// @param[in] reader the recording.
/// @param[out] out n_channels doubles, written on success only.
/// @param[in] n entries in `out`; must be at least `nb_reader_n_channels`.
/// @return `NB_STATUS_OK`; `NB_STATUS_NO_METADATA` when the scales are not
///         known (plain files; a SpikeGLX probe whose gain the metadata does
///         not give, the message naming the probe type and the key to add;
///         an Open Ephys stream with a channel in a unit that is not a
///         voltage; `nb_open_options.n_channels` given unlike the metadata);
///         `NB_STATUS_BUFFER_TOO_SMALL`; `NB_STATUS_NULL_ARGUMENT`;
///         `NB_STATUS_BAD_HANDLE`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_scales_uv(reader: *const nb_reader, out: *mut f64, n: usize) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let scales = r.inner.metadata().scales_uv(r.inner.path())?;
        if n < scales.len() {
            return Err(Fail::Status(NB_STATUS_BUFFER_TOO_SMALL, format!("out holds {n} values; the recording has {} channels", scales.len())));
        }
        let dst = unsafe { crate::ffi::slice_mut_arg(out, n, "out")? };
        dst[..scales.len()].copy_from_slice(scales);
        Ok(NB_STATUS_OK)
    })
}

/// What each channel holds (`NB_CHANNEL_KIND_`), from the recording's
/// SpikeGLX or Open Ephys metadata: lets a caller select e.g. the neural
/// channels (`NB_CHANNEL_KIND_NEURAL`, `_NEURAL_AP`, `_NEURAL_LF`) without
/// knowing the probe. `nb_channel_kind_name` names a kind.
///
/// @param[in] reader the recording.
/// @param[out] out n_channels kinds, written on success only.
/// @param[in] n entries in `out`; must be at least `nb_reader_n_channels`.
/// @return `NB_STATUS_OK`; `NB_STATUS_NO_METADATA` for plain files (and when
///         `nb_open_options.n_channels` was given unlike the metadata);
///         `NB_STATUS_BUFFER_TOO_SMALL`; `NB_STATUS_NULL_ARGUMENT`;
///         `NB_STATUS_BAD_HANDLE`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_channel_kinds(reader: *const nb_reader, out: *mut nb_channel_kind, n: usize) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let kinds = r.inner.metadata().kinds(r.inner.path())?;
        if n < kinds.len() {
            return Err(Fail::Status(NB_STATUS_BUFFER_TOO_SMALL, format!("out holds {n} values; the recording has {} channels", kinds.len())));
        }
        let dst = unsafe { crate::ffi::slice_mut_arg(out, n, "out")? };
        for (d, &k) in dst.iter_mut().zip(kinds) {
            *d = kind_to_c(k);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Where the recording's parameters came from: "raw" (sidecar or options),
/// "spikeglx" or "openephys". A static string; "" for NULL.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_format(reader: *const nb_reader) -> *const c_char {
    ffi_boundary!(c"".as_ptr(), {
        match unsafe { borrow(reader, "reader") } {
            Ok(r) => match r.inner.metadata().format {
                neurobatch_core::formats::Format::Raw => c"raw".as_ptr(),
                neurobatch_core::formats::Format::SpikeGlx => c"spikeglx".as_ptr(),
                neurobatch_core::formats::Format::OpenEphys => c"openephys".as_ptr(),
            },
            Err(_) => c"".as_ptr(),
        }
    })
}

/// Copies the path of the data file read (for Open Ephys, the stream's
/// `continuous.dat`), with the snprintf contract.
///
/// @param[out] buf destination, may be NULL when `len` is 0.
/// @param[in] len size of `buf`.
/// @return the path's length in bytes without the NUL (copy truncated when
///         `>= len`); 0 for NULL.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_data_path(reader: *const nb_reader, buf: *mut c_char, len: usize) -> usize {
    ffi_boundary!(0, {
        match unsafe { borrow(reader, "reader") } {
            Ok(r) => unsafe { crate::ffi::copy_out_str(&neurobatch_core::platform::path_bytes(r.inner.path()), buf, len) },
            Err(_) => 0,
        }
    })
}

/// Re-reads the length of a recording opened with `nb_open_options.follow`:
/// the complete observations now on disk (a trailing partial observation
/// waits for the writer).
///
/// @param[out] out_n_observations the new length. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` (not opened with
///         follow); `NB_STATUS_INPUT_CHANGED` (the file shrank);
///         `NB_STATUS_IO`; `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_BAD_HANDLE`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_refresh(reader: *const nb_reader, out_n_observations: *mut u64) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let n = r.inner.refresh()?;
        if let Ok(o) = out_arg(out_n_observations, "out_n_observations") {
            o.write(n);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Tells a followed recording's cursors and applies that the recording
/// ended: they deliver its last, partial batch and finish. Call it once the
/// acquisition has closed the file (any thread, e.g. the acquisition's own).
///
/// @return `NB_STATUS_OK`; `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_BAD_HANDLE`.
///
/// **Thread safety:** may be called from any thread, while other threads
/// use the reader and its cursors.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_end_follow(reader: *const nb_reader) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        r.inner.end_follow();
        Ok(NB_STATUS_OK)
    })
}

/// Plans a traversal without reading anything: how many batches it has and
/// how many observations a full batch holds (what YASS's IndexGenerator
/// computes). Every argument is validated as `nb_cursor_new` does.
///
/// @param[in] reader an open reader.
/// @param[in] opts options from `nb_batch_options_init`, or NULL for the defaults.
/// @param[out] out_n_batches number of batches (0 for an empty range). May be NULL.
/// @param[out] out_rows_per_batch observations in a full batch, buffer not
///             counted (the last batch may be shorter). May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_NULL_ARGUMENT`; `NB_STATUS_BAD_VERSION`;
///         `NB_STATUS_BAD_RANGE`; `NB_STATUS_BAD_CHANNEL`;
///         `NB_STATUS_MEMORY_TOO_SMALL` (message gives the minimum);
///         `NB_STATUS_INVALID_ARGUMENT`; `NB_STATUS_POISONED`. Outputs are
///         written on success only.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_plan(
    reader: *const nb_reader,
    opts: *const nb_batch_options,
    out_n_batches: *mut u64,
    out_rows_per_batch: *mut u64,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let opts = unsafe { batch_options_from_c(opts)? };
        let plan = Plan::new(&r.inner, &opts)?;
        if let Ok(o) = out_arg(out_n_batches, "out_n_batches") {
            o.write(plan.n_batches);
        }
        if let Ok(o) = out_arg(out_rows_per_batch, "out_rows_per_batch") {
            o.write(plan.rows_per_batch);
        }
        Ok(NB_STATUS_OK)
    })
}

/// Runs `fn` over every batch `batch_opts` plans (YASS `multi_channel_apply`
/// with `NB_TRAVERSAL_MULTI_CHANNEL`, `single_channel_apply` with
/// `NB_TRAVERSAL_SINGLE_CHANNEL`): per batch, `fn`, then the optional cast,
/// then the optional cleanup; the result goes to memory or to the output file.
///
/// Every argument (batch options, apply options, output path, if_file_exists,
/// cast_dtype) is validated before the first batch is read, before any
/// callback runs and before any file is created.
///
/// Disk mode writes to a temporary file beside `output_path` and renames it
/// (data and sidecar) only on success. Multi-channel: results are appended
/// row after row; the sidecar says n_channels = the results' column count,
/// data_order samples. Single-channel: each channel's series is appended
/// whole, channel after channel; n_channels = channels selected, data_order
/// channels, and every channel must yield the same total length. Results must
/// agree in dtype (and column count). Zero batches give an empty output
/// (dtype = cast_dtype or the input's, n_channels = channels selected).
///
/// A failing callback, a stop, a cancel or a write error leaves no output
/// file and no sidecar (an existing output is left untouched); the input is
/// never written.
///
/// @param[in] reader the input recording.
/// @param[in] batch_opts traversal, range, channels, buffer, max_memory; NULL for defaults.
/// @param[in] apply_opts NULL for defaults (memory mode).
/// @param[in] fn the user function; NULL: a convert, where each batch's
///            block is its result (with `cast_dtype`, the channel selection,
///            the time range, `microvolts` and the output's "samples" order:
///            float32 copies, channel subsets, "channels" files turned
///            around). In disk mode a multi-channel convert without buffer
///            rows or cleanup streams: rows are read, cast and written in
///            pieces of a few MiB (read ahead unless `read_ahead` is off), so
///            memory stays far below max_memory; the output is byte-identical
///            to an identity function's.
/// @param[in] user_data passed to `fn`, the cleanup and the progress callback.
/// @param[out] out_results on `NB_STATUS_OK` and `NB_STATUS_STOPPED`, the
///             results (memory mode: the blocks so far when stopped; disk mode:
///             the output, none when stopped). May be NULL if not wanted.
/// @param[out] out_cb_value the callback's value when it stopped or failed
///             the run. May be NULL.
/// @return `NB_STATUS_OK`; `NB_STATUS_STOPPED`; `NB_STATUS_CALLBACK_FAILED`;
///         `NB_STATUS_CANCELLED`; `NB_STATUS_NO_RESULT`; `NB_STATUS_RESULT_MISMATCH`;
///         `NB_STATUS_FILE_EXISTS`; `NB_STATUS_BAD_OUTPUT_PATH`;
///         `NB_STATUS_SIDECAR_MISSING` (skip without sidecar); `NB_STATUS_IO`
///         (e.g. disk full, file size limit); `NB_STATUS_INPUT_CHANGED`; the
///         statuses of `nb_cursor_new`. On every failure nothing is left at
///         the output path (an existing output is untouched).
///
/// **Ownership:** the caller frees `*out_results` with `nb_result_list_free`.
/// **Thread safety:** the reader may be shared; see `nb_apply_options.n_threads`
/// for where callbacks run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_apply(
    reader: *const nb_reader,
    batch_opts: *const nb_batch_options,
    apply_opts: *const nb_apply_options,
    r#fn: nb_apply_fn,
    user_data: *mut c_void,
    out_results: *mut *mut nb_result_list,
    out_cb_value: *mut c_int,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let batch = unsafe { batch_options_from_c(batch_opts)? };
        let (opts, cleanup, progress) = unsafe { apply_options_from_c(apply_opts)? };
        let callbacks = CCallbacks::with_optional_fn(r#fn, cleanup, user_data);
        let f = |b: &Batch<'_>, p: Option<&ResultBlock>| callbacks.call(b, p);
        let f = callbacks.has_fn().then_some(&f as &neurobatch_core::apply::BatchFn<'_>);
        let cleanup = callbacks.cleanup();
        let mut progress = progress_fn(progress, user_data);
        let outcome = report_cb_value(
            apply(&r.inner, &batch, &opts, f, cleanup.as_deref(), progress.as_mut().map(|p| p as &mut neurobatch_core::apply::ProgressFn<'_>)),
            out_cb_value,
        )?;
        if let (Some(code), Ok(o)) = (outcome.stopped, out_arg(out_cb_value, "out_cb_value")) {
            o.write(code);
        }
        let status = if outcome.stopped.is_some() { NB_STATUS_STOPPED } else { NB_STATUS_OK };
        if let Ok(o) = out_arg(out_results, "out_results") {
            give(nb_result_list::new(outcome.results, outcome.output.into_iter().map(|o| (o, true)).collect()), o);
        }
        Ok(status)
    })
}

/// The batches shard `shard_index` of `shard_count` runs: `[*out_first,
/// *out_stop)` of the plan `opts` gives for `reader` (what `nb_reader_apply`
/// with these shard fields runs). Contiguous, balanced (sizes differ by at
/// most one), and the same in every process given the same inputs.
///
/// @param[in] reader the recording.
/// @param[in] opts batch options, or NULL for the defaults.
/// @param[in] shard_index 0-based shard, `< shard_count`.
/// @param[in] shard_count number of shards, `>= 1`.
/// @param[out] out_first first batch of the shard.
/// @param[out] out_stop one past its last batch (`== *out_first` when the
///             shard has no batch: more shards than batches).
/// @return `NB_STATUS_OK`; `NB_STATUS_INVALID_ARGUMENT` (shard values); the
///         statuses of `nb_reader_plan`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_reader_shard_batches(
    reader: *const nb_reader,
    opts: *const nb_batch_options,
    shard_index: u64,
    shard_count: u64,
    out_first: *mut u64,
    out_stop: *mut u64,
) -> nb_status {
    ffi_status!({
        let r = unsafe { borrow(reader, "reader")? };
        let first = out_arg(out_first, "out_first")?;
        let stop = out_arg(out_stop, "out_stop")?;
        let opts = unsafe { batch_options_from_c(opts)? };
        let shard = Shard::new(shard_index, shard_count)?;
        let range = shard.batches(Plan::new(&r.inner, &opts)?.n_batches);
        first.write(range.start);
        stop.write(range.end);
        Ok(NB_STATUS_OK)
    })
}
