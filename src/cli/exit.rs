//! Exit codes, and how the library's errors map to them (docs/cli.md).

use neurobatch_core::Error;

/// The command ran; outputs are complete.
pub const OK: u8 = 0;
/// The work failed: a recording or its metadata could not be used, or
/// reading or writing failed. Nothing was written.
pub const FAILED: u8 = 1;
/// The command line is wrong: an unknown option, a missing argument, a
/// malformed value, or a value out of range for the recording (a channel,
/// a time, too little memory, an output path that cannot be one).
pub const USAGE: u8 = 2;
/// The output exists and --overwrite was not given; nothing was written.
pub const OUTPUT_EXISTS: u8 = 3;
/// Interrupted (Ctrl-C); nothing was written.
pub const INTERRUPTED: u8 = 130;

/// The text printed after `--help`: the exit codes above.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    the work failed (a recording unusable, reading or writing failed); nothing was written
  2    usage error: bad option, bad value, or a value out of range for the recording
  3    the output exists; give --overwrite to replace it; nothing was written
  130  interrupted (Ctrl-C); nothing was written";

/// Why the tool stops: the message for `neurobatch: error: ...` and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { code: USAGE, message: message.into() }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::BadDtype(_)
            | Error::BadDataOrder(_)
            | Error::BadMemory(_)
            | Error::MemoryTooSmall { .. }
            | Error::ChannelTooLarge { .. }
            | Error::BadChannelCount(_)
            | Error::TooManyChannels { .. }
            | Error::BadChannel { .. }
            | Error::EmptyChannels
            | Error::BadRange { .. }
            | Error::BadOutputPath { .. } => USAGE,
            Error::FileExists(path) => {
                // The library's message names its if_file_exists option; here it is a flag.
                return Failure { code: OUTPUT_EXISTS, message: format!("output {path} exists; nothing was written (--overwrite replaces it)") };
            }
            // Only Ctrl-C cancels (see progress.rs).
            Error::Cancelled { done, total } => {
                return Failure { code: INTERRUPTED, message: format!("interrupted after {done} of {total} batches; nothing was written") };
            }
            _ => FAILED,
        };
        Failure { code, message: e.to_string() }
    }
}
