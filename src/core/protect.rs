//! Which files an output may never replace, decided by file identity.
//!
//! A reader records every file it read or resolved (the data files of a
//! session, their sidecars, SpikeGLX `.meta`, Open Ephys `structure.oebin`
//! and the stream's other files). An output, its sidecar and every step of a
//! pipeline are compared with them by identity, never by string: an
//! existing file by device and inode (volume and file index on Windows), a
//! name that does not exist yet by the identity of its directory plus the
//! name. So `./sub/../x.dat`, a hard link, a symbolic link or a differently
//! cased name on Windows or macOS is recognised as the file it is.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{show, Error, Result};
use crate::platform::{file_id, path_id, same_name, FileId};

/// Where a path leads: an existing file, or a name that does not exist yet
/// in an existing directory.
#[derive(Clone, Debug)]
pub enum Location {
    Existing(FileId),
    New { dir: FileId, name: OsString },
}

impl Location {
    /// Resolves `path`. The directory must exist (a missing one is an error
    /// the output checks report first).
    pub fn of(path: &Path) -> std::io::Result<Location> {
        if let Some(id) = path_id(path)? {
            return Ok(Location::Existing(id));
        }
        let dir = parent_dir(path);
        let name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        match path_id(dir)? {
            Some(dir) => Ok(Location::New { dir, name }),
            None => Err(std::io::ErrorKind::NotFound.into()),
        }
    }

    pub fn same(&self, other: &Location) -> bool {
        match (self, other) {
            (Location::Existing(a), Location::Existing(b)) => a == b,
            (Location::New { dir: a, name: x }, Location::New { dir: b, name: y }) => a == b && same_name(x, y),
            _ => false,
        }
    }
}

/// The directory a path's last component lives in (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// One file an open recording depends on.
#[derive(Clone, Debug)]
pub struct Protected {
    pub id: FileId,
    pub path: PathBuf,
    /// What it is to the recording, for messages: "the input recording",
    /// "the input's sidecar", "the input's SpikeGLX metadata", ...
    pub role: String,
}

/// Every file a reader read or resolved.
#[derive(Clone, Debug, Default)]
pub struct ProtectedSet {
    files: Vec<Protected>,
}

impl ProtectedSet {
    /// Adds an open file (the data files: their identity is the one read).
    pub fn add_open(&mut self, file: &File, path: &Path, role: impl Into<String>) -> Result<()> {
        let id = file_id(file).map_err(|e| Error::io(format!("reading the identity of {}", show(path)), e))?;
        self.files.push(Protected { id, path: path.to_path_buf(), role: role.into() });
        Ok(())
    }

    /// Adds a file by path, when it exists (sidecars, metadata).
    pub fn add_path(&mut self, path: &Path, role: impl Into<String>) {
        if let Ok(Some(id)) = path_id(path) {
            self.files.push(Protected { id, path: path.to_path_buf(), role: role.into() });
        }
    }

    pub fn extend(&mut self, other: &ProtectedSet) {
        self.files.extend(other.files.iter().cloned());
    }

    pub fn files(&self) -> &[Protected] {
        &self.files
    }

    /// The protected file at `location`, if any.
    pub fn find(&self, location: &Location) -> Option<&Protected> {
        match location {
            Location::Existing(id) => self.files.iter().find(|p| p.id == *id),
            Location::New { .. } => None,
        }
    }
}

/// The files a reader of `input` would protect, without opening the
/// recording: the file itself, its sidecar, and the metadata files of its
/// format. For checking an output path against an input given by name.
pub fn protected_files_of(input: &Path) -> ProtectedSet {
    let mut set = ProtectedSet::default();
    set.add_path(input, "the input recording");
    set.add_path(&crate::sidecar::sidecar_path(input), "the input's sidecar");
    if let Ok(located) = crate::formats::locate(input, None) {
        set.add_path(&located.data, "the input recording");
        set.add_path(&crate::sidecar::sidecar_path(&located.data), "the input's sidecar");
        for (path, role) in &located.files {
            set.add_path(path, role.clone());
        }
    }
    set
}

/// Refuses `path` (an output, or an output's sidecar, as `what` says) when
/// it is one of `protected`.
pub fn refuse_protected(output: &Path, path: &Path, what: &str, protected: &ProtectedSet) -> Result<()> {
    let Ok(location) = Location::of(path) else { return Ok(()) };
    if let Some(p) = protected.find(&location) {
        let same = if p.path == path { String::new() } else { format!(" ({})", show(&p.path)) };
        return Err(Error::BadOutputPath {
            path: show(output),
            reason: format!("{what} is {}{same}; an output never replaces a file its input was read from", p.role),
        });
    }
    Ok(())
}
