//! An open recording and block reads in [observation, channel] orientation
//! (docs/yass.md).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::copy::{gather, Strides};
use crate::dtype::{DataOrder, Dtype, Edge, Layout};
use crate::error::{show, Error, Result};
use crate::formats::{locate, Metadata, StreamSel};
use crate::io::{pread_exact, with_bytes, AlignedBuf, Loader};
use crate::platform;
use crate::protect::ProtectedSet;
use crate::provenance::{Provenance, Source};
use crate::select::{resolve_range, ChannelSel, MAX_CHANNELS};
use crate::sidecar::{complete, merge, resolve, sidecar_path, PartialParams, RecordingParams, SidecarValues};
use crate::uncached::Uncached;

/// Bytes read per step when a block has to be rearranged on the way in
/// (channel subset, transposed layout, other file order). Keeps the staging
/// memory small and cache-resident whatever max_memory is.
pub const CHUNK_BYTES: usize = 4 << 20;

/// With the mmap loader, selections of at most 1/SPARSE_FRACTION of a
/// samples-order file's channels are gathered from mappings of
/// SPARSE_CHUNK_BYTES at a time.
const SPARSE_FRACTION: usize = 4;
const SPARSE_CHUNK_BYTES: usize = 64 << 20;

/// How to open a recording. Missing values come from the YAML sidecar;
/// given values win over it.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    pub dtype: Option<Dtype>,
    pub n_channels: Option<usize>,
    pub data_order: Option<DataOrder>,
    pub loader: Loader,
    /// Samples per second, over what the metadata says.
    pub sampling_rate: Option<f64>,
    /// The Open Ephys continuous stream (default: the one a `continuous.dat`
    /// belongs to, or the first of a `structure.oebin`).
    pub stream: Option<StreamSel>,
    /// The file is still being written (samples order): a partial trailing
    /// observation is not an error, and `refresh` picks up growth.
    pub follow: bool,
}

/// A read-only recording. Immutable after open and read with positioned I/O,
/// so it may be shared between threads. Dropping it closes the file.
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    file: File,
    params: RecordingParams,
    /// Complete observations; grows only through `refresh` (followed files).
    n_obs: AtomicU64,
    /// Bytes of those observations (the file may hold a partial one more).
    file_size: AtomicU64,
    /// Opened with `follow`: the file may still be growing.
    follow: bool,
    /// Set by `end_follow`: the writer has finished; no more growth comes.
    ended: std::sync::atomic::AtomicBool,
    loader: Loader,
    /// Bytes fetched from the file so far; lets tests prove a traversal's I/O.
    bytes_read: AtomicU64,
    /// Of those, bytes read past the page cache (`crate::uncached`).
    bytes_uncached: AtomicU64,
    /// The file's uncached handle (unused by sessions: their segments have theirs).
    uncached: Uncached,
    meta: Metadata,
    /// Where the parameters and metadata came from.
    provenance: Provenance,
    /// A session of several files concatenated in time (empty: one file).
    segments: Vec<Segment>,
    /// Every file the recording was read or resolved from: never an output.
    protected: ProtectedSet,
}

/// One file of a multi-file session.
#[derive(Debug)]
struct Segment {
    path: PathBuf,
    file: File,
    /// Session observation of its first observation.
    first: u64,
    n_obs: u64,
    size: u64,
    uncached: Uncached,
}

impl Segment {
    fn piece(&self) -> Piece<'_> {
        Piece { file: &self.file, uncached: &self.uncached, path: &self.path, first: self.first, n_obs: self.n_obs, size: self.size }
    }
}

/// The file a read goes to, and where it sits in the recording.
struct Piece<'a> {
    file: &'a File,
    uncached: &'a Uncached,
    path: &'a Path,
    first: u64,
    n_obs: u64,
    size: u64,
}

impl Reader {
    pub fn open(path: impl AsRef<Path>, opts: &OpenOptions) -> Result<Reader> {
        let path = path.as_ref();
        if opts.n_channels == Some(0) {
            return Err(Error::BadChannelCount(0));
        }
        if let Some(r) = opts.sampling_rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(Error::InvalidArgument(format!("sampling_rate {r} is not a positive number of samples per second")));
        }
        let located = locate(path, opts.stream.as_ref())?;
        let path = located.data.as_path();
        // The data file first: a missing recording is reported as such, not
        // as a missing sidecar.
        let file = open_recording(path)?;
        let explicit = PartialParams { dtype: opts.dtype, n_channels: opts.n_channels, data_order: opts.data_order };
        let (params, sidecar) = match located.params {
            // The format's own metadata fixes what the options leave open.
            Some(found) => (complete(merge(explicit, found)).expect("formats give every parameter"), SidecarValues::default()),
            None => resolve(path, explicit)?,
        };
        let mut meta = located.meta;
        let from_format = located.metadata_file.map(|p| Source::Metadata(meta.format, p));
        let from_sidecar = Source::Sidecar(sidecar_path(path));
        // Options win over the format's metadata, which fixes every parameter
        // it has; a raw file's missing parameters came from its sidecar.
        let param_source = |given: bool| match (given, &from_format) {
            (true, _) => Source::Options,
            (false, Some(f)) => f.clone(),
            (false, None) => from_sidecar.clone(),
        };
        let sampling_rate_source = match (opts.sampling_rate, meta.sampling_rate, sidecar.sampling_rate) {
            (Some(_), _, _) => Some(Source::Options),
            (None, Some(_), _) => from_format.clone(),
            (None, None, Some(_)) => Some(from_sidecar.clone()),
            (None, None, None) => None,
        };
        meta.sampling_rate = opts.sampling_rate.or(meta.sampling_rate).or(sidecar.sampling_rate);
        if meta.channel_kinds.as_ref().is_some_and(|k| k.len() != params.n_channels) {
            // n_channels was overridden: the per-channel metadata no longer applies.
            let given =
                format!("n_channels was given as {}, the metadata describes {} channels", params.n_channels, meta.channel_kinds.as_ref().map_or(0, Vec::len));
            meta.scale_uv = None;
            meta.channel_kinds = None;
            meta.no_scale_reason = Some(given);
        }
        let provenance = Provenance {
            dtype: param_source(opts.dtype.is_some()),
            n_channels: param_source(opts.n_channels.is_some()),
            data_order: param_source(opts.data_order.is_some()),
            sampling_rate: sampling_rate_source,
            scales_uv: meta.scale_uv.as_ref().and(from_format.clone()),
            channel_kinds: meta.channel_kinds.as_ref().and(from_format),
        };
        let file_size = file.metadata().map_err(|e| Error::io(format!("reading the size of {}", show(path)), e))?.len();
        let itemsize = params.dtype.itemsize();
        if params.n_channels > MAX_CHANNELS {
            return Err(Error::TooManyChannels { n_channels: params.n_channels as u64 });
        }
        let row_bytes = params.n_channels as u64 * itemsize as u64;
        if opts.follow && params.data_order != DataOrder::Samples {
            return Err(Error::InvalidArgument(format!(
                "{} is in channels order: only samples-order recordings grow by appending, so only they can be followed",
                show(path)
            )));
        }
        if let Some(n) = sidecar.data_bytes.filter(|&n| n != file_size && !opts.follow) {
            return Err(Error::SidecarInvalid {
                path: show(&sidecar_path(path)),
                reason: format!(
                    "it was written for a data file of {n} bytes, but {} has {file_size} bytes: the two do not belong together (a copy cut short, or an output whose publishing was interrupted); rerun what wrote it",
                    show(path)
                ),
            });
        }
        if file_size % row_bytes != 0 && !opts.follow {
            return Err(Error::BadFileSize {
                path: show(path),
                file_size,
                dtype: params.dtype.name().into(),
                itemsize,
                n_channels: params.n_channels,
                row_bytes,
                remainder: file_size % row_bytes,
            });
        }
        let mut protected = ProtectedSet::default();
        protected.add_open(&file, path, "the input recording")?;
        protected.add_path(&sidecar_path(path), "the input's sidecar");
        for (p, role) in &located.files {
            protected.add_path(p, role.clone());
        }
        let n_obs = file_size / row_bytes;
        Ok(Reader {
            path: path.to_path_buf(),
            file,
            params,
            n_obs: AtomicU64::new(n_obs),
            file_size: AtomicU64::new(n_obs * row_bytes),
            follow: opts.follow,
            ended: std::sync::atomic::AtomicBool::new(!opts.follow),
            loader: opts.loader,
            bytes_read: AtomicU64::new(0),
            bytes_uncached: AtomicU64::new(0),
            uncached: Uncached::default(),
            meta,
            provenance,
            segments: Vec::new(),
            protected,
        })
    }

    /// One recording made of several files concatenated in time (a session
    /// recorded in parts): each file is opened as `open` opens it, and all
    /// must agree on dtype, channel count, data order, sampling rate and
    /// scales. Observations are numbered across the files, so batches may
    /// span a boundary and `idx` stays absolute.
    pub fn open_session(paths: &[PathBuf], opts: &OpenOptions) -> Result<Reader> {
        if paths.is_empty() {
            return Err(Error::InvalidArgument("a session needs at least one file, got none".into()));
        }
        if opts.follow && paths.len() > 1 {
            return Err(Error::InvalidArgument("follow applies to one growing file, not to a session of several".into()));
        }
        let n = paths.len();
        let mut readers = Vec::with_capacity(n);
        for (k, p) in paths.iter().enumerate() {
            readers.push(Reader::open(p, opts).map_err(|e| match e {
                // Name the part, so a limit reached at file k of n is plain.
                Error::Io { context, source } if n > 1 => Error::Io { context: format!("{context} (file {} of the {n} of the session)", k + 1), source },
                other => other,
            })?);
        }
        if readers.len() == 1 {
            return Ok(readers.pop().expect("one"));
        }
        let head = &readers[0];
        for r in &readers[1..] {
            let mismatch = |what: &str, a: String, b: String| {
                Err(Error::InvalidArgument(format!("the files of a session must agree: {} has {what} {b}, {} has {a}", show(r.path()), show(head.path()))))
            };
            if r.params != head.params {
                let show_params = |p: &RecordingParams| format!("{} / {} / {}", p.dtype, p.n_channels, p.data_order.name());
                return mismatch("dtype / n_channels / data_order", show_params(&head.params), show_params(&r.params));
            }
            if r.meta.sampling_rate != head.meta.sampling_rate {
                return mismatch("sampling rate", format!("{:?}", head.meta.sampling_rate), format!("{:?}", r.meta.sampling_rate));
            }
            if r.meta.scale_uv != head.meta.scale_uv {
                return mismatch("scales to microvolts", "other gains".into(), "different gains".into());
            }
            if r.meta.channel_kinds != head.meta.channel_kinds {
                return mismatch("channel kinds", "other kinds".into(), "different kinds".into());
            }
        }
        let (path, params, loader, meta, provenance) = (head.path.clone(), head.params, head.loader, head.meta.clone(), head.provenance.clone());
        let mut protected = ProtectedSet::default();
        for r in &readers {
            protected.extend(&r.protected);
        }
        let file = head.file.try_clone().map_err(|e| Error::io(format!("opening {}", show(&path)), e))?;
        let mut total = 0u64;
        let segments: Vec<Segment> = readers
            .into_iter()
            .map(|r| {
                let (n_obs, size) = (r.n_observations(), r.file_size());
                let seg = Segment { path: r.path, file: r.file, first: total, n_obs, size, uncached: Uncached::default() };
                total += n_obs;
                seg
            })
            .collect();
        Ok(Reader {
            path,
            file,
            params,
            n_obs: AtomicU64::new(total),
            file_size: AtomicU64::new(segments.iter().map(|s| s.size).sum()),
            follow: false,
            ended: std::sync::atomic::AtomicBool::new(true),
            loader,
            bytes_read: AtomicU64::new(0),
            bytes_uncached: AtomicU64::new(0),
            uncached: Uncached::default(),
            meta,
            provenance,
            segments,
            protected,
        })
    }

    /// What identifies the recording's data across processes: each data
    /// file's identity and size (shards of one run must agree on it).
    pub fn input_identity(&self) -> Result<String> {
        let id = |f: &File, p: &Path| platform::file_id(f).map_err(|e| Error::io(format!("reading the identity of {}", show(p)), e));
        if self.segments.is_empty() {
            let i = id(&self.file, &self.path)?;
            return Ok(format!("{:x}:{:x}:{}", i.volume, i.index, self.file_size()));
        }
        let parts =
            self.segments.iter().map(|s| id(&s.file, &s.path).map(|i| format!("{:x}:{:x}:{}", i.volume, i.index, s.size))).collect::<Result<Vec<_>>>()?;
        Ok(parts.join(","))
    }

    /// Every file the recording was read or resolved from (all files of a
    /// session, sidecars, format metadata): outputs may replace none of them.
    pub fn protected(&self) -> &ProtectedSet {
        &self.protected
    }

    /// The files of a session, in order (one entry for a single file).
    pub fn paths(&self) -> Vec<&Path> {
        if self.segments.is_empty() {
            vec![self.path.as_path()]
        } else {
            self.segments.iter().map(|s| s.path.as_path()).collect()
        }
    }

    /// Re-reads the file's length (followed recordings): the complete
    /// observations now on disk; a trailing partial one is left for later.
    /// Shrinking is an error, as for any reader.
    pub fn refresh(&self) -> Result<u64> {
        if !self.follow {
            return Err(Error::InvalidArgument(format!("{} was not opened with follow: its length is fixed", show(&self.path))));
        }
        // The length known before the file is asked: it was on disk earlier,
        // so a smaller length now is a real shrink, whatever other threads
        // refreshing at the same time have seen meanwhile.
        let known = self.file_size.load(Ordering::Acquire);
        let now = self.file.metadata().map_err(|e| Error::io(format!("reading the size of {}", show(&self.path)), e))?.len();
        if now < known {
            return Err(Error::InputChanged {
                path: show(&self.path),
                what: format!("had at least {known} bytes and now has {now} bytes: it was truncated"),
                row: self.n_observations(),
            });
        }
        // Another file renamed over the followed path (or the path removed):
        // the open descriptor still reads the old file, which no longer grows.
        let open_id = platform::file_id(&self.file).map_err(|e| Error::io(format!("reading the identity of {}", show(&self.path)), e))?;
        match platform::path_id(&self.path) {
            Ok(Some(id)) if id == open_id => {}
            Ok(Some(_)) => {
                return Err(Error::InputChanged {
                    path: show(&self.path),
                    what: "was replaced by another file (renamed over it) while it was followed".into(),
                    row: self.n_observations(),
                })
            }
            Ok(None) => {
                return Err(Error::InputChanged {
                    path: show(&self.path),
                    what: "no longer exists at its path (removed or renamed) while it was followed".into(),
                    row: self.n_observations(),
                })
            }
            Err(e) => return Err(Error::io(format!("checking {} while following it", show(&self.path)), e)),
        }
        let row_bytes = (self.params.n_channels * self.params.dtype.itemsize()) as u64;
        let n = now / row_bytes;
        // Length before count: a reader of n_obs always finds its bytes known.
        self.file_size.fetch_max(n * row_bytes, Ordering::AcqRel);
        Ok(self.n_obs.fetch_max(n, Ordering::AcqRel).max(n))
    }

    /// Whether the reader was opened with `follow`.
    pub fn opened_to_follow(&self) -> bool {
        self.follow
    }

    /// Whether the recording may still grow (opened with follow and not ended).
    pub fn is_following(&self) -> bool {
        self.follow && !self.ended.load(Ordering::Acquire)
    }

    /// Marks a followed recording as finished: cursors deliver its last,
    /// partial batch and end. Any thread may call it.
    pub fn end_follow(&self) {
        self.ended.store(true, Ordering::Release);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Format, sampling rate, channel kinds and scales to microvolts, when known.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }
    /// Where each parameter and metadata value came from (a session: its first file's).
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }
    pub fn params(&self) -> RecordingParams {
        self.params
    }
    pub fn dtype(&self) -> Dtype {
        self.params.dtype
    }
    pub fn n_channels(&self) -> usize {
        self.params.n_channels
    }
    pub fn data_order(&self) -> DataOrder {
        self.params.data_order
    }
    pub fn n_observations(&self) -> u64 {
        self.n_obs.load(Ordering::Acquire)
    }
    /// Bytes of the complete observations.
    pub fn file_size(&self) -> u64 {
        self.file_size.load(Ordering::Acquire)
    }
    pub fn loader(&self) -> Loader {
        self.loader
    }
    /// Bytes read from the file since it was opened, by every read and cursor.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// Of `bytes_read`, the bytes read past the page cache: large ranges
    /// of whole rows found cold (see `read_rows_uncached`).
    pub fn bytes_uncached(&self) -> u64 {
        self.bytes_uncached.load(Ordering::Relaxed)
    }

    /// Whether observations `[lo, hi)` of every channel may be read past
    /// the page cache when cold (`read_rows_uncached`), as far as is known:
    /// they are then not worth read-ahead advice, which would fill the cache
    /// with them first. Not rows that span two files of a session.
    pub(crate) fn may_read_uncached(&self, lo: u64, hi: u64) -> bool {
        self.uncached_range(lo, hi).is_some()
    }

    /// Whether observations `[lo, hi)` of every channel would be read past
    /// the page cache (`read_rows_uncached`) if they were read now.
    pub(crate) fn rows_are_cold(&self, lo: u64, hi: u64) -> bool {
        self.uncached_range(lo, hi).is_some_and(|(piece, offset, len)| piece.uncached.is_cold(piece.file, offset, len))
    }

    /// Reads observations `[lo, hi)` of every channel, in file order, into
    /// `buf` from `at`, past the page cache when they are large and not in
    /// it (`crate::uncached`), and says whether it did; `false`: nothing was
    /// read (read them with `fill_block`). `at` must lie at the same offset
    /// within a page as the rows' first byte in the file, and `buf` must
    /// reach the page boundary after the rows. `cold`: what `rows_are_cold`
    /// said of these rows just before, if it was asked (their cache is then
    /// not probed again).
    pub(crate) fn read_rows_uncached(&self, lo: u64, hi: u64, buf: &mut [u8], at: usize, cold: Option<bool>) -> Result<bool> {
        let Some((piece, offset, len)) = self.uncached_range(lo, hi).filter(|_| cold != Some(false)) else { return Ok(false) };
        match piece.uncached.read(piece.file, offset, len, buf, at, cold == Some(true)) {
            Ok(false) => Ok(false),
            Ok(true) => {
                self.count(len);
                self.bytes_uncached.fetch_add(len as u64, Ordering::Relaxed);
                Ok(true)
            }
            Err(e) => Err(self.read_error(&piece, lo - piece.first, e)),
        }
    }

    /// The file holding observations `[lo, hi)` whole, and their byte range
    /// there, when those rows may be read past the page cache: the pread
    /// loader, a samples-order file, rows inside the recording and inside
    /// one of its files, which has not refused uncached reads.
    fn uncached_range(&self, lo: u64, hi: u64) -> Option<(Piece<'_>, u64, usize)> {
        if self.loader != Loader::Pread || self.params.data_order != DataOrder::Samples || hi > self.n_observations() {
            return None;
        }
        let piece = self.pieces().find(|p| p.first <= lo && hi <= p.first + p.n_obs).filter(|p| p.uncached.possible())?;
        let (offset, len) = (self.offset_in_file(lo), ((hi - lo) * self.row_bytes()) as usize);
        Some((piece, offset, len))
    }

    fn row_bytes(&self) -> u64 {
        self.params.n_channels as u64 * self.params.dtype.itemsize() as u64
    }

    /// Where observation `row` starts in the file that holds it: a
    /// session's files each start at byte 0.
    pub(crate) fn offset_in_file(&self, row: u64) -> u64 {
        let first = self.segments.iter().rev().find(|s| s.first <= row).map_or(0, |s| s.first);
        (row - first) * self.row_bytes()
    }

    /// The recording's file: itself, or each file of a session.
    fn pieces(&self) -> impl Iterator<Item = Piece<'_>> {
        let whole = self.segments.is_empty().then(|| self.whole_file());
        whole.into_iter().chain(self.segments.iter().map(Segment::piece))
    }

    fn whole_file(&self) -> Piece<'_> {
        Piece { file: &self.file, uncached: &self.uncached, path: &self.path, first: 0, n_obs: self.n_observations(), size: self.file_size() }
    }

    /// Bytes of a block of `rows` observations of `n_sel` channels, or an
    /// error when that does not fit in memory addresses.
    pub fn block_bytes(&self, rows: u64, n_sel: usize) -> Result<usize> {
        block_bytes(rows, n_sel, self.params.dtype)
    }

    /// Rows of a block for `[from, to)` with `buffer` rows on each side.
    pub fn block_rows(from: u64, to: u64, buffer: u64) -> Result<u64> {
        buffer.checked_mul(2).and_then(|b| b.checked_add(to - from)).ok_or_else(|| Error::InvalidArgument(format!("buffer_size {buffer} is too large")))
    }

    /// Reads observations `[from, to)` of `channels`, with `buffer` extra rows
    /// on each side (zeros beyond the recording's edges), into `dst` in
    /// `layout`. `dst` must hold exactly `(to - from + 2·buffer) × n_sel` items.
    pub fn read(&self, from: u64, to: u64, channels: &ChannelSel, buffer: u64, layout: Layout, dst: &mut [u8]) -> Result<()> {
        let (from, to) = resolve_range(Some(from), Some(to), self.n_observations())?;
        let cols = channels.resolve(self.params.n_channels)?;
        let need = self.block_bytes(Self::block_rows(from, to, buffer)?, cols.len())?;
        if dst.len() != need {
            return Err(Error::InvalidArgument(format!(
                "output buffer holds {} bytes; the block [{from}, {to}) with buffer {buffer} × {} channel(s) of {} needs {need}",
                dst.len(),
                cols.len(),
                self.params.dtype
            )));
        }
        self.fill_block(from, to, buffer, &cols, layout, Edge::Zeros, dst, &mut AlignedBuf::default())
    }

    /// Asks the system to read observations `[from, to)` of file channels
    /// `channels` into its page cache in the background, for a read that
    /// comes soon: the disk keeps working while threads compute, and a large
    /// read finds many requests in the device's queue instead of the few a
    /// plain read keeps there (a cold pass ran 1.5-2x faster here). Only a
    /// hint: no effect on results, nothing where the system has none (see
    /// `platform::will_need`, which may wait while the device's queue is
    /// full). A samples-order file is hinted in whole rows, a channels-order
    /// one channel by channel.
    pub fn will_need(&self, from: u64, to: u64, channels: &[usize]) {
        let (from, to) = (from.min(self.n_observations()), to.min(self.n_observations()));
        let isz = self.params.dtype.itemsize() as u64;
        let n_ch = self.params.n_channels as u64;
        let hint = |file: &File, n_obs: u64, a: u64, b: u64| match self.params.data_order {
            DataOrder::Samples => platform::will_need(file, a * n_ch * isz, (b - a) * n_ch * isz),
            DataOrder::Channels => channels.iter().for_each(|&c| platform::will_need(file, (c as u64 * n_obs + a) * isz, (b - a) * isz)),
        };
        if self.segments.is_empty() {
            if from < to {
                hint(&self.file, self.n_observations(), from, to);
            }
            return;
        }
        for seg in &self.segments {
            let (a, b) = (from.max(seg.first), to.min(seg.first + seg.n_obs));
            if a < b {
                hint(&seg.file, seg.n_obs, a - seg.first, b - seg.first);
            }
        }
    }

    /// The block engine behind reads and cursors; arguments are already
    /// valid. Buffer rows beyond the recording's edges follow `edge`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_block(
        &self,
        from: u64,
        to: u64,
        buffer: u64,
        cols: &[usize],
        layout: Layout,
        edge: Edge,
        dst: &mut [u8],
        scratch: &mut AlignedBuf,
    ) -> Result<()> {
        self.fill_rows(from, to, buffer, cols, layout, dst, scratch)?;
        if edge != Edge::Zeros && buffer > 0 && self.n_observations() > 0 {
            self.fill_edges(from, to, buffer, cols, layout, edge, dst)?;
        }
        Ok(())
    }

    /// Rewrites the buffer rows that lie before observation 0 or after the
    /// last one (zeros so far) with the observations `edge` maps them to.
    #[allow(clippy::too_many_arguments)]
    fn fill_edges(&self, from: u64, to: u64, buffer: u64, cols: &[usize], layout: Layout, edge: Edge, dst: &mut [u8]) -> Result<()> {
        let isz = self.params.dtype.itemsize();
        let n_sel = cols.len();
        let nr = (to - from + 2 * buffer) as usize;
        let first = from as i128 - buffer as i128; // observation of block row 0
        let n_obs = self.n_observations();
        let n = n_obs as i128;
        let outside: Vec<(usize, u64)> = (0..nr)
            .filter_map(|r| {
                let s = first + r as i128;
                (s < 0 || s >= n).then(|| (r, edge.source(s, n_obs)))
            })
            .collect();
        let (Some(lo), Some(hi)) = (outside.iter().map(|x| x.1).min(), outside.iter().map(|x| x.1).max()) else { return Ok(()) };
        // The source rows are few (at most the buffer) and contiguous but
        // for tiny recordings: read their span once.
        let mut rows = vec![0u8; (hi - lo + 1) as usize * n_sel * isz];
        self.fill_rows(lo, hi + 1, 0, cols, Layout::SampleMajor, &mut rows, &mut AlignedBuf::default())?;
        for (r, src) in outside {
            let row = &rows[(src - lo) as usize * n_sel * isz..][..n_sel * isz];
            for j in 0..n_sel {
                let at = match layout {
                    Layout::SampleMajor => (r * n_sel + j) * isz,
                    Layout::ChannelMajor => (j * nr + r) * isz,
                };
                dst[at..at + isz].copy_from_slice(&row[j * isz..(j + 1) * isz]);
            }
        }
        Ok(())
    }

    /// Reads rows `[from - buffer, to + buffer)`, zeros beyond the edges.
    #[allow(clippy::too_many_arguments)]
    fn fill_rows(&self, from: u64, to: u64, buffer: u64, cols: &[usize], layout: Layout, dst: &mut [u8], scratch: &mut AlignedBuf) -> Result<()> {
        let isz = self.params.dtype.itemsize();
        let n_sel = cols.len();
        let nr = (to - from + 2 * buffer) as usize;
        debug_assert_eq!(dst.len(), nr * n_sel * isz);
        // Rows [lo, hi) come from the file; the rest of the block is zeros.
        let lo = from.saturating_sub(buffer);
        let n_obs = self.n_observations();
        let hi = to.saturating_add(buffer).min(n_obs);
        let top = (buffer - (from - lo)) as usize;
        let body = (hi - lo) as usize;
        zero_rows(dst, layout, nr, n_sel, isz, 0, top);
        zero_rows(dst, layout, nr, n_sel, isz, top + body, nr);

        if self.segments.is_empty() {
            let piece = self.whole_file();
            return self.fill_body(&piece, lo, body, top, cols, layout, nr, dst, scratch);
        }
        // A session of several files: each file serves its part of the rows.
        for seg in &self.segments {
            let (a, b) = (lo.max(seg.first), hi.min(seg.first + seg.n_obs));
            if a >= b {
                continue;
            }
            let piece = seg.piece();
            self.fill_body(&piece, a - seg.first, (b - a) as usize, top + (a - lo) as usize, cols, layout, nr, dst, scratch)?;
        }
        Ok(())
    }

    /// Reads `body` rows of one file, from its observation `lo`, into block
    /// rows `top..top + body` of `dst` (`nr` rows in all, `layout`).
    #[allow(clippy::too_many_arguments)]
    fn fill_body(
        &self,
        piece: &Piece<'_>,
        lo: u64,
        body: usize,
        top: usize,
        cols: &[usize],
        layout: Layout,
        nr: usize,
        dst: &mut [u8],
        scratch: &mut AlignedBuf,
    ) -> Result<()> {
        let isz = self.params.dtype.itemsize();
        let n_ch = self.params.n_channels;
        let n_sel = cols.len();
        let n_obs = piece.n_obs;
        // Element offset of block row `row`, column `j`, and the strides there.
        let at = |row: usize, j: usize| -> (usize, Strides) {
            match layout {
                Layout::SampleMajor => ((row * n_sel + j) * isz, Strides { row: n_sel, col: 1 }),
                Layout::ChannelMajor => ((j * nr + row) * isz, Strides { row: 1, col: nr }),
            }
        };
        let io_err = |row: u64, e| self.read_error(piece, row, e);
        let direct = self.loader == Loader::Pread;
        match self.params.data_order {
            DataOrder::Samples => {
                let row_bytes = n_ch * isz;
                let identity = n_sel == n_ch && cols.iter().enumerate().all(|(j, &c)| j == c);
                if direct && identity && layout == Layout::SampleMajor {
                    let (o, _) = at(top, 0);
                    self.count(body * row_bytes);
                    return pread_exact(piece.file, lo * row_bytes as u64, &mut dst[o..o + body * row_bytes]).map_err(|e| io_err(lo, e));
                }
                // With the mmap loader, a sparse selection gathers straight from a
                // mapping: copying whole rows first would move every byte of the
                // file to keep a few. The pread loader never maps: a file truncated
                // under a mapping kills the process (SIGBUS).
                let sparse = self.loader == Loader::Mmap && n_sel * SPARSE_FRACTION <= n_ch;
                let (loader, chunk) = if sparse { (Loader::Mmap, SPARSE_CHUNK_BYTES) } else { (self.loader, CHUNK_BYTES) };
                let step = (chunk / row_bytes).max(1);
                for r0 in (0..body).step_by(step) {
                    let n = step.min(body - r0);
                    let (o, d) = at(top + r0, 0);
                    let offset = (lo + r0 as u64) * row_bytes as u64;
                    self.count(n * row_bytes);
                    with_bytes(piece.file, loader, offset, n * row_bytes, scratch, |src| {
                        gather(isz, src, Strides { row: n_ch, col: 1 }, cols, &mut dst[o..], d, n)
                    })
                    .map_err(|e| io_err(lo + r0 as u64, e))?;
                }
            }
            DataOrder::Channels => {
                let series = |c: usize, row: u64| (c as u64 * n_obs + row) * isz as u64;
                if direct && layout == Layout::ChannelMajor {
                    for (j, &c) in cols.iter().enumerate() {
                        let (o, _) = at(top, j);
                        self.count(body * isz);
                        pread_exact(piece.file, series(c, lo), &mut dst[o..o + body * isz]).map_err(|e| io_err(lo, e))?;
                    }
                    return Ok(());
                }
                // Stage every selected channel's rows of a chunk, channel after
                // channel, then turn the staged block around into `dst` at once.
                // For a contiguous run of channels, the slot stride keeps every
                // slot at its file offset mod 64, where the kernel copies fastest
                // (see io.rs); other selections take plain slots.
                let step = (CHUNK_BYTES / (n_sel * isz)).max(1);
                let identity: Vec<usize> = (0..n_sel).collect();
                let run = cols.windows(2).all(|w| w[1] == w[0] + 1);
                let m = 64 / isz;
                for r0 in (0..body).step_by(step) {
                    let n = step.min(body - r0);
                    let first = series(cols[0], lo + r0 as u64);
                    let (stride, base) = if run { (n + (n_obs as usize + m - n % m) % m, (first % 64) as usize) } else { (n, 0) };
                    // One size for every chunk, so the buffer is never reallocated.
                    let stage = scratch.ensure(64 + n_sel * (step + m) * isz).map_err(|e| Error::io("allocating the staging buffer", e))?;
                    for (j, &c) in cols.iter().enumerate() {
                        let at = series(c, lo + r0 as u64);
                        let from = base + j * stride * isz;
                        let slot = &mut stage[from..from + n * isz];
                        self.count(n * isz);
                        match self.loader {
                            Loader::Pread => pread_exact(piece.file, at, slot),
                            Loader::Mmap => with_bytes(piece.file, Loader::Mmap, at, n * isz, &mut AlignedBuf::default(), |src| slot.copy_from_slice(src)),
                        }
                        .map_err(|e| io_err(lo + r0 as u64, e))?;
                    }
                    let (o, d) = at(top + r0, 0);
                    let staged = &stage[base..base + ((n_sel - 1) * stride + n) * isz];
                    gather(isz, staged, Strides { row: 1, col: stride }, &identity, &mut dst[o..], d, n);
                }
            }
        }
        Ok(())
    }
}

/// Bytes of a block of `rows` × `n_sel` values of `dtype`, or an error when
/// that does not fit in memory addresses.
pub fn block_bytes(rows: u64, n_sel: usize, dtype: Dtype) -> Result<usize> {
    rows.checked_mul(n_sel as u64)
        .and_then(|v| v.checked_mul(dtype.itemsize() as u64))
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| Error::InvalidArgument(format!("a block of {rows} rows × {n_sel} channels of {dtype} does not fit in memory")))
}

impl Reader {
    /// A failed read, told apart from a file another process truncated.
    /// The reader's length was fixed at open and every read lies inside it,
    /// so a short read means the file was shorter at that moment, even when
    /// its length is back by the time we look (a writer that truncates and
    /// refills it).
    fn read_error(&self, piece: &Piece<'_>, row: u64, e: std::io::Error) -> Error {
        let row = piece.first + row; // observations count across a session's files
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            let now = match piece.file.metadata().map(|m| m.len()) {
                Ok(now) if now < piece.size => format!("is now {now} bytes"),
                Ok(now) => format!("ended early while being read (it is {now} bytes again now)"),
                Err(_) => "ended early while being read".to_string(),
            };
            return Error::InputChanged {
                path: show(piece.path),
                what: format!("was {} bytes when opened and {now}: another process truncated or rewrote it", piece.size),
                row,
            };
        }
        Error::io(format!("reading {} at observation {row}", show(piece.path)), e)
    }

    fn count(&self, bytes: usize) {
        self.bytes_read.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// Zeros block rows `[r0, r1)` of every column.
fn zero_rows(dst: &mut [u8], layout: Layout, nr: usize, n_sel: usize, isz: usize, r0: usize, r1: usize) {
    if r0 >= r1 {
        return;
    }
    match layout {
        Layout::SampleMajor => dst[r0 * n_sel * isz..r1 * n_sel * isz].fill(0),
        Layout::ChannelMajor => {
            for j in 0..n_sel {
                dst[(j * nr + r0) * isz..(j * nr + r1) * isz].fill(0);
            }
        }
    }
}

/// Opens a recording's data file to read it, with plain messages for what
/// users meet: a missing file, a directory or FIFO, no descriptors left.
fn open_recording(path: &Path) -> Result<File> {
    platform::open_input(path, &format!("recording {}", show(path))).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::io(format!("recording {} does not exist", show(path)), e),
        std::io::ErrorKind::InvalidInput => Error::InvalidArgument(e.to_string()),
        _ if platform::is_out_of_descriptors(&e) => Error::io(format!("opening recording {}: {}", show(path), platform::OUT_OF_DESCRIPTORS), e),
        _ => Error::io(format!("opening recording {}", show(path)), e),
    })
}
