//! Linux and macOS.

use std::borrow::Cow;
use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{FileId, FileKind};

fn kind_of(meta: &std::fs::Metadata) -> FileKind {
    if meta.is_file() {
        FileKind::Regular
    } else if meta.is_dir() {
        FileKind::Directory
    } else {
        FileKind::Other
    }
}

pub fn file_kind(file: &File) -> io::Result<FileKind> {
    Ok(kind_of(&file.metadata()?))
}

pub fn path_kind(path: &Path) -> io::Result<FileKind> {
    Ok(kind_of(&std::fs::metadata(path)?))
}

fn id_of(meta: &std::fs::Metadata) -> FileId {
    FileId { volume: meta.dev(), index: meta.ino() as u128 }
}

pub fn file_id(file: &File) -> io::Result<FileId> {
    Ok(id_of(&file.metadata()?))
}

pub fn path_id(path: &Path) -> io::Result<FileId> {
    Ok(id_of(&std::fs::metadata(path)?))
}

pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.read_exact_at(buf, offset)
}

pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    file.write_all_at(buf, offset)
}

pub fn open_input(path: &Path) -> io::Result<File> {
    // O_NONBLOCK: opening a FIFO waits for a writer otherwise. It changes
    // nothing for the regular files that are accepted afterwards.
    File::options().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

pub fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

pub fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

pub fn max_name_len(dir: &Path) -> usize {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(c) = CString::new(dir.as_os_str().as_bytes()) else { return 255 };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let n = unsafe { libc::pathconf(c.as_ptr(), libc::_PC_NAME_MAX) };
    if n > 0 {
        n as usize
    } else {
        255
    }
}

pub fn name_len(name: &OsStr) -> usize {
    name.len()
}

pub const NAME_UNITS: &str = "bytes";

pub fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf, String> {
    Ok(PathBuf::from(OsStr::from_bytes(bytes)))
}

pub fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    Cow::Borrowed(path.as_os_str().as_bytes())
}

#[cfg(target_os = "linux")]
pub fn evict_from_page_cache(path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = File::open(path)?;
    // SAFETY: a valid descriptor for the duration of the call; advice only.
    match unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) } {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn evict_from_page_cache(_path: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Advice in pieces of this size: Linux reads at most the device's
/// read-ahead window (a few MiB) of one WILLNEED range and drops the rest,
/// and macOS's F_RDADVISE takes an `int` count.
const WILL_NEED_PIECE: u64 = 8 << 20;

/// Ranges at least this large are probed before they are advised: three
/// one-byte reads cost about what advising 64 cached pages does.
#[cfg(target_os = "linux")]
const PROBE_FROM: u64 = 256 << 10;

/// Whether a few bytes spread over `[offset, offset + len)` are in the page
/// cache: a read with RWF_NOWAIT succeeds only from it, and fails with
/// EAGAIN otherwise. Any other failure (a file system without RWF_NOWAIT
/// for buffered reads, such as some network file systems) or a read beyond
/// the end is `None`: nothing is known, and nothing may be assumed.
#[cfg(target_os = "linux")]
pub fn is_cached(file: &File, offset: u64, len: u64) -> Option<bool> {
    use std::os::fd::AsRawFd;
    for at in [offset, offset + len / 2, offset + len.max(1) - 1] {
        let mut byte = 0u8;
        let iov = libc::iovec { iov_base: (&mut byte as *mut u8).cast(), iov_len: 1 };
        // SAFETY: a valid descriptor, and an iovec of one byte that lives for the call.
        match unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, at as libc::off_t, libc::RWF_NOWAIT) } {
            1 => continue,
            -1 if io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN) => return Some(false),
            _ => return None,
        }
    }
    Some(true)
}

#[cfg(not(target_os = "linux"))]
pub fn is_cached(_file: &File, _offset: u64, _len: u64) -> Option<bool> {
    None
}

#[cfg(target_os = "linux")]
pub fn open_uncached(file: &File) -> io::Result<File> {
    use std::os::fd::AsRawFd;
    // A new open file description: O_DIRECT set on `file`'s own would change
    // every other reader of it. O_NONBLOCK as in `open_input`.
    let again = File::options().read(true).custom_flags(libc::O_DIRECT | libc::O_NONBLOCK).open(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    if file_id(&again)? != file_id(file)? {
        return Err(io::Error::other("/proc/self/fd led to another file"));
    }
    Ok(again)
}

#[cfg(not(target_os = "linux"))]
pub fn open_uncached(_file: &File) -> io::Result<File> {
    Err(io::ErrorKind::Unsupported.into())
}

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

#[cfg(target_os = "linux")]
pub fn will_need(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // Advising a cached range still walks each of its pages (about 5% of a
    // warm pass); where nothing is known, the advice is given.
    if len >= PROBE_FROM && is_cached(file, offset, len) == Some(true) {
        return;
    }
    for at in (offset..offset.saturating_add(len)).step_by(WILL_NEED_PIECE as usize) {
        let n = WILL_NEED_PIECE.min(offset + len - at);
        // SAFETY: a valid descriptor for the duration of the call; advice only.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), at as libc::off_t, n as libc::off_t, libc::POSIX_FADV_WILLNEED) };
    }
}

#[cfg(target_os = "macos")]
pub fn will_need(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    for at in (offset..offset.saturating_add(len)).step_by(WILL_NEED_PIECE as usize) {
        let advice = libc::radvisory { ra_offset: at as libc::off_t, ra_count: WILL_NEED_PIECE.min(offset + len - at) as libc::c_int };
        // SAFETY: a valid descriptor and a live radvisory for the duration of the call; advice only.
        unsafe { libc::fcntl(file.as_raw_fd(), libc::F_RDADVISE, &advice) };
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub fn will_need(_file: &File, _offset: u64, _len: u64) {}

pub const OUT_OF_DESCRIPTORS: &str = "the process has no file descriptors left (a session keeps one open per file; raise the limit, e.g. ulimit -n)";

pub fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

pub fn is_symlink_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}
