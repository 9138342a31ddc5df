//! The result sink: appends result blocks to a temporary file beside the
//! output and, on finish, publishes data and sidecar; on abandon (or drop
//! without finish) it removes the temporary file. An output is therefore
//! either complete with its sidecar, or absent.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::copy::{gather, Strides};
use crate::dtype::{DataOrder, Dtype, Layout};
use crate::error::{show, Error, Result};
use crate::fault;
use crate::io::{AlignedBuf, PAGE};
use crate::output::{check_output_path, OutputInfo};
use crate::platform;
use crate::protect::{parent_dir, ProtectedSet};
use crate::result::ResultBlock;
use crate::sidecar::{sidecar_path, sidecar_text, RecordingParams};
use crate::tempfiles::TempGroup;

/// How a writer opens its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileUse {
    /// A new temporary file beside the output, published by `finish`.
    New,
    /// Created or truncated; removed when dropped unfinished.
    Replace,
    /// Created if missing, written at positions, never truncated or removed.
    Shared,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Open,
    Failed,
    Done,
}

pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    /// The temporary files of a published output (`FileUse::New`).
    group: Option<TempGroup>,
    file: Option<File>,
    order: DataOrder,
    /// Samples order: the result's dtype and column count, fixed by the first
    /// block; before any block, the values used for an empty output.
    dtype: Dtype,
    cols: usize,
    seen_block: bool,
    rows: u64,
    /// Channels order: values written per selected channel.
    channel_lengths: Vec<u64>,
    current_channel: usize,
    state: State,
    scratch: Vec<u8>,
    /// Page-aligned staging, so the kernel copies each write on its fast path.
    stage: AlignedBuf,
    /// File offset of the next write (bytes written so far, unless positioned).
    written: u64,
    /// Remove `tmp` when dropped unfinished. False for a file shared with
    /// other processes (sharded outputs), which the finish step removes.
    owns_file: bool,
    /// The input's sampling rate, written to the sidecar when the output
    /// has this many observations (one result row per input observation).
    rate: Option<(f64, u64)>,
}

/// What a writer that does not publish (a shard's part or region) wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrittenStats {
    /// None when no result was appended.
    pub dtype: Option<Dtype>,
    pub cols: usize,
    /// Samples order: rows appended.
    pub rows: u64,
    /// Channels order: values appended per channel position.
    pub channel_lengths: Vec<u64>,
}

impl Writer {
    /// Starts an output at `path`. In samples order, `n_channels` and `dtype`
    /// describe an output that receives no block; the first block fixes them
    /// otherwise. In channels order, `n_channels` series are expected, one
    /// after another.
    /// `protected` are the files of the input, which the output may not replace.
    pub fn create(path: &Path, order: DataOrder, n_channels: usize, dtype: Dtype, protected: &ProtectedSet) -> Result<Writer> {
        check_output_path(path, protected)?;
        check_channels(order, n_channels)?;
        let group = TempGroup::new(path)?;
        let mut w = Writer::with_file(path, group.path("nbtmp"), FileUse::New, order, n_channels, dtype)?;
        w.group = Some(group);
        Ok(w)
    }

    /// A writer of `file` that never publishes it (see `close`): a shard's
    /// part (`FileUse::Replace`: created or truncated, removed when dropped
    /// unfinished) or the data file all shards write their regions of
    /// (`FileUse::Shared`: created if missing, never truncated or removed).
    /// `output` only names it in messages.
    pub fn unpublished(output: &Path, file: PathBuf, how: FileUse, order: DataOrder, n_channels: usize, dtype: Dtype) -> Result<Writer> {
        Writer::with_file(output, file, how, order, n_channels, dtype)
    }

    fn with_file(path: &Path, tmp: PathBuf, how: FileUse, order: DataOrder, n_channels: usize, dtype: Dtype) -> Result<Writer> {
        check_channels(order, n_channels)?;
        let mut options = File::options();
        match how {
            FileUse::New => options.write(true).create_new(true),
            FileUse::Replace => options.write(true).create(true).truncate(true),
            FileUse::Shared => options.write(true).create(true),
        };
        let file = options.open(&tmp).map_err(|e| Error::io(format!("creating the temporary output {}", show(&tmp)), e))?;
        Ok(Writer {
            path: path.to_path_buf(),
            tmp,
            group: None,
            file: Some(file),
            order,
            dtype,
            cols: n_channels,
            seen_block: false,
            rows: 0,
            channel_lengths: vec![0; if order == DataOrder::Channels { n_channels } else { 0 }],
            current_channel: 0,
            state: State::Open,
            scratch: Vec::new(),
            stage: AlignedBuf::default(),
            written: 0,
            owns_file: how != FileUse::Shared,
            rate: None,
        })
    }

    /// The output's sidecar gets `sampling_rate: rate` if the output ends up
    /// with `n_obs` observations, i.e. keeps the input's time base.
    pub fn set_sampling_rate(&mut self, rate: f64, n_obs: u64) {
        self.rate = Some((rate, n_obs));
    }

    /// The next append writes at byte `offset` of the file (positioned
    /// writes of a shard into the shared data file).
    pub fn seek(&mut self, offset: u64) -> Result<()> {
        use std::io::Seek;
        self.check_open()?;
        let file = self.file.as_mut().expect("open writers have a file");
        if let Err(e) = file.seek(std::io::SeekFrom::Start(offset)) {
            return self.fail(Error::io(format!("seeking in {}", show(&self.tmp)), e));
        }
        self.written = offset;
        Ok(())
    }

    /// Syncs the file and reports what was written, without publishing:
    /// the file stays where it is for the finish step of a sharded output.
    pub fn close(mut self) -> Result<WrittenStats> {
        self.check_open()?;
        let file = self.file.take().expect("open writers have a file");
        if let Err(e) = file.sync_all() {
            return self.fail(Error::io(format!("syncing {}", show(&self.tmp)), e));
        }
        self.state = State::Done;
        Ok(WrittenStats {
            dtype: self.seen_block.then_some(self.dtype),
            cols: self.cols,
            rows: self.rows,
            channel_lengths: std::mem::take(&mut self.channel_lengths),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_open(&self) -> Result<()> {
        match self.state {
            State::Open => Ok(()),
            State::Failed => Err(Error::InvalidArgument(format!("the writer of {} failed earlier; free it", show(&self.path)))),
            State::Done => Err(Error::InvalidArgument(format!("the writer of {} is already finished", show(&self.path)))),
        }
    }

    fn fail<T>(&mut self, e: Error) -> Result<T> {
        self.state = State::Failed;
        Err(e)
    }

    fn check_dtype(&mut self, dtype: Dtype, what: &str) -> Result<()> {
        if self.seen_block && dtype != self.dtype {
            let e =
                Error::ResultMismatch(format!("{what} is {dtype} but earlier results were {}; every result must have one dtype (use cast_dtype)", self.dtype));
            return self.fail(e);
        }
        self.dtype = dtype;
        self.seen_block = true;
        Ok(())
    }

    /// Writes `data` (`rows × cols` of `dtype` in `layout`) row-major.
    fn write_block(&mut self, dtype: Dtype, rows: usize, cols: usize, layout: Layout, data: &[u8]) -> Result<()> {
        let isz = dtype.itemsize();
        let bytes = match layout {
            Layout::ChannelMajor if rows > 1 && cols > 1 => {
                self.scratch.resize(data.len(), 0);
                let idx: Vec<usize> = (0..cols).collect();
                gather(isz, data, Strides { row: 1, col: rows }, &idx, &mut self.scratch, Strides { row: cols, col: 1 }, rows);
                &self.scratch[..]
            }
            _ => data,
        };
        let file = self.file.as_mut().expect("open writers have a file");
        let result = fault::io(fault::Point::WriteData).and_then(|()| {
            if fast_copy(bytes, self.written) {
                file.write_all(bytes)
            } else {
                // Copy through a buffer at the file's in-page offset: the kernel's
                // copy into the page cache ran several times slower from buffers
                // whose address differs from the file offset by 1-31 bytes mod 64.
                write_staged(file, bytes, self.written, &mut self.stage)
            }
        });
        if let Err(e) = result {
            let e = Error::io(format!("writing output {}", show(&self.tmp)), e);
            return self.fail(e);
        }
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Appends a `rows × cols` block to a samples-order output.
    pub fn append(&mut self, dtype: Dtype, rows: usize, cols: usize, layout: Layout, data: &[u8]) -> Result<()> {
        self.check_open()?;
        if self.order != DataOrder::Samples {
            return Err(Error::InvalidArgument("this writer makes a channels-order output: append channel series with append_channel".into()));
        }
        expect_len(dtype, rows, cols, data)?;
        if cols == 0 || cols > crate::select::MAX_CHANNELS {
            let e = if cols == 0 {
                Error::ResultMismatch(format!("a {rows} × 0 block has no columns; a recording needs at least one channel"))
            } else {
                Error::TooManyChannels { n_channels: cols as u64 }
            };
            return self.fail(e);
        }
        if self.seen_block && cols != self.cols {
            let e = Error::ResultMismatch(format!(
                "a result has {cols} columns but earlier results had {}; every result of a multi-channel output must have the same column count",
                self.cols
            ));
            return self.fail(e);
        }
        self.check_dtype(dtype, "a result")?;
        self.cols = cols;
        self.write_block(dtype, rows, cols, layout, data)?;
        self.rows += rows as u64;
        Ok(())
    }

    /// Appends values of the selected channel at `position` to a
    /// channels-order output. Positions must not decrease: each channel's
    /// series is written whole before the next one starts.
    pub fn append_channel(&mut self, position: usize, dtype: Dtype, rows: usize, cols: usize, layout: Layout, data: &[u8]) -> Result<()> {
        self.check_open()?;
        if self.order != DataOrder::Channels {
            return Err(Error::InvalidArgument("this writer makes a samples-order output: append blocks with append".into()));
        }
        expect_len(dtype, rows, cols, data)?;
        if position >= self.channel_lengths.len() || position < self.current_channel {
            let e = Error::InvalidArgument(format!(
                "channel position {position} cannot be appended now: positions run 0..{} in order and position {} was already started",
                self.channel_lengths.len(),
                self.current_channel
            ));
            return self.fail(e);
        }
        self.check_dtype(dtype, &format!("the result for channel position {position}"))?;
        self.current_channel = position;
        self.write_block(dtype, rows, cols, layout, data)?;
        self.channel_lengths[position] += (rows * cols) as u64;
        Ok(())
    }

    pub fn append_result(&mut self, block: &ResultBlock, channel_position: Option<usize>) -> Result<()> {
        self.append_part(block.dtype, block.rows, block.cols, block.bytes(), channel_position)
    }

    fn append_part(&mut self, dtype: Dtype, rows: usize, cols: usize, bytes: &[u8], channel_position: Option<usize>) -> Result<()> {
        match channel_position {
            None => self.append(dtype, rows, cols, Layout::SampleMajor, bytes),
            Some(p) => self.append_channel(p, dtype, rows, cols, Layout::SampleMajor, bytes),
        }
    }

    /// Appends `block` converted to `to`, a few rows at a time, so no
    /// converted copy of the whole block is ever made.
    pub fn append_result_cast(&mut self, block: &ResultBlock, to: Dtype, channel_position: Option<usize>) -> Result<()> {
        if to == block.dtype {
            return self.append_result(block, channel_position);
        }
        let (from_row, to_row) = (block.cols * block.dtype.itemsize(), block.cols * to.itemsize());
        let step = ((1 << 20) / from_row.max(to_row).max(1)).max(1);
        // Converted rows land at the file's in-page offset, so they are written directly.
        let mut stage = std::mem::take(&mut self.stage);
        let mut result = Ok(());
        for r0 in (0..block.rows).step_by(step) {
            let n = step.min(block.rows - r0);
            let at = (self.written % PAGE as u64) as usize;
            let buf = match stage.ensure(PAGE + n * to_row) {
                Ok(b) => b,
                Err(e) => {
                    result = self.fail(Error::io("allocating the cast buffer", e));
                    break;
                }
            };
            let dst = &mut buf[at..at + n * to_row];
            crate::result::cast_values(block.dtype, &block.bytes()[r0 * from_row..(r0 + n) * from_row], to, dst);
            result = self.append_part(to, n, block.cols, &stage.bytes()[at..at + n * to_row], channel_position);
            if result.is_err() {
                break;
            }
        }
        if block.rows == 0 {
            result = self.append_part(to, 0, block.cols, &[], channel_position);
        }
        self.stage = stage;
        result
    }

    /// Publishes the output: data and sidecar are synced, the sidecar is
    /// renamed into place, then the data (the commit). An existing output of
    /// the same name is removed first, so a data file never sits beside a
    /// sidecar that does not describe it.
    pub fn finish(mut self) -> Result<OutputInfo> {
        self.check_open()?;
        let (n_channels, n_obs) = match self.order {
            DataOrder::Samples => (self.cols, self.rows),
            DataOrder::Channels => {
                let first = self.channel_lengths[0];
                if let Some((p, &len)) = self.channel_lengths.iter().enumerate().find(|(_, &l)| l != first) {
                    let e = Error::ResultMismatch(format!(
                        "channel position {p} has {len} values but position 0 has {first}; every channel of a single-channel output must have the same length"
                    ));
                    return self.fail(e);
                }
                (self.channel_lengths.len(), first)
            }
        };
        if n_channels == 0 {
            let e = Error::ResultMismatch("results with 0 columns cannot make a recording".into());
            return self.fail(e);
        }
        let params = RecordingParams { dtype: self.dtype, n_channels, data_order: self.order };
        let rate = self.rate.filter(|&(_, n)| n == n_obs).map(|(r, _)| r);
        match self.publish(&params, rate) {
            Ok(()) => {
                self.state = State::Done;
                Ok(OutputInfo { path: self.path.clone(), params, n_observations: n_obs, skipped: false })
            }
            Err(e) => self.fail(e),
        }
    }

    fn publish(&mut self, params: &RecordingParams, rate: Option<f64>) -> Result<()> {
        let file = self.file.take().expect("open writers have a file");
        file.sync_all().map_err(|e| Error::io(format!("syncing {}", show(&self.tmp)), e))?;
        drop(file);
        let group = self.group.as_ref().expect("published writers have a temporary group");
        publish(group, &self.tmp, &self.path, params, rate)
    }

    /// Drops the output: the temporary file is removed, nothing is published.
    pub fn abandon(self) {}
}

/// Publishes the synced data file `data` as `output`, with the sidecar for
/// `params` (which records the data's size, so a reader refuses a data file
/// and a sidecar that do not belong together). The protocol (docs/reliability.md):
///
/// 1. the new sidecar is written and synced under a temporary name of `group`;
///    an existing sidecar is kept under another (a hard link, or a copy);
/// 2. the new sidecar is renamed over the old one;
/// 3. the data is renamed over the old data: the commit;
/// 4. the directory is synced; the group's leftovers are removed when it drops.
///
/// A failure in 1 or 2 changes nothing. A failure in 3 puts the old sidecar
/// back, so the previous output and its sidecar stay byte-identical. Each
/// rename replaces its target in one step: there is never a moment with no
/// file at `output`.
pub fn publish(group: &TempGroup, data: &Path, output: &Path, params: &RecordingParams, rate: Option<f64>) -> Result<()> {
    let yaml = sidecar_path(output);
    let yaml_tmp = group.path("yaml.nbtmp");
    let data_bytes = std::fs::metadata(data).map_err(|e| Error::io(format!("reading the size of {}", show(data)), e))?.len();
    let written = (|| {
        let mut f = File::options().write(true).create_new(true).open(&yaml_tmp)?;
        f.write_all(sidecar_text(params, rate, data_bytes).as_bytes())?;
        f.sync_all()
    })();
    written.map_err(|e| Error::io(format!("writing the sidecar {}", show(&yaml_tmp)), e))?;
    let backup = if std::fs::symlink_metadata(&yaml).is_ok() {
        let b = group.path("yaml.nbold");
        std::fs::hard_link(&yaml, &b)
            .or_else(|_| std::fs::copy(&yaml, &b).map(|_| ()))
            .map_err(|e| Error::io(format!("keeping the previous sidecar {} while publishing", show(&yaml)), e))?;
        Some(b)
    } else {
        None
    };
    fault::io(fault::Point::PublishSidecar).and_then(|()| platform::replace_file(&yaml_tmp, &yaml)).map_err(|e| {
        Error::io(format!("publishing the sidecar {} (nothing was changed: the previous output and its sidecar are as they were)", show(&yaml)), e)
    })?;
    if let Err(e) = fault::io(fault::Point::PublishData).and_then(|()| platform::replace_file(data, output)) {
        let restored = fault::io(fault::Point::RestoreSidecar).and_then(|()| match &backup {
            Some(b) => platform::replace_file(b, &yaml),
            None => std::fs::remove_file(&yaml),
        });
        let outcome = match restored {
            Ok(()) => "the previous output and its sidecar are as they were".to_string(),
            Err(r) => format!(
                "putting the previous sidecar back failed too ({r}): {} now describes the unpublished data, and readers refuse it beside the old data; run again",
                show(&yaml)
            ),
        };
        return Err(Error::io(format!("publishing {} ({outcome})", show(output)), e));
    }
    platform::sync_dir(parent_dir(output));
    Ok(())
}

fn check_channels(order: DataOrder, n_channels: usize) -> Result<()> {
    if n_channels == 0 {
        let what = match order {
            DataOrder::Channels => "the number of channel series",
            DataOrder::Samples => "the channel count of an output that receives no block",
        };
        return Err(Error::InvalidArgument(format!("n_channels is 0: it is {what} and must be at least 1")));
    }
    if n_channels > crate::select::MAX_CHANNELS {
        return Err(Error::TooManyChannels { n_channels: n_channels as u64 });
    }
    Ok(())
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.file = None;
        if self.state != State::Done && self.owns_file && self.group.is_none() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        // A group removes its own files (what was not renamed into place).
        self.group = None;
    }
}

/// Whether the kernel copies `bytes` into the page cache at file offset
/// `pos` on its fast path: (address - offset) mod 64 is 0 or at least 32
/// (measured on this project's machines; see io.rs).
fn fast_copy(bytes: &[u8], pos: u64) -> bool {
    let d = (bytes.as_ptr() as usize as u64).wrapping_sub(pos) % 64;
    d == 0 || d >= 32
}

/// Writes `bytes` (at file offset `pos`) through `stage`, 1 MiB at a time,
/// each piece placed at the file's in-page offset.
fn write_staged(file: &mut File, bytes: &[u8], pos: u64, stage: &mut AlignedBuf) -> std::io::Result<()> {
    let mut pos = pos;
    for piece in bytes.chunks(1 << 20) {
        let at = (pos % PAGE as u64) as usize;
        let buf = stage.ensure(PAGE + piece.len())?;
        buf[at..at + piece.len()].copy_from_slice(piece);
        file.write_all(&buf[at..at + piece.len()])?;
        pos += piece.len() as u64;
    }
    Ok(())
}

fn expect_len(dtype: Dtype, rows: usize, cols: usize, data: &[u8]) -> Result<()> {
    let need = rows.checked_mul(cols).and_then(|n| n.checked_mul(dtype.itemsize()));
    if need != Some(data.len()) {
        return Err(Error::InvalidArgument(format!(
            "a {rows} × {cols} block of {dtype} takes {} bytes, got {}",
            rows.saturating_mul(cols).saturating_mul(dtype.itemsize()),
            data.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn finish_publishes_data_and_sidecar_drop_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.bin");
        let mut w = Writer::create(&out, DataOrder::Samples, 3, Dtype::I16, &ProtectedSet::default()).unwrap();
        w.append(Dtype::I16, 1, 2, Layout::SampleMajor, &[1, 0, 2, 0]).unwrap();
        assert_eq!(ls(dir.path()).len(), 2, "only the temporary file and its lock");
        drop(w);
        assert!(ls(dir.path()).is_empty());

        let mut w = Writer::create(&out, DataOrder::Samples, 3, Dtype::I16, &ProtectedSet::default()).unwrap();
        w.append(Dtype::I16, 2, 2, Layout::ChannelMajor, &[1, 0, 3, 0, 2, 0, 4, 0]).unwrap();
        assert!(w.append(Dtype::I16, 1, 3, Layout::SampleMajor, &[0; 6]).is_err());
        assert!(w.append(Dtype::I16, 1, 2, Layout::SampleMajor, &[0; 4]).is_err(), "failed writers stay failed");
        drop(w);
        assert!(ls(dir.path()).is_empty());

        let mut w = Writer::create(&out, DataOrder::Samples, 3, Dtype::I16, &ProtectedSet::default()).unwrap();
        w.append(Dtype::I16, 2, 2, Layout::ChannelMajor, &[1, 0, 3, 0, 2, 0, 4, 0]).unwrap();
        let info = w.finish().unwrap();
        assert_eq!((info.params.n_channels, info.n_observations), (2, 2));
        assert_eq!(std::fs::read(&out).unwrap(), vec![1, 0, 2, 0, 3, 0, 4, 0]);
        assert_eq!(std::fs::read_to_string(dir.path().join("o.yaml")).unwrap(), "data_bytes: 8\ndata_order: samples\ndtype: int16\nn_channels: 2\n");
        assert_eq!(ls(dir.path()), vec!["o.bin", "o.yaml"]);
    }

    #[test]
    fn channels_order_needs_equal_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.bin");
        let mut w = Writer::create(&out, DataOrder::Channels, 2, Dtype::U8, &ProtectedSet::default()).unwrap();
        w.append_channel(0, Dtype::U8, 3, 1, Layout::SampleMajor, &[1, 2, 3]).unwrap();
        w.append_channel(1, Dtype::U8, 2, 1, Layout::SampleMajor, &[4, 5]).unwrap();
        assert!(w.append_channel(0, Dtype::U8, 1, 1, Layout::SampleMajor, &[9]).is_err());
        drop(w);
        let mut w = Writer::create(&out, DataOrder::Channels, 2, Dtype::U8, &ProtectedSet::default()).unwrap();
        w.append_channel(0, Dtype::U8, 3, 1, Layout::SampleMajor, &[1, 2, 3]).unwrap();
        w.append_channel(1, Dtype::U8, 2, 1, Layout::SampleMajor, &[4, 5]).unwrap();
        let e = w.finish().unwrap_err().to_string();
        assert!(e.contains("position 1 has 2 values"), "{e}");
        assert!(ls(dir.path()).is_empty());
    }
}
