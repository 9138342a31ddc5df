//! Everything that differs between operating systems, behind small
//! functions: positioned reads, file identity, opening inputs without ever
//! blocking or locking out their writer, atomic replacement, directory
//! sync, name limits, memory advice and path bytes. Nothing else in the
//! crate uses `std::os::unix` or `std::os::windows`; the data-safety
//! mechanisms (protected inputs, temporary files, publishing) are built on
//! these functions so they hold on Linux, macOS and Windows alike.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

#[cfg(test)]
mod tests;

/// The identity of a file: equal identities are the same file, whatever
/// the path (hard links, symbolic links, `..`, case on case-insensitive
/// volumes). Unix: device and inode; Windows: volume serial number and file index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    pub volume: u64,
    pub index: u128,
}

/// The identity of an open file.
pub fn file_id(file: &File) -> io::Result<FileId> {
    imp::file_id(file)
}

/// The identity of the file (or directory) `path` names, following
/// symbolic links; `None` when nothing exists there.
pub fn path_id(path: &Path) -> io::Result<Option<FileId>> {
    match imp::path_id(path) {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads exactly `buf.len()` bytes at `offset`, without moving any shared
/// file position (so threads may read one file at once); a short file is
/// `UnexpectedEof`.
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    imp::read_exact_at(file, buf, offset)
}

/// Writes all of `buf` at `offset` (shards writing their regions of one file).
pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    imp::write_all_at(file, buf, offset)
}

/// What a file is, as far as reading and replacing it go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    /// A device (`/dev/zero`, `NUL`), FIFO, socket or pipe.
    Other,
}

/// What `path` names, following symbolic links; `None` when nothing exists there.
pub fn path_kind(path: &Path) -> io::Result<Option<FileKind>> {
    match imp::path_kind(path) {
        Ok(kind) => Ok(Some(kind)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Opens an existing file to read it: never blocks (a FIFO is opened
/// without waiting for a writer), and on Windows shares read, write and
/// delete access, so acquisition software can keep writing, renaming or
/// deleting the file while it is read. Fails with `InvalidInput` unless the
/// file is a regular file; `what` names it in that message.
pub fn open_input(path: &Path, what: &str) -> io::Result<File> {
    let file = imp::open_input(path)?;
    let kind = match imp::file_kind(&file)? {
        FileKind::Regular => return Ok(file),
        FileKind::Directory => "a directory",
        FileKind::Other => "not a regular file (a device, FIFO or socket)",
    };
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{what} is {kind}; expected a regular file")))
}

/// Renames `from` over `to` in one step: `to` is either the old file or the
/// new one, never missing. Windows: `MoveFileExW` with replace and
/// write-through, or, when the old `to` is open elsewhere, a rename with
/// POSIX semantics (its readers keep the old contents, as on Unix); a
/// program holding `to` open without delete sharing makes it fail with a
/// message that says so.
pub fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    imp::replace_file(from, to)
}

/// Makes renames in `dir` durable: fsync of the directory on Unix (best
/// effort). Nothing to do on Windows: `replace_file` does not return before
/// the rename is on disk (`MOVEFILE_WRITE_THROUGH`, or the handle flushed),
/// and Windows offers no way to flush a directory.
pub fn sync_dir(dir: &Path) {
    imp::sync_dir(dir)
}

/// The longest file name (one path component) `dir` accepts, in
/// [`NAME_UNITS`]: `pathconf(_PC_NAME_MAX)` on Unix, the volume's maximum
/// component length on Windows; 255 (the common limit) when the system
/// does not say.
pub fn max_name_len(dir: &Path) -> usize {
    imp::max_name_len(dir)
}

/// The length of a file name in the units its limit is counted in.
pub fn name_len(name: &std::ffi::OsStr) -> usize {
    imp::name_len(name)
}

/// What file name limits count: bytes on Unix, UTF-16 code units on
/// Windows (a name of 200 Greek letters is 400 bytes but fits NTFS's 255).
pub const NAME_UNITS: &str = imp::NAME_UNITS;

/// Whether two names in one directory name the same entry: byte equality
/// on Linux, case-insensitive on Windows and macOS (their default volumes).
pub fn same_name(a: &std::ffi::OsStr, b: &std::ffi::OsStr) -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        a.to_string_lossy().to_lowercase() == b.to_string_lossy().to_lowercase()
    } else {
        a == b
    }
}

/// A path from the bytes of a C string: any bytes on Unix (paths are
/// bytes there), UTF-8 on Windows (converted to UTF-16 by the standard
/// library, which also handles paths longer than MAX_PATH).
pub fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf, String> {
    imp::path_from_bytes(bytes)
}

/// The bytes a C caller gets for a path (UTF-8 on Windows).
pub fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    imp::path_bytes(path)
}

/// Asks for transparent huge pages on a large anonymous buffer: first-touching
/// fresh 4 KiB pages costs about as much as reading the data into them. Linux
/// only (`madvise(MADV_HUGEPAGE)`): Windows' large pages need a privilege and
/// an allocation of their own (`VirtualAlloc` with `MEM_LARGE_PAGES`), and
/// macOS has no advice for it, so there it does nothing.
pub fn advise_huge_pages(map: &memmap2::MmapMut) {
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

/// Drops a file's cached pages, so benchmarks can read it cold. Linux:
/// `posix_fadvise(DONTNEED)` (dirty pages stay until written back).
/// Windows: the file is opened without buffering (`FILE_FLAG_NO_BUFFERING`),
/// which makes the file system flush and purge the file's cached data (the
/// method Windows' cache-flushing tools use); a file another process has
/// mapped keeps its pages. macOS and other systems have no per-file
/// eviction: `Unsupported`.
pub fn evict_from_page_cache(path: &Path) -> io::Result<()> {
    imp::evict_from_page_cache(path)
}

/// Tells the system that `len` bytes at `offset` will be read soon, so it
/// reads them ahead (Linux `posix_fadvise(WILLNEED)`, macOS `F_RDADVISE`).
/// A hint only, with no effect on results; it may wait while the device's
/// queue is full, so call it from a thread that has nothing else to do.
/// Nothing is done on Windows, which has no such hint for a file range
/// (`PrefetchVirtualMemory` needs a mapping) and whose cache reads ahead of
/// sequential reads by itself.
pub fn will_need(file: &File, offset: u64, len: u64) {
    imp::will_need(file, offset, len)
}

/// Offsets, lengths and buffer addresses of reads through an
/// [`open_uncached`] handle are multiples of this (the largest logical
/// block size in use; 512-byte devices accept it too).
pub const UNCACHED_ALIGN: usize = 4096;

/// A second handle on the open `file` whose reads bypass the page cache:
/// the device writes into the caller's buffer, without the kernel copying
/// every page and without filling the cache. Linux: `O_DIRECT`, opened
/// through `/proc/self/fd`, so it is the same file even if it was renamed
/// (checked by identity). Reads through it need [`UNCACHED_ALIGN`]. Other
/// systems: `Unsupported`. macOS (`F_NOCACHE`) and Windows
/// (`FILE_FLAG_NO_BUFFERING`) could bypass their caches, but neither can
/// tell whether a range is cached ([`is_cached`]), and reading data that is
/// cached past the cache is several times slower.
pub fn open_uncached(file: &File) -> io::Result<File> {
    imp::open_uncached(file)
}

/// Whether `len` bytes at `offset` of `file` look to be in the page cache
/// (Linux: three one-byte `RWF_NOWAIT` reads spread over the range, which
/// succeed only from the cache). `None` where the system or the file
/// system cannot tell (some network file systems).
pub fn is_cached(file: &File, offset: u64, len: u64) -> Option<bool> {
    imp::is_cached(file, offset, len)
}

/// One positioned read of up to `buf.len()` bytes at `offset` (short at the
/// end of the file, 0 beyond it); retried when interrupted.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match imp::read_at(file, buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Whether an open failed because the process (or the system) has no file
/// descriptors left: `EMFILE`/`ENFILE` on Unix, `ERROR_TOO_MANY_OPEN_FILES`
/// on Windows (where the limit is the system's handle quota: about 16
/// million handles per process, so it is rarely reached).
pub fn is_out_of_descriptors(e: &io::Error) -> bool {
    imp::is_out_of_descriptors(e)
}

/// What an error for which `is_out_of_descriptors` holds means, and what to
/// do about it, in the system's words (follows "opening FILE: ").
pub const OUT_OF_DESCRIPTORS: &str = imp::OUT_OF_DESCRIPTORS;

/// Whether an open failed because symbolic links form a loop: `ELOOP` on
/// Unix, `ERROR_CANT_RESOLVE_FILENAME` on Windows (too many reparse points).
pub fn is_symlink_loop(e: &io::Error) -> bool {
    imp::is_symlink_loop(e)
}
