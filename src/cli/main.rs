//! `neurobatch`: the command-line front end of neurobatch-core
//! (docs/cli.md). It parses the command line, calls the core and turns its
//! errors into `neurobatch: error: ...` and an exit code (exit.rs).

mod args;
mod convert;
mod exit;
mod info;
mod print;
mod progress;
mod spec;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(&cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(f) => {
            print::err(&format!("neurobatch: error: {}", f.message));
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Info(a) => {
            let opts = a.input.open_options();
            let facts = a.files.iter().map(|f| info::facts(f, &opts)).collect::<Result<Vec<_>, _>>()?;
            if a.json {
                print::out(&serde_json::to_string_pretty(&facts).expect("facts are plain data"));
            } else {
                print::out(&facts.iter().map(info::text).collect::<Vec<_>>().join("\n\n"));
            }
            Ok(())
        }
        Command::Convert(a) => {
            convert::run(&convert::Job { name: "convert", inputs: std::slice::from_ref(&a.input), output: &a.output, out: &a.out, input: &a.input_args })
        }
        Command::Cat(a) => convert::run(&convert::Job { name: "cat", inputs: &a.inputs, output: &a.output, out: &a.out, input: &a.input_args }),
    }
}

/// clap's help and version go to stdout with exit 0; its errors are usage
/// errors, printed as every other error is.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::from(exit::OK)
        }
        // `neurobatch` alone: the help, on stderr, as a usage error.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(exit::USAGE)
        }
        _ => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let _ = write!(std::io::stderr(), "neurobatch: error: {text}");
            ExitCode::from(exit::USAGE)
        }
    }
}
