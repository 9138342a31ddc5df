//! The command line: subcommands, options and their --help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use neurobatch_core::formats::StreamSel;
use neurobatch_core::{DataOrder, Dtype, OpenOptions};

use crate::exit::EXIT_CODES_HELP;
use crate::spec::{ChannelSpec, TimeSpec};

#[derive(Parser, Debug)]
// bin_name: usage lines say `neurobatch` however it was started (not `neurobatch.exe`
// on Windows, nor a full path).
#[command(
    name = "neurobatch",
    bin_name = "neurobatch",
    version,
    about = "Inspect, convert and concatenate large multi-channel binary recordings (raw with a YAML sidecar, SpikeGLX, Open Ephys)",
    after_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// What a recording holds: format, dtype, channels by kind, length, sampling rate, µV scales, and where each value came from
    #[command(after_help = INFO_HELP)]
    Info(InfoArgs),
    /// Write part of a recording, or all of it, as a new recording with its sidecar: channels, time range, dtype, microvolts, data order
    #[command(after_help = CONVERT_HELP)]
    Convert(ConvertArgs),
    /// Concatenate the files of a session recorded in parts into one recording (takes every option of convert)
    #[command(after_help = CAT_HELP)]
    Cat(CatArgs),
}

const INFO_HELP: &str = "\
Examples:
  neurobatch info rec.bin                        raw file described by rec.yaml
  neurobatch info run_g0_t0.imec0.ap.bin         SpikeGLX (reads run_g0_t0.imec0.ap.meta)
  neurobatch info Record\\ Node\\ 101/experiment1/recording1/structure.oebin
  neurobatch info --json rec.bin | python3 -m json.tool

Exit codes: 0 success, 1 a recording cannot be used, 2 usage error (see neurobatch --help).";

const CONVERT_HELP: &str = "\
Channels count from 0 and ranges include their end: --channels 0:383 is 384 channels.
Times: plain integers are samples; 250ms, 10s, 2.5min, 1h are rounded to the nearest
sample (they need the sampling rate). --from is the first sample kept, --to the first
one not kept: --from 10min --to 20min is ten minutes.

The output and its sidecar (OUT with .yaml) appear only once complete: a failed or
interrupted convert leaves no output, and an existing one untouched.

Examples:
  neurobatch convert rec.bin neural.bin --channels 0:383
  neurobatch convert run.ap.bin uv.bin --neural --uv            float32 microvolts
  neurobatch convert rec.bin cut.bin --from 10min --to 20min
  neurobatch convert rec.bin f32.bin --dtype float32 --order channels
  neurobatch convert rec.bin out.bin --dry-run                   the plan; writes nothing

Exit codes: 0 success, 1 failed, 2 usage error, 3 output exists, 130 interrupted (see neurobatch --help).";

const CAT_HELP: &str = "\
The inputs must agree in dtype, channel count, data order, sampling rate and scales;
the first that differs is named. Observations are numbered across the files, so
--from/--to count from the start of the first file.

Examples:
  neurobatch cat session.bin part1.bin part2.bin part3.bin
  neurobatch cat neural.bin run_g0_t0.imec0.ap.bin run_g1_t0.imec0.ap.bin --neural

Exit codes: 0 success, 1 failed, 2 usage error, 3 output exists, 130 interrupted (see neurobatch --help).";

/// How to read an input whose sidecar or metadata does not say (or says otherwise).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Reading the input")]
pub struct InputArgs {
    /// dtype of the input's values, over its sidecar's (int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64)
    #[arg(long, value_name = "DTYPE", value_parser = parse_dtype)]
    pub input_dtype: Option<Dtype>,
    /// Channels of the input, over its sidecar's or metadata's
    #[arg(long, value_name = "N", value_parser = parse_n_channels)]
    pub n_channels: Option<usize>,
    /// Order of the input's values, over its sidecar's: samples (observation after observation) or channels (channel after channel)
    #[arg(long, value_name = "ORDER", value_parser = parse_order)]
    pub input_order: Option<DataOrder>,
    /// Samples per second, over what the sidecar or metadata says
    #[arg(long, value_name = "HZ", value_parser = parse_rate)]
    pub sampling_rate: Option<f64>,
    /// Open Ephys: the continuous stream, by folder name or index counting from 0 (default: the first, or the one of the continuous.dat given)
    #[arg(long, value_name = "NAME|INDEX")]
    pub stream: Option<String>,
}

impl InputArgs {
    pub fn open_options(&self) -> OpenOptions {
        let stream = self.stream.as_ref().map(|s| match s.parse::<usize>() {
            Ok(i) => StreamSel::Index(i),
            Err(_) => StreamSel::Name(s.clone()),
        });
        OpenOptions {
            dtype: self.input_dtype,
            n_channels: self.n_channels,
            data_order: self.input_order,
            sampling_rate: self.sampling_rate,
            stream,
            ..Default::default()
        }
    }
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Recordings: a raw file with its sidecar, a SpikeGLX .bin, an Open Ephys structure.oebin or continuous.dat
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON document (an array, one object per FILE) with the same facts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// What to write, shared by convert and cat.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Channels to keep, in this order: numbers from 0 and ranges with their end included (0:383 is 384 channels; 1,5,9; 0:10,20)
    #[arg(long, value_name = "LIST", value_parser = ChannelSpec::parse, conflicts_with = "neural", allow_hyphen_values = true)]
    pub channels: Option<ChannelSpec>,
    /// Keep the neural channels only (SpikeGLX, Open Ephys: what the metadata calls neural, AP or LF)
    #[arg(long)]
    pub neural: bool,
    /// First sample kept: a sample number, or a time (250ms, 10s, 2.5min, 1h) [default: 0]
    #[arg(long, value_name = "TIME", value_parser = TimeSpec::parse, allow_hyphen_values = true)]
    pub from: Option<TimeSpec>,
    /// First sample not kept, as --from [default: the end]
    #[arg(long, value_name = "TIME", value_parser = TimeSpec::parse, allow_hyphen_values = true)]
    pub to: Option<TimeSpec>,
    /// dtype of the output's values (int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64) [default: the input's, float32 with --uv]
    #[arg(long, value_name = "DTYPE", value_parser = parse_dtype)]
    pub dtype: Option<Dtype>,
    /// Microvolts: each value times its channel's scale (from the .meta or structure.oebin), as float32; refused when the scales are not known
    #[arg(long)]
    pub uv: bool,
    /// Order of the output's values: samples or channels [default: the input's]
    #[arg(long, value_name = "ORDER", value_parser = parse_order)]
    pub order: Option<DataOrder>,
    /// Input bytes per batch: an integer with B, K/KB, M/MB or G/GB (1024-based). --order channels holds a few batches in memory; samples order streams in pieces of a few MB
    #[arg(long, value_name = "SIZE", default_value = "256MB", value_parser = parse_memory)]
    pub max_memory: u64,
    /// Worker threads that copy batches (used with --order channels; a samples-order output is streamed by a reader and a writer thread)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: u64,
    /// Replace the output if it exists (only once the new one is complete)
    #[arg(long)]
    pub overwrite: bool,
    /// Print the plan (batches, memory, output size) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// No progress and no summary; errors are still printed
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The recording to read (raw with its sidecar, SpikeGLX .bin, Open Ephys structure.oebin or continuous.dat)
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The recording to write; its sidecar is OUT with the extension .yaml
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

#[derive(Args, Debug)]
pub struct CatArgs {
    /// The recording to write; its sidecar is OUT with the extension .yaml
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// The files of the session, in time order
    #[arg(value_name = "IN", required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

fn parse_dtype(s: &str) -> Result<Dtype, String> {
    Dtype::parse(s).map_err(|e| e.to_string())
}

fn parse_order(s: &str) -> Result<DataOrder, String> {
    DataOrder::parse(s).map_err(|e| e.to_string())
}

fn parse_n_channels(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}' is not a channel count; expected a whole number of at least 1")),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(hz) if hz.is_finite() && hz > 0.0 => Ok(hz),
        _ => Err(format!("'{s}' is not a sampling rate; expected a positive number of samples per second, e.g. 30000")),
    }
}

fn parse_memory(s: &str) -> Result<u64, String> {
    neurobatch_core::parse_max_memory(s).map_err(|e| e.to_string())
}
