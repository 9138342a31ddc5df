//! Output files: argument checks on the output path and what to do when it
//! exists (docs/yass.md).

use std::path::{Path, PathBuf};

use crate::error::{show, Error, Result};
use crate::platform;
use crate::protect::{parent_dir, refuse_protected, ProtectedSet};
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

/// Argument checks on an output path, all made before anything runs: a
/// file name (not a directory, nor a path ending in a separator), not a
/// `.yaml` name, in an existing directory, short enough that its sidecar's
/// name fits the directory's name limit, neither it nor its sidecar an
/// existing directory, device or FIFO, and neither one a file the input was
/// read from (`protected`, compared by file identity).
pub fn check_output_path(output: &Path, protected: &ProtectedSet) -> Result<()> {
    let bad = |why: String| Err(Error::BadOutputPath { path: show(output), reason: why });
    let text = output.as_os_str().to_string_lossy();
    if text.is_empty() {
        return bad("the path is empty".into());
    }
    if text.ends_with('/') || (cfg!(windows) && text.ends_with('\\')) {
        return bad("it ends in a path separator, so it names a directory; expected a file name".into());
    }
    let Some(name) = output.file_name() else {
        return bad("it has no file name (it ends in '.' or '..'); expected a file name".into());
    };
    if output.extension().is_some_and(|e| e == "yaml") {
        return bad("it ends in .yaml, the extension of sidecars".into());
    }
    let dir = parent_dir(output);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return bad(format!("its directory {} is not a directory (it is a file)", show(dir))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return bad(format!("its directory {} does not exist", show(dir))),
        Err(e) => return bad(format!("its directory {} cannot be used: {e}", show(dir))),
    }
    let yaml = sidecar_path(output);
    let limit = platform::max_name_len(dir);
    let units = platform::NAME_UNITS;
    for (n, what) in [(platform::name_len(name), "its name"), (yaml.file_name().map_or(0, platform::name_len), "its sidecar's name")] {
        if n > limit {
            return bad(format!("{what} is {n} {units}, more than the {limit} {units} a file name may have in {}", show(dir)));
        }
    }
    // Outputs are replaced by renaming a finished temporary file over them:
    // over a device (as root, /dev/full; NUL on Windows) or a FIFO that would destroy it.
    for (path, what) in [(output, "it"), (yaml.as_path(), "its sidecar")] {
        match platform::path_kind(path) {
            Ok(Some(platform::FileKind::Directory)) => {
                return bad(if what == "it" { "it is a directory".into() } else { format!("its sidecar {} is a directory", show(path)) });
            }
            Ok(Some(platform::FileKind::Other)) => {
                return bad(format!("{what} exists and is not a regular file (a device, FIFO or socket); outputs replace regular files only"));
            }
            _ => {}
        }
    }
    refuse_protected(output, output, "it", protected)?;
    refuse_protected(output, &yaml, &format!("its sidecar {}", show(&yaml)), protected)?;
    Ok(())
}

/// Applies `if_exists` after every other argument was validated. Returns the
/// existing output's description when the run must be skipped.
pub fn resolve_existing(output: &Path, if_exists: IfExists) -> Result<Option<OutputInfo>> {
    if std::fs::symlink_metadata(output).is_err() {
        return Ok(None);
    }
    match if_exists {
        IfExists::Overwrite => Ok(None),
        IfExists::Abort => Err(Error::FileExists(show(output))),
        IfExists::Skip => {
            let yaml = sidecar_path(output);
            if std::fs::symlink_metadata(&yaml).is_err() {
                return Err(Error::SidecarMissing {
                    data: show(output),
                    sidecar: show(&yaml),
                    reason: "if_file_exists is skip, which reports an existing output from its sidecar; remove the data file or choose overwrite".into(),
                });
            }
            let r = Reader::open(output, &OpenOptions::default())?;
            Ok(Some(OutputInfo { path: output.to_path_buf(), params: r.params(), n_observations: r.n_observations(), skipped: true }))
        }
    }
}
