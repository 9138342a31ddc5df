//! Sharded applies: shard k of n runs a contiguous, balanced range of one
//! plan's batches, so any launcher (MPI, Slurm job arrays, a shell loop) can
//! split a job without the shards talking to each other; one `finish`
//! assembles the output afterwards.
//!
//! Every piece lives hidden beside the output, named from the output path,
//! the run and the shard count, so every process of a run finds them and
//! pieces of different runs never mix:
//!
//! - `.NAME.nbshard-RUN-N.data`: with `ShardOutput::SameRows`, the data file
//!   every shard writes its region of, at offsets computed from the plan;
//!   with `ShardOutput::Parts`, the concatenation made by `finish`.
//! - `.NAME.nbshard-RUN-N-K.part`: with `Parts`, shard K's results in order.
//! - `.NAME.nbshard-RUN-N-K.done`: shard K's manifest, written last (synced,
//!   renamed into place) when the shard completed: what it wrote, and the
//!   identity of the input and options it ran with.
//!
//! RUN is the run id the caller gave, or one every shard derives alike from
//! the input files' identities and sizes, the output's location, the shard
//! count and the options: a rerun of the same job is the same run (and
//! replaces its pieces), another job is another run.
//!
//! `finish` checks that all N manifests of the run exist and agree,
//! assembles and publishes the output with its sidecar (atomically, as a
//! single-process apply), and removes the run's pieces; on any failure it
//! removes them all, so no partial output is ever visible. It never touches
//! another run's pieces. `abort` removes a run's pieces.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dtype::{DataOrder, Dtype};
use crate::error::{show, Error, Result};
use crate::output::OutputInfo;
use crate::protect::parent_dir;
use crate::sidecar::RecordingParams;
use crate::tempfiles::{short_stem, TempGroup};
use crate::writer::{publish, WrittenStats};

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn new(index: u64, count: u64) -> Result<Shard> {
        if count == 0 || index >= count {
            return Err(Error::InvalidArgument(format!("shard {index} of {count}: expected shard_count >= 1 and 0 <= shard_index < shard_count")));
        }
        Ok(Shard { index, count })
    }

    /// This shard's batches of a plan of `n_batches`: contiguous, and sizes
    /// differing by at most one between shards.
    pub fn batches(&self, n_batches: u64) -> Range<u64> {
        let at = |k: u64| (k as u128 * n_batches as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// How shards write a disk output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ShardOutput {
    /// Each shard writes its results to a part of its own; `finish`
    /// concatenates the parts in order. Results may have any size.
    #[default]
    Parts,
    /// Every result has exactly its batch's own rows (multi-channel) or
    /// values (single-channel), so its place in the output is known from the
    /// plan: shards write straight into one shared file; `finish` only
    /// checks and renames it.
    SameRows,
}

/// A run id as the caller may give it: 1 to 64 ASCII letters, digits or `_`
/// (it becomes part of file names).
pub fn check_run_id(run: &str) -> Result<()> {
    if run.is_empty() || run.len() > 64 || !run.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(Error::InvalidArgument(format!("shard run id '{run}': expected 1 to 64 ASCII letters, digits or '_'")));
    }
    Ok(())
}

/// A run id every shard of one job derives alike, without talking: a
/// 64-bit FNV-1a hash of `parts` (input identity, output location, shard
/// count, options), in hex.
pub fn derive_run_id(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.join("\u{1f}").bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The hidden pieces of one run of a sharded output.
#[derive(Clone, Debug)]
pub struct ShardFiles {
    pub output: PathBuf,
    pub count: u64,
    pub run: String,
}

/// Room a piece name needs beyond the output's name.
const PIECE_ROOM: usize = 1 + ".nbshard-".len() + 64 + 2 * 21 + ".done".len();

impl ShardFiles {
    pub fn new(output: &Path, count: u64, run: &str) -> ShardFiles {
        ShardFiles { output: output.to_path_buf(), count, run: run.to_string() }
    }
    fn prefix(output: &Path) -> String {
        format!(".{}.nbshard-", short_stem(output, PIECE_ROOM))
    }
    fn named(&self, suffix: &str) -> PathBuf {
        parent_dir(&self.output).join(format!("{}{}-{}{suffix}", Self::prefix(&self.output), self.run, self.count))
    }
    pub fn data(&self) -> PathBuf {
        self.named(".data")
    }
    pub fn part(&self, k: u64) -> PathBuf {
        self.named(&format!("-{k}.part"))
    }
    pub fn manifest(&self, k: u64) -> PathBuf {
        self.named(&format!("-{k}.done"))
    }

    /// Removes every piece of this run; missing ones are fine.
    pub fn remove_all(&self) {
        for k in 0..self.count {
            let _ = std::fs::remove_file(self.part(k));
            let _ = std::fs::remove_file(self.manifest(k));
        }
        let _ = std::fs::remove_file(self.data());
    }

    /// The runs of `count` shards whose pieces lie beside `output`.
    pub fn runs(output: &Path, count: u64) -> Vec<String> {
        let prefix = Self::prefix(output);
        let mut runs: Vec<String> = std::fs::read_dir(parent_dir(output))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|name| {
                let rest = name.strip_prefix(&prefix)?;
                let (run, tail) = rest.split_once('-')?;
                let n = tail.split(['-', '.']).next()?;
                (n == count.to_string()).then(|| run.to_string())
            })
            .collect();
        runs.sort();
        runs.dedup();
        runs
    }
}

/// What a completed shard wrote; the `.done` file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub shard: u64,
    pub shard_count: u64,
    /// `parts` or `same_rows`.
    pub output: String,
    /// Batches `[batch_start, batch_stop)` of `n_batches`.
    pub batch_start: u64,
    pub batch_stop: u64,
    pub n_batches: u64,
    /// `samples` (multi-channel) or `channels` (single-channel).
    pub data_order: String,
    /// Absent when the shard produced no result.
    pub dtype: Option<String>,
    pub n_cols: u64,
    /// Samples order: rows written.
    pub rows: u64,
    /// Channels order: values written per channel position.
    pub channel_lengths: Vec<u64>,
    /// The input's sampling rate and the observations an output must have
    /// to keep it (see `Writer::set_sampling_rate`).
    #[serde(default)]
    pub sampling_rate: Option<f64>,
    #[serde(default)]
    pub rate_observations: u64,
    /// The run, and what identifies its input and options: every shard of
    /// a run must agree on them.
    #[serde(default)]
    pub run: String,
    #[serde(default)]
    pub input: String,
    #[serde(default)]
    pub options: String,
}

impl Manifest {
    pub fn new(shard: Shard, how: ShardOutput, batches: Range<u64>, n_batches: u64, order: DataOrder, stats: &WrittenStats) -> Manifest {
        Manifest {
            shard: shard.index,
            shard_count: shard.count,
            output: match how {
                ShardOutput::Parts => "parts",
                ShardOutput::SameRows => "same_rows",
            }
            .into(),
            batch_start: batches.start,
            batch_stop: batches.end,
            n_batches,
            data_order: order.name().into(),
            dtype: stats.dtype.map(|d| d.name().into()),
            n_cols: stats.cols as u64,
            rows: stats.rows,
            channel_lengths: stats.channel_lengths.clone(),
            sampling_rate: None,
            rate_observations: 0,
            run: String::new(),
            input: String::new(),
            options: String::new(),
        }
    }

    /// Writes it to a temporary name, syncs it and renames it into place.
    pub fn write(&self, files: &ShardFiles) -> Result<()> {
        let path = files.manifest(self.shard);
        let tmp = path.with_extension("done-new");
        let text = serde_yaml_ng::to_string(self).expect("a manifest always serialises");
        let written = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(format!("writing the shard manifest {}", show(&path)), e)
        })
    }

    fn read(files: &ShardFiles, k: u64) -> Result<Manifest> {
        let path = files.manifest(k);
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(Error::ShardIncomplete(format!(
                "shard {k} of {} (run {}) did not complete: its manifest {} does not exist (the shard failed, stopped, or has not run)",
                files.count,
                files.run,
                show(&path)
            )));
        }
        let text = crate::io::read_text(&path, "shard manifest", 1 << 20)?;
        serde_yaml_ng::from_str(&text).map_err(|e| Error::ShardIncomplete(format!("the shard manifest {} is unreadable: {e}", show(&path))))
    }
}

/// Assembles and publishes the output of the `count` completed shards of
/// `run` (None: the only run whose pieces are present); on any failure
/// removes every piece of that run and reports what was wrong. Pieces of
/// other runs are never touched.
pub fn finish(output: &Path, count: u64, run: Option<&str>) -> Result<OutputInfo> {
    if count == 0 {
        return Err(Error::InvalidArgument("shard_count must be at least 1, got 0".into()));
    }
    let run = match run {
        Some(r) => {
            check_run_id(r)?;
            r.to_string()
        }
        None => the_only_run(output, count)?,
    };
    let files = ShardFiles::new(output, count, &run);
    let outcome = assemble(&files);
    files.remove_all();
    outcome
}

/// Removes every piece of `run` (None: of every run of `count` shards) of
/// a sharded output, after a failed shard.
pub fn abort(output: &Path, count: u64, run: Option<&str>) -> Result<()> {
    let runs = match run {
        Some(r) => {
            check_run_id(r)?;
            vec![r.to_string()]
        }
        None => ShardFiles::runs(output, count),
    };
    for r in runs {
        ShardFiles::new(output, count, &r).remove_all();
    }
    Ok(())
}

fn the_only_run(output: &Path, count: u64) -> Result<String> {
    let mut runs = ShardFiles::runs(output, count);
    match runs.len() {
        1 => Ok(runs.remove(0)),
        0 => Err(Error::ShardIncomplete(format!("no shard of {} ({count} shards) has left any piece: none completed", show(output)))),
        _ => Err(Error::InvalidArgument(format!(
            "pieces of {} runs of {} ({count} shards) are present: {}; say which run to finish (the shard_run_id the shards were given), and abort the others",
            runs.len(),
            show(output),
            runs.join(", ")
        ))),
    }
}

fn assemble(files: &ShardFiles) -> Result<OutputInfo> {
    let manifests = (0..files.count).map(|k| Manifest::read(files, k)).collect::<Result<Vec<_>>>()?;
    let first = &manifests[0];
    let mismatch = |what: String| Err(Error::ShardIncomplete(format!("the shards of {} (run {}) disagree: {what}", show(&files.output), files.run)));
    for (k, m) in manifests.iter().enumerate() {
        if m.run != files.run {
            return mismatch(format!("manifest {k} belongs to run '{}'", m.run));
        }
        if m.input != first.input {
            return mismatch(format!("shard {k} read other input files ({}) than shard 0 ({})", m.input, first.input));
        }
        if m.options != first.options {
            return mismatch(format!("shard {k} ran with other options than shard 0"));
        }
    }
    let mut next = 0;
    let mut dtype: Option<String> = None;
    let mut n_cols = None;
    for (k, m) in manifests.iter().enumerate() {
        if m.shard != k as u64 || m.shard_count != files.count {
            return mismatch(format!("manifest {k} says shard {} of {}", m.shard, m.shard_count));
        }
        if (m.output.as_str(), m.data_order.as_str(), m.n_batches) != (first.output.as_str(), first.data_order.as_str(), first.n_batches) {
            return mismatch(format!(
                "shard {k} ran {} / {} / {} batches, shard 0 {} / {} / {} batches",
                m.output, m.data_order, m.n_batches, first.output, first.data_order, first.n_batches
            ));
        }
        if m.batch_start != next {
            return mismatch(format!("shard {k} covers batches from {}, expected {next}", m.batch_start));
        }
        next = m.batch_stop;
        if let Some(d) = &m.dtype {
            if dtype.get_or_insert_with(|| d.clone()) != d {
                return Err(Error::ResultMismatch(format!("shard {k}'s results are {d}, earlier shards' {}", dtype.unwrap_or_default())));
            }
            if m.data_order == "samples" && *n_cols.get_or_insert(m.n_cols) != m.n_cols {
                return Err(Error::ResultMismatch(format!("shard {k}'s results have {} columns, earlier shards' {}", m.n_cols, n_cols.unwrap_or_default())));
            }
        }
    }
    if next != first.n_batches {
        return mismatch(format!("the shards cover batches up to {next} of {}", first.n_batches));
    }
    let order = DataOrder::parse(&first.data_order)?;
    let dtype = match dtype {
        Some(d) => Dtype::parse(&d)?,
        None => return Err(Error::ResultMismatch("no shard produced a result: an output needs at least one".into())),
    };
    let (n_channels, n_obs) = match order {
        DataOrder::Samples => (n_cols.unwrap_or(0) as usize, manifests.iter().map(|m| m.rows).sum::<u64>()),
        DataOrder::Channels => {
            let mut lengths = vec![0u64; first.channel_lengths.len()];
            for m in &manifests {
                for (l, add) in lengths.iter_mut().zip(&m.channel_lengths) {
                    *l += add;
                }
            }
            if let Some((p, &len)) = lengths.iter().enumerate().find(|(_, &l)| l != lengths[0]) {
                return Err(Error::ResultMismatch(format!(
                    "channel position {p} has {len} values but position 0 has {}; every channel of a single-channel output must have the same length",
                    lengths[0]
                )));
            }
            (lengths.len(), lengths[0])
        }
    };
    if n_channels == 0 {
        return Err(Error::ResultMismatch("results with 0 columns cannot make a recording".into()));
    }
    let data = files.data();
    let io = |what: String| move |e| Error::io(what, e);
    if first.output == "parts" {
        // Concatenate the parts in shard order (copy_file_range underneath).
        let mut out = std::fs::File::create(&data).map_err(io(format!("creating {}", show(&data))))?;
        for k in 0..files.count {
            let part = files.part(k);
            let mut src = std::fs::File::open(&part).map_err(io(format!("opening the shard part {}", show(&part))))?;
            std::io::copy(&mut src, &mut out).map_err(io(format!("copying the shard part {}", show(&part))))?;
        }
        out.sync_all().map_err(io(format!("syncing {}", show(&data))))?;
    } else if !data.exists() {
        return Err(Error::ShardIncomplete(format!("the shared data file {} is missing", show(&data))));
    }
    let want = n_obs * n_channels as u64 * dtype.itemsize() as u64;
    let have = std::fs::metadata(&data).map_err(io(format!("reading the size of {}", show(&data))))?.len();
    if have != want {
        return Err(Error::ShardIncomplete(format!(
            "{} holds {have} bytes, the shards' manifests account for {want} ({n_obs} observations × {n_channels} channels of {dtype})",
            show(&data)
        )));
    }
    let params = RecordingParams { dtype, n_channels, data_order: order };
    let rate = first.sampling_rate.filter(|_| first.rate_observations == n_obs);
    let group = TempGroup::new(&files.output)?;
    publish(&group, &data, &files.output, &params, rate)?;
    Ok(OutputInfo { path: files.output.clone(), params, n_observations: n_obs, skipped: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_contiguous_and_balanced() {
        for n in [0u64, 1, 2, 5, 7, 100, 101] {
            for count in 1..=9 {
                let ranges: Vec<_> = (0..count).map(|k| Shard::new(k, count).unwrap().batches(n)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[count as usize - 1].end, n);
                for w in ranges.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let sizes: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
                assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{n} over {count}: {sizes:?}");
            }
        }
        assert!(Shard::new(3, 3).is_err());
        assert!(Shard::new(0, 0).is_err());
        assert_eq!(Shard::new(3, 4).unwrap().batches(u64::MAX).end, u64::MAX);
    }
}
