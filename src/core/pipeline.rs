//! Pipelines: steps chained on one input, each reading the previous step's
//! output through its sidecar (docs/yass.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::apply::{apply, ApplyOptions, BatchFn, Mode, ProgressFn};
use crate::dtype::Dtype;
use crate::error::{show, Error, Result};
use crate::output::{check_output_path, IfExists, OutputInfo};
use crate::plan::{BatchOptions, Traversal};
use crate::protect::Location;
use crate::reader::{OpenOptions, Reader};
use crate::select::ChannelSel;
use crate::sidecar::sidecar_path;

/// How a step traverses its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMode {
    /// Every batch is all observations of one channel.
    SingleChannelOneBatch,
    /// Batches of one channel, split to respect max_memory.
    SingleChannel,
    /// Batches of every selected channel.
    MultiChannel,
}

impl StepMode {
    pub fn parse(name: &str) -> Result<StepMode> {
        match name {
            "single_channel_one_batch" => Ok(StepMode::SingleChannelOneBatch),
            "single_channel" => Ok(StepMode::SingleChannel),
            "multi_channel" => Ok(StepMode::MultiChannel),
            other => Err(Error::InvalidArgument(format!(
                "unknown pipeline mode '{other}': expected 'single_channel_one_batch', 'single_channel' or 'multi_channel'"
            ))),
        }
    }

    fn traversal(self) -> Traversal {
        match self {
            StepMode::SingleChannelOneBatch => Traversal::SingleChannel { force_complete: true },
            StepMode::SingleChannel => Traversal::SingleChannel { force_complete: false },
            StepMode::MultiChannel => Traversal::MultiChannel,
        }
    }
}

pub struct Step<'a> {
    pub f: &'a BatchFn<'a>,
    pub output_name: PathBuf,
    pub mode: StepMode,
    /// false: this step's output is deleted once the next step has consumed it
    /// (the last step's output is always kept).
    pub keep: bool,
    pub if_exists: IfExists,
    pub cast: Option<Dtype>,
}

/// One step's output after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutput {
    pub info: OutputInfo,
    /// false when `keep = false` removed it after the next step consumed it.
    pub kept: bool,
}

#[derive(Debug, Default)]
pub struct PipelineOutcome {
    /// Outputs of the steps that ran, in order.
    pub outputs: Vec<StepOutput>,
    /// A callback returned this positive value; the step stopped wrote nothing
    /// and later steps did not run.
    pub stopped: Option<i32>,
}

/// Runs `steps` on `input`. The time range and channel selection of
/// `batch_opts` apply to the first step only; max_memory, buffer and layout
/// to every step. Every step is validated before the first one runs.
pub fn run_pipeline(
    input: &Path,
    open: &OpenOptions,
    output_dir: &Path,
    batch_opts: &BatchOptions,
    steps: &[Step<'_>],
    n_threads: usize,
    mut progress: Option<&mut ProgressFn<'_>>,
) -> Result<PipelineOutcome> {
    if steps.is_empty() {
        return Err(Error::InvalidArgument("a pipeline needs at least one step".into()));
    }
    if !output_dir.is_dir() {
        return Err(Error::BadOutputPath { path: show(output_dir), reason: "the output directory does not exist".into() });
    }
    let first = Arc::new(Reader::open(input, open)?);
    let paths: Vec<PathBuf> = steps.iter().map(|s| output_dir.join(&s.output_name)).collect();
    // Where each step's output and sidecar land, compared by identity: two
    // spellings of one file (`./sub/../x.dat`, a link) are one output.
    let mut taken: Vec<(usize, Location)> = Vec::new();
    for (k, path) in paths.iter().enumerate() {
        if steps[k].output_name.as_os_str().is_empty() {
            return Err(Error::BadOutputPath { path: show(path), reason: format!("step {k} has an empty output name") });
        }
        check_output_path(path, first.protected())?;
        for p in [path.clone(), sidecar_path(path)] {
            let here = Location::of(&p).map_err(|e| Error::io(format!("resolving the output {}", show(&p)), e))?;
            if let Some((j, _)) = taken.iter().find(|(_, l)| l.same(&here)) {
                return Err(Error::BadOutputPath { path: show(path), reason: format!("steps {j} and {k} would write the same output or sidecar") });
            }
            taken.push((k, here));
        }
        if steps[k].if_exists == IfExists::Abort && std::fs::symlink_metadata(path).is_ok() {
            return Err(Error::FileExists(show(path)));
        }
    }
    // The first step's plan is checked now; later inputs do not exist yet.
    crate::plan::Plan::new(&first, &BatchOptions { traversal: steps[0].mode.traversal(), ..batch_opts.clone() })?;

    let mut outcome = PipelineOutcome::default();
    let mut reader = first;
    for (k, step) in steps.iter().enumerate() {
        let opts = if k == 0 {
            BatchOptions { traversal: step.mode.traversal(), ..batch_opts.clone() }
        } else {
            BatchOptions { from: None, to: None, channels: ChannelSel::All, traversal: step.mode.traversal(), ..batch_opts.clone() }
        };
        let apply_opts = ApplyOptions {
            shard: None,
            shard_run: None,
            mode: Mode::Disk { path: paths[k].clone(), if_exists: step.if_exists },
            cast: step.cast,
            pass_batch_results: false,
            n_threads,
        };
        let result = apply(&reader, &opts, &apply_opts, Some(step.f), None, progress.as_deref_mut())?;
        if let Some(code) = result.stopped {
            outcome.stopped = Some(code);
            return Ok(outcome);
        }
        let info = result.output.expect("disk mode yields an output");
        // The previous step's output has now been consumed.
        if k > 0 {
            let prev = &mut outcome.outputs[k - 1];
            if !steps[k - 1].keep && !prev.info.skipped {
                remove_output(&prev.info.path)?;
                prev.kept = false;
            }
        }
        reader = Arc::new(Reader::open(&info.path, &OpenOptions { loader: open.loader, ..Default::default() })?);
        outcome.outputs.push(StepOutput { info, kept: true });
    }
    Ok(outcome)
}

fn remove_output(path: &Path) -> Result<()> {
    for p in [path.to_path_buf(), sidecar_path(path)] {
        std::fs::remove_file(&p).map_err(|e| Error::io(format!("removing the intermediate output {}", show(&p)), e))?;
    }
    Ok(())
}
