//! Temporary files beside an output, recognisable as abandoned without
//! trusting process ids.
//!
//! A writer's temporary files form a group named `.<output name>.<id>.<kind>`
//! (the name shortened when needed so every member fits the directory's name
//! limit; `id` random). The group's lock file `.<name>.<id>.nblock` holds an
//! advisory lock (`flock` / `LockFileEx`) for as long as its writer lives;
//! the operating system releases it when the process dies, however it dies.
//! Before a writer starts, it removes every group of its output whose lock it
//! can take: those writers are gone (SIGKILL, power loss, a crash). A group
//! being created is never mistaken for an abandoned one: its lock file is
//! created under a `.nblock-new` name, locked, and only then renamed into place.

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{show, Error, Result};
use crate::platform;
use crate::protect::parent_dir;

const LOCK: &str = "nblock";
const LOCK_NEW: &str = "nblock-new";
/// The longest member suffix (`yaml.nbtmp`, `nblock-new`) and the id with its dots.
const SUFFIX_ROOM: usize = 1 + 16 + 1 + 10 + 1;

/// The temporary files of one writer, removed when it is dropped (those
/// renamed into place are gone already).
#[derive(Debug)]
pub struct TempGroup {
    dir: PathBuf,
    stem: String,
    id: String,
    lock_path: PathBuf,
    lock: Option<File>,
}

impl TempGroup {
    /// Removes `output`'s abandoned groups, then starts a new one, locked.
    pub fn new(output: &Path) -> Result<TempGroup> {
        let dir = parent_dir(output).to_path_buf();
        let stem = short_stem(output, SUFFIX_ROOM);
        remove_abandoned(&dir, &stem);
        let io = |what: &str, p: &Path, e| Error::io(format!("{what} the temporary file {}", show(p)), e);
        for _ in 0..16 {
            let id = random_id();
            let pending = dir.join(format!(".{stem}.{id}.{LOCK_NEW}"));
            let file = match File::options().write(true).create_new(true).open(&pending) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io("creating", &pending, e)),
            };
            if file.try_lock().is_err() {
                // Another writer's cleaner holds it: it is about to remove it.
                continue;
            }
            let lock_path = dir.join(format!(".{stem}.{id}.{LOCK}"));
            match platform::replace_file(&pending, &lock_path) {
                Ok(()) => return Ok(TempGroup { dir, stem, id, lock_path, lock: Some(file) }),
                // A cleaner removed it between our create and our lock: try another id.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    let _ = std::fs::remove_file(&pending);
                    return Err(io("renaming", &pending, e));
                }
            }
        }
        Err(Error::InvalidArgument(format!("no free temporary file name beside {} after 16 tries", show(output))))
    }

    /// The member `kind` of the group: `nbtmp` (data), `yaml.nbtmp`
    /// (sidecar), `yaml.nbold` (the previous sidecar while publishing).
    pub fn path(&self, kind: &str) -> PathBuf {
        self.dir.join(format!(".{}.{}.{kind}", self.stem, self.id))
    }
}

impl Drop for TempGroup {
    fn drop(&mut self) {
        for kind in ["nbtmp", "yaml.nbtmp", "yaml.nbold"] {
            let _ = std::fs::remove_file(self.path(kind));
        }
        // The lock file goes last: while it exists and is locked, the group is alive.
        let _ = std::fs::remove_file(&self.lock_path);
        self.lock = None;
    }
}

/// `output`'s file name, shortened (at a character boundary) to leave
/// `room` of the directory's name limit, dots made `_`. Cut in bytes: a
/// name of n UTF-8 bytes has at most n UTF-16 code units, so it fits
/// Windows' limit too.
pub fn short_stem(output: &Path, room: usize) -> String {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let room = platform::max_name_len(parent_dir(output)).saturating_sub(room + 1).max(1);
    let mut end = name.len().min(room);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].replace('.', "_")
}

/// 16 hex digits. The standard library seeds `RandomState` from the
/// operating system's randomness; mixing in time and a counter keeps ids
/// distinct within one process too.
fn random_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// Removes every group of `stem` in `dir` whose writer is gone: its lock
/// can be taken, or it has no lock file at all.
fn remove_abandoned(dir: &Path, stem: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{stem}.");
    let mut groups: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        let Some((id, kind)) = rest.split_once('.') else { continue };
        if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) && (kind.starts_with("nb") || kind.starts_with("yaml.nb")) {
            groups.entry(id.to_string()).or_default().push((kind.to_string(), entry.path()));
        }
    }
    for members in groups.values() {
        let lock = members.iter().find(|(k, _)| k == LOCK || k == LOCK_NEW);
        let held = match lock {
            // The writer lives while it holds the lock; opening to test it
            // takes no lock of our own unless the writer is gone.
            Some((_, p)) => File::options().write(true).open(p).map(|f| f.try_lock().is_err()).unwrap_or(true),
            None => false,
        };
        if held {
            continue;
        }
        let mut ordered: Vec<&(String, PathBuf)> = members.iter().collect();
        ordered.sort_by_key(|(k, _)| k == LOCK || k == LOCK_NEW);
        for (_, p) in ordered {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn groups_are_removed_when_dropped_and_abandoned_ones_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.bin");
        let g = TempGroup::new(&out).unwrap();
        std::fs::write(g.path("nbtmp"), b"x").unwrap();
        assert_eq!(names(dir.path()).len(), 2);
        // A live group survives another writer's cleanup.
        let other = TempGroup::new(&out).unwrap();
        assert_eq!(names(dir.path()).len(), 3);
        drop(other);
        drop(g);
        assert!(names(dir.path()).is_empty());

        // An abandoned group: its lock file is not locked by anyone.
        std::fs::write(dir.path().join(".out_bin.0123456789abcdef.nblock"), b"").unwrap();
        std::fs::write(dir.path().join(".out_bin.0123456789abcdef.nbtmp"), b"data").unwrap();
        std::fs::write(dir.path().join(".out_bin.fedcba9876543210.yaml.nbold"), b"orphan").unwrap();
        std::fs::write(dir.path().join(".other.0123456789abcdef.nbtmp"), b"not ours").unwrap();
        let g = TempGroup::new(&out).unwrap();
        assert_eq!(names(dir.path()).iter().filter(|n| n.starts_with(".out_bin.")).count(), 1, "{:?}", names(dir.path()));
        drop(g);
        assert_eq!(names(dir.path()), vec![".other.0123456789abcdef.nbtmp"]);
    }

    #[test]
    fn long_names_still_fit() {
        let dir = tempfile::tempdir().unwrap();
        let name = "x".repeat(240) + ".bin";
        let g = TempGroup::new(&dir.path().join(&name)).unwrap();
        for kind in ["nbtmp", "yaml.nbtmp", "yaml.nbold"] {
            std::fs::write(g.path(kind), b"").unwrap();
        }
    }
}
