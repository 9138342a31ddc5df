//! `neurobatch convert` and `neurobatch cat`: one job, reading one file or a
//! session of several, written through the library's convert (an apply
//! without a function, to disk): streamed, and complete with its sidecar or
//! absent.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use neurobatch_core::apply::{apply, ApplyOptions, Mode};
use neurobatch_core::error::show;
use neurobatch_core::output::{check_output_path, resolve_existing, IfExists};
use neurobatch_core::{BatchOptions, ChannelSel, DataOrder, Dtype, Error, Plan, Reader, Traversal};

use crate::args::{InputArgs, OutputArgs};
use crate::exit::{Failure, FAILED};
use crate::info::{count, duration};
use crate::print;
use crate::progress::Progress;

pub struct Job<'a> {
    /// `convert` or `cat`.
    pub name: &'static str,
    pub inputs: &'a [PathBuf],
    pub output: &'a Path,
    pub out: &'a OutputArgs,
    pub input: &'a InputArgs,
}

pub fn run(job: &Job<'_>) -> Result<(), Failure> {
    let opts = job.input.open_options();
    let reader = Arc::new(Reader::open_session(job.inputs, &opts)?);
    // Messages name the file as given (a structure.oebin rather than its continuous.dat).
    let named = job.inputs[0].as_path();
    let out = job.out;
    let channels = if out.neural {
        ChannelSel::List(neural_channels(&reader, named)?)
    } else if let Some(spec) = &out.channels {
        ChannelSel::List(spec.resolve(reader.n_channels(), named)?)
    } else {
        ChannelSel::All
    };
    let (from, to) = sample_range(&reader, out, named)?;
    if out.uv {
        reader.metadata().scales_uv(reader.path()).map_err(|e| Error::NoMetadata(format!("--uv asks for microvolts, but {e}")))?;
    }
    let order = out.order.unwrap_or(reader.data_order());
    let traversal = match order {
        DataOrder::Samples => Traversal::MultiChannel,
        // The library writes a channels-order output from one channel at a time.
        DataOrder::Channels => Traversal::SingleChannel { force_complete: false },
    };
    let batches = BatchOptions { max_memory: out.max_memory, from: Some(from), to: Some(to), channels, traversal, microvolts: out.uv, ..Default::default() };
    let plan = Plan::new(&reader, &batches)?;
    let out_dtype = out.dtype.unwrap_or(if out.uv { Dtype::F32 } else { reader.dtype() });
    // The same checks as the run, so a dry run fails where the run would.
    check_output_path(job.output, reader.protected())?;
    let if_exists = if out.overwrite { IfExists::Overwrite } else { IfExists::Abort };
    // A dry run still shows its plan over an existing output, and says what the run would do.
    let exists_note = match resolve_existing(job.output, if_exists) {
        Err(Error::FileExists(_)) if out.dry_run => Some(format!("{} exists: the run would stop (exit 3) unless --overwrite is given", show(job.output))),
        other => other.map(|_| None)?,
    };

    let n_sel = plan.channels.len() as u64;
    let out_bytes = (to - from) * n_sel * out_dtype.itemsize() as u64;
    let width = if plan.is_multi_channel() { n_sel } else { 1 };
    if out.dry_run {
        print::out(&plan_text(job, &reader, &plan, out_dtype, order, out_bytes));
        if let Some(note) = exists_note {
            print::out(&format!("note: {note}"));
        }
        return Ok(());
    }
    let batch_out_bytes = plan.rows_per_batch * width * out_dtype.itemsize() as u64;
    let mut progress = Progress::new(format!("neurobatch: writing {}", show(job.output)), out.quiet, out_bytes, batch_out_bytes);
    let mut report = |done: u64, total: u64| progress.update(done, total);
    let apply_opts =
        ApplyOptions { mode: Mode::Disk { path: job.output.to_path_buf(), if_exists }, cast: out.dtype, n_threads: out.threads as usize, ..Default::default() };
    let outcome = apply(&reader, &batches, &apply_opts, None, None, Some(&mut report));
    progress.finish();
    let written = outcome?.output.ok_or_else(|| Failure { code: FAILED, message: "the library reported no output".into() })?;
    if !out.quiet {
        let p = written.params;
        print::out(&format!(
            "wrote {} and {}: {} × {} of {}, {} order ({} bytes)",
            show(&written.path),
            show(&neurobatch_core::sidecar_path(&written.path)),
            count_u64(written.n_observations, "observation", "observations"),
            count(p.n_channels, "channel", "channels"),
            p.dtype,
            p.data_order,
            out_bytes
        ));
    }
    Ok(())
}

fn count_u64(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The channels the metadata calls neural (wideband, AP or LF).
fn neural_channels(reader: &Reader, named: &Path) -> Result<Vec<usize>, Failure> {
    let kinds = reader.metadata().kinds(reader.path()).map_err(|e| Failure::from(Error::NoMetadata(format!("--neural needs the channel kinds, but {e}"))))?;
    let neural: Vec<usize> = kinds.iter().enumerate().filter(|(_, k)| k.is_neural()).map(|(i, _)| i).collect();
    if neural.is_empty() {
        let mut names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        names.dedup();
        return Err(Failure { code: FAILED, message: format!("--neural: {} has no neural channels (its channels are {})", show(named), names.join(", ")) });
    }
    Ok(neural)
}

/// --from and --to in samples, checked against the recording.
fn sample_range(reader: &Reader, out: &OutputArgs, named: &Path) -> Result<(u64, u64), Failure> {
    let rate = reader.metadata().sampling_rate;
    let n_obs = reader.n_observations();
    let at = |option: &str, t: &Option<crate::spec::TimeSpec>, default: u64| -> Result<(u64, String), Failure> {
        match t {
            None => Ok((default, String::new())),
            Some(t) => {
                let n = t.samples(option, rate, named)?;
                let given = if t.is_time() { format!("{option} {} (sample {n})", t.text()) } else { format!("{option} {n}") };
                if n > n_obs {
                    return Err(Failure::usage(format!(
                        "{given} is past the end of {}, which has {}{}",
                        show(named),
                        count_u64(n_obs, "sample", "samples"),
                        rate.map(|r| format!(" ({})", duration(n_obs as f64 / r))).unwrap_or_default()
                    )));
                }
                Ok((n, given))
            }
        }
    };
    let (from, from_text) = at("--from", &out.from, 0)?;
    let (to, to_text) = at("--to", &out.to, n_obs)?;
    if from > to {
        let to_text = if to_text.is_empty() { format!("the end (sample {n_obs})") } else { to_text };
        return Err(Failure::usage(format!("{from_text} is after {to_text}: --from is the first sample kept, --to the first one not kept")));
    }
    Ok((from, to))
}

/// What --dry-run prints.
fn plan_text(job: &Job<'_>, reader: &Reader, plan: &Plan, out_dtype: Dtype, order: DataOrder, out_bytes: u64) -> String {
    let out = job.out;
    let inputs = match job.inputs {
        [one] => show(one),
        many => format!("{} files ({} ... {})", many.len(), show(&many[0]), show(&many[many.len() - 1])),
    };
    let n_sel = plan.channels.len();
    let rate = reader.metadata().sampling_rate;
    let time = |s: u64| rate.map(|r| format!(" ({})", duration(s as f64 / r))).unwrap_or_default();
    let selection = if out.neural { " (--neural)".to_string() } else { out.channels.as_ref().map(|_| " (--channels)".to_string()).unwrap_or_default() };
    let values = if out.uv { format!("{out_dtype} microvolts") } else { out_dtype.to_string() };
    let (batch_rows, batch_cols) = if plan.is_multi_channel() { (plan.rows_per_batch, n_sel) } else { (plan.rows_per_batch, 1) };
    let batch_rows = batch_rows.min(plan.to - plan.from);
    let batch_bytes = batch_rows * batch_cols as u64 * plan.dtype.itemsize() as u64;
    // As measured (docs/cli.md): the library streams a samples-order convert
    // in pieces of a few MB; a channels-order one reads whole batches, one
    // ahead while the last is written.
    let memory = if plan.is_multi_channel() {
        format!("streamed in pieces of a few MB, whatever --max-memory ({batch_bytes} bytes of input per batch set the progress steps)")
    } else {
        format!("up to about 2 × --max-memory = {} bytes (whole channels are read together while they fit)", 2 * out.max_memory)
    };
    let lines = [
        format!("{} {inputs} -> {}: the plan (dry run: nothing is written)", job.name, show(job.output)),
        format!(
            "  input     {} × {} of {}, {} order",
            count_u64(reader.n_observations(), "observation", "observations"),
            count(reader.n_channels(), "channel", "channels"),
            reader.dtype(),
            reader.data_order()
        ),
        format!("  channels  {n_sel} of {}{selection}", reader.n_channels()),
        format!("  samples   {}{} to {}{} (the end not included)", plan.from, time(plan.from), plan.to, time(plan.to)),
        format!(
            "  output    {} and {}: {} × {} of {values}, {order} order, {out_bytes} bytes",
            show(job.output),
            show(&neurobatch_core::sidecar_path(job.output)),
            count_u64(plan.to - plan.from, "observation", "observations"),
            count(n_sel, "channel", "channels")
        ),
        format!(
            "  batches   {} of up to {batch_rows} observations × {}",
            plan.n_batches,
            if plan.is_multi_channel() { count(n_sel, "channel", "channels") } else { "1 channel".into() }
        ),
        format!("  memory    {memory}"),
    ];
    lines.join("\n")
}
