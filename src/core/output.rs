//! Output files: argument checks on the output path and what to do when it
//! exists (behaviour.md §7).

use std::path::{Path, PathBuf};

use crate::error::{show, Error, Result};
use crate::reader::{OpenOptions, Reader};
use crate::sidecar::{sidecar_path, RecordingParams};

/// What to do when the output data file already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IfExists {
    /// Replace it (atomically, when the new output is complete).
    #[default]
    Overwrite,
    /// Fail before anything runs; the existing output is untouched.
    Abort,
    /// Do not run; return the existing output's parameters from its sidecar.
    Skip,
}

impl IfExists {
    pub fn parse(name: &str) -> Result<IfExists> {
        match name {
            "overwrite" => Ok(IfExists::Overwrite),
            "abort" => Ok(IfExists::Abort),
            "skip" => Ok(IfExists::Skip),
            other => Err(Error::InvalidArgument(format!("unknown if_file_exists '{other}': expected 'overwrite', 'abort' or 'skip'"))),
        }
    }
}

/// A finished (or skipped) output file and what its sidecar says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputInfo {
    pub path: PathBuf,
    pub params: RecordingParams,
    pub n_observations: u64,
    /// The output existed and `IfExists::Skip` left it as it was.
    pub skipped: bool,
}

/// Argument checks on an output path: not the input, not a `.yaml` name, not
/// the input's sidecar, and its sidecar neither the input nor the input's
/// sidecar; its directory exists.
pub fn check_output_path(output: &Path, input: Option<&Path>) -> Result<()> {
    let bad = |why: String| Err(Error::BadOutputPath { path: show(output), reason: why });
    if output.as_os_str().is_empty() {
        return bad("the path is empty".into());
    }
    if output.extension().is_some_and(|e| e == "yaml") {
        return bad("it ends in .yaml, the extension of sidecars".into());
    }
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return bad(format!("its directory {} does not exist", show(dir)));
    }
    // Outputs are replaced by renaming a finished temporary file over them:
    // over a device (as root, /dev/full) or a FIFO that would destroy it.
    for (path, what) in [(output.to_path_buf(), "it"), (sidecar_path(output), "its sidecar")] {
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.is_dir() {
                return bad(if what == "it" { "it is a directory".into() } else { format!("its sidecar {} is a directory", show(&path)) });
            }
            if !meta.is_file() {
                return bad(format!("{what} exists and is not a regular file (a device, pipe or socket); outputs replace regular files only"));
            }
        }
    }
    if let Some(input) = input {
        let yaml = sidecar_path(output);
        let input_yaml = sidecar_path(input);
        for (mine, theirs, what) in [
            (output, input, "it is the input recording"),
            (output, input_yaml.as_path(), "it is the input's sidecar"),
            (yaml.as_path(), input, "its sidecar would be the input recording"),
            (yaml.as_path(), input_yaml.as_path(), "its sidecar would replace the input's sidecar"),
        ] {
            if same_file(mine, theirs) {
                return bad(what.into());
            }
        }
    }
    Ok(())
}

/// Same path, or the same existing file reached another way.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) if x == y => return true,
        _ => {}
    }
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        // Not both existing: compare the absolute forms of their directories.
        _ => match (absolute_dir_and_name(a), absolute_dir_and_name(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

fn absolute_dir_and_name(p: &Path) -> Option<(PathBuf, std::ffi::OsString)> {
    let name = p.file_name()?.to_os_string();
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some((std::fs::canonicalize(dir).ok()?, name))
}

/// Applies `if_exists` after every other argument was validated. Returns the
/// existing output's description when the run must be skipped.
pub fn resolve_existing(output: &Path, if_exists: IfExists) -> Result<Option<OutputInfo>> {
    if !output.exists() {
        return Ok(None);
    }
    match if_exists {
        IfExists::Overwrite => Ok(None),
        IfExists::Abort => Err(Error::FileExists(show(output))),
        IfExists::Skip => {
            let yaml = sidecar_path(output);
            if !yaml.exists() {
                return Err(Error::SidecarMissing { data: show(output), sidecar: show(&yaml) });
            }
            let r = Reader::open(output, &OpenOptions::default())?;
            Ok(Some(OutputInfo { path: output.to_path_buf(), params: r.params(), n_observations: r.n_observations(), skipped: true }))
        }
    }
}
