//! Every way a core operation can fail. Each message names the offending
//! value and what was expected, because C, MATLAB and Julia users only ever
//! see this text.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown dtype '{0}': expected one of int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64")]
    BadDtype(String),

    #[error("unknown data_order '{0}': expected 'samples' (alias 'long') or 'channels' (alias 'wide')")]
    BadDataOrder(String),

    #[error(
        "invalid max_memory '{0}': expected a non-negative integer number of bytes, optionally followed by B, K, KB, M, MB, G or GB (1024-based), e.g. '300MB'"
    )]
    BadMemory(String),

    #[error("max_memory of {max_memory} bytes is below one row: {n_channels} channel(s) of {dtype} need at least {min} bytes")]
    MemoryTooSmall { max_memory: u64, n_channels: usize, dtype: String, min: u64 },

    #[error("{path}: one channel's {n_obs} observations of {dtype} take {n_bytes} bytes, more than max_memory of {max_memory} bytes; raise max_memory or set force_complete_channel_batch to false")]
    ChannelTooLarge { path: String, n_obs: u64, dtype: String, n_bytes: u64, max_memory: u64 },

    #[error("{path}: file size {file_size} bytes is not a multiple of n_channels × itemsize = {n_channels} × {itemsize} ({dtype}) = {row_bytes} bytes; remainder {remainder} bytes{}", nearby_channel_counts(*file_size, *itemsize, *n_channels))]
    BadFileSize { path: String, file_size: u64, dtype: String, itemsize: usize, n_channels: usize, row_bytes: u64, remainder: u64 },

    #[error("n_channels must be at least 1, got {0}")]
    BadChannelCount(u64),

    #[error("n_channels {n_channels} is more than the 16777216 (2^24) channels a recording may have")]
    TooManyChannels { n_channels: u64 },

    #[error("invalid time range [{from}, {to}): expected 0 <= from_time <= to_time <= n_observations = {n_obs}")]
    BadRange { from: u64, to: u64, n_obs: u64 },

    #[error("channel {channel} is out of range: the recording has {n_channels} channel(s), valid indices are 0 to {}", n_channels.saturating_sub(1))]
    BadChannel { channel: u64, n_channels: usize },

    #[error("the channel list is empty: select at least one channel, or all")]
    EmptyChannels,

    #[error("{data}: its sidecar {sidecar} does not exist; {reason}")]
    SidecarMissing { data: String, sidecar: String, reason: String },

    #[error("metadata {path}: {reason}")]
    MetadataInvalid { path: String, reason: String },

    #[error("{0}")]
    NoMetadata(String),

    #[error("sidecar {path}: {reason}")]
    SidecarInvalid { path: String, reason: String },

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    #[error("{path} {what} (at observation {row}); reopen it once its writer has finished")]
    InputChanged { path: String, what: String, row: u64 },

    #[error("{0}")]
    InvalidArgument(String),

    #[error("{0}; nothing was published and every shard's piece was removed")]
    ShardIncomplete(String),

    #[error("internal panic on a worker thread: {0}; nothing was written")]
    Panic(String),

    #[error("invalid output path {path}: {reason}")]
    BadOutputPath { path: String, reason: String },

    #[error("output {0} exists and if_file_exists is 'abort'; nothing was written")]
    FileExists(String),

    #[error("{0}")]
    ResultMismatch(String),

    #[error("the callback returned {value} at batch {batch}; nothing was written")]
    CallbackFailed { batch: u64, value: i32 },

    #[error("the callback returned 0 at batch {batch} without setting a result; a disk output needs one result per batch: set it with nb_result_slot_set or nb_result_slot_lend (in memory mode a batch without a result stores nothing); nothing was written")]
    NoResult { batch: u64 },

    #[error("cancelled by the progress callback after {done} of {total} batches; nothing was written")]
    Cancelled { done: u64, total: u64 },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The channel counts near `n_channels` that would divide a file of
/// `file_size` bytes, as a hint ("" when there are none nearby).
fn nearby_channel_counts(file_size: u64, itemsize: usize, n_channels: usize) -> String {
    if file_size == 0 || itemsize == 0 || !file_size.is_multiple_of(itemsize as u64) {
        return String::new();
    }
    let values = file_size / itemsize as u64;
    let lo = n_channels.saturating_sub(8).max(1) as u64;
    let fits: Vec<String> = (lo..=n_channels as u64 + 8).filter(|&c| c != n_channels as u64 && values.is_multiple_of(c)).map(|c| c.to_string()).collect();
    match fits.as_slice() {
        [] => String::new(),
        [one] => format!("; {one} channels would divide it"),
        many => format!("; {} channels would divide it", many.join(", ")),
    }
}

/// Paths in messages are shown lossily but recognisably.
pub fn show(path: &std::path::Path) -> String {
    format!("'{}'", path.display())
}
