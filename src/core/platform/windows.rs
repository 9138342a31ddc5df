//! Windows. The only `unsafe` here are documented Win32 calls that the
//! standard library does not offer on stable Rust: the file index behind a
//! handle (file identity), the type of a handle (disk file or device),
//! renames that replace with write-through, and a volume's name limit.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::AsRawHandle;
use std::path::{Path, PathBuf};

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    FileRenameInfoEx, FlushFileBuffers, GetFileInformationByHandle, GetFileType, GetVolumeInformationByHandleW, MoveFileExW, SetFileInformationByHandle,
    BY_HANDLE_FILE_INFORMATION, DELETE, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_NO_BUFFERING, FILE_GENERIC_WRITE, FILE_RENAME_INFO, FILE_RENAME_INFO_0,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_TYPE_DISK, MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH,
};

use super::{FileId, FileKind};

const SHARE_ALL: u32 = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

pub fn file_id(file: &File) -> io::Result<FileId> {
    let mut info = std::mem::MaybeUninit::<BY_HANDLE_FILE_INFORMATION>::zeroed();
    // SAFETY: the handle is open for the duration of the call and `info`
    // is writable storage of the right type.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle() as HANDLE, info.as_mut_ptr()) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: filled by the successful call above.
    let info = unsafe { info.assume_init() };
    Ok(FileId { volume: info.dwVolumeSerialNumber as u64, index: ((info.nFileIndexHigh as u128) << 32) | info.nFileIndexLow as u128 })
}

/// A handle for metadata only (access 0) to a file or, with backup
/// semantics, a directory; it never keeps anyone from using the file.
fn open_metadata(path: &Path) -> io::Result<File> {
    File::options().access_mode(0).share_mode(SHARE_ALL).custom_flags(FILE_FLAG_BACKUP_SEMANTICS).open(path)
}

pub fn path_id(path: &Path) -> io::Result<FileId> {
    file_id(&open_metadata(path)?)
}

pub fn file_kind(file: &File) -> io::Result<FileKind> {
    // Devices (NUL, CON, COM1) and pipes are told apart by their handle's
    // type: the standard library's metadata fails on some of them.
    // SAFETY: the handle is open for the duration of the call.
    if unsafe { GetFileType(file.as_raw_handle() as HANDLE) } != FILE_TYPE_DISK {
        return Ok(FileKind::Other);
    }
    let meta = file.metadata()?;
    Ok(if meta.is_dir() {
        FileKind::Directory
    } else if meta.is_file() {
        FileKind::Regular
    } else {
        FileKind::Other
    })
}

pub fn path_kind(path: &Path) -> io::Result<FileKind> {
    file_kind(&open_metadata(path)?)
}

pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match file.seek_write(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn open_input(path: &Path) -> io::Result<File> {
    match File::options().read(true).share_mode(SHARE_ALL).open(path) {
        // A directory opens only with backup semantics (reading it otherwise
        // is "access denied"): open it so, and the caller names it a directory.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) => open_metadata(path),
        other => other,
    }
}

/// A NUL-terminated UTF-16 path; paths too long for the classic API are
/// made verbatim (`\\?\`), as the standard library does for its own calls.
fn wide(path: &Path) -> io::Result<Vec<u16>> {
    let p: Vec<u16> = path.as_os_str().encode_wide().collect();
    if p.len() >= 248 {
        return verbatim(path);
    }
    Ok(p.into_iter().chain([0]).collect())
}

/// The absolute, verbatim (`\\?\C:\...`, `\\?\UNC\...`) form of a path,
/// NUL-terminated: what the calls that take a full name need.
fn verbatim(path: &Path) -> io::Result<Vec<u16>> {
    // `absolute` resolves `.`, `..` and `/`, which verbatim paths do not.
    let abs = std::path::absolute(path)?;
    let s: Vec<u16> = abs.as_os_str().encode_wide().collect();
    let prefix: Vec<u16> = r"\\?\".encode_utf16().collect();
    let device: Vec<u16> = r"\\.\".encode_utf16().collect();
    let unc: Vec<u16> = r"\\".encode_utf16().collect();
    let mut p: Vec<u16> = if s.starts_with(&prefix) {
        s
    } else if s.starts_with(&device) {
        prefix.into_iter().chain(s[4..].iter().copied()).collect()
    } else if s.starts_with(&unc) {
        r"\\?\UNC\".encode_utf16().chain(s[2..].iter().copied()).collect()
    } else {
        prefix.into_iter().chain(s).collect()
    };
    p.push(0);
    Ok(p)
}

const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_SHARING_VIOLATION: i32 = 32;
/// `FILE_RENAME_INFO.Flags` bits (winbase.h), which windows-sys does not define.
const FILE_RENAME_FLAG_REPLACE_IF_EXISTS: u32 = 0x1;
const FILE_RENAME_FLAG_POSIX_SEMANTICS: u32 = 0x2;

/// `MoveFileExW` replaces only a file nobody has open. When the old `to` is
/// open elsewhere (a reader of the previous output, a viewer) it answers
/// "access denied"; the rename is then retried with POSIX semantics
/// (Windows 10 1709 on, NTFS), which replaces a file that is open with
/// delete sharing, as a rename does on Unix: its readers keep the old
/// contents. A program holding it without delete sharing (C `fopen`,
/// MATLAB `fopen`), or a system without POSIX renames, still blocks the
/// replacement, and the error says which.
pub fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (wide(from)?, wide(to)?);
    // SAFETY: both are valid NUL-terminated wide strings that outlive the call.
    if unsafe { MoveFileExW(f.as_ptr(), t.as_ptr(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) } != 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if !matches!(e.raw_os_error(), Some(ERROR_ACCESS_DENIED) | Some(ERROR_SHARING_VIOLATION)) {
        return Err(e);
    }
    let why = match replace_posix(from, &verbatim(to)?) {
        Ok(()) => return Ok(()),
        // Windows before 10 1709, file systems other than NTFS, Wine before 9.
        Err(p) if matches!(p.raw_os_error(), Some(1) | Some(50) | Some(87) | Some(120)) => {
            ", and this system cannot replace an open file (Windows 10 1709 or later can on NTFS, when that program shares delete access)"
        }
        Err(_) => " that does not share delete access (C's and MATLAB's fopen do not)",
    };
    Err(io::Error::new(e.kind(), format!("{e}: '{}' is open in another program{why}; close it there and run again", to.display())))
}

/// Renames `from` over `to_wide` (absolute, NUL-terminated) through a handle, with
/// POSIX semantics; the handle is flushed after, as write-through would.
fn replace_posix(from: &Path, to_wide: &[u16]) -> io::Result<()> {
    let file = File::options().access_mode(DELETE | FILE_GENERIC_WRITE).share_mode(SHARE_ALL).open(from)?;
    let name = &to_wide[..to_wide.len() - 1];
    let header = std::mem::offset_of!(FILE_RENAME_INFO, FileName);
    let size = header + std::mem::size_of_val(name) + 2;
    // u64 words: storage aligned for FILE_RENAME_INFO (a handle, then u32s).
    let mut buf = vec![0u64; size.div_ceil(8)];
    let info = buf.as_mut_ptr().cast::<FILE_RENAME_INFO>();
    // SAFETY: `buf` holds `size` bytes, enough for the header and the name
    // with its NUL, and is aligned for FILE_RENAME_INFO; the writes stay inside it.
    unsafe {
        (*info).Anonymous = FILE_RENAME_INFO_0 { Flags: FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS };
        (*info).RootDirectory = std::ptr::null_mut();
        (*info).FileNameLength = std::mem::size_of_val(name) as u32;
        std::ptr::copy_nonoverlapping(name.as_ptr(), std::ptr::addr_of_mut!((*info).FileName).cast::<u16>(), name.len());
    }
    let handle = file.as_raw_handle() as HANDLE;
    // SAFETY: an open handle with DELETE access and a complete FILE_RENAME_INFO of `size` bytes.
    if unsafe { SetFileInformationByHandle(handle, FileRenameInfoEx, info.cast(), size as u32) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: an open handle with write access.
    if unsafe { FlushFileBuffers(handle) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub fn sync_dir(_dir: &Path) {}

/// The maximum component length of `dir`'s volume (255 on NTFS, exFAT and
/// FAT32); 255 when the volume does not say (Wine reports 0).
pub fn max_name_len(dir: &Path) -> usize {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(handle) = open_metadata(dir) else { return 255 };
    let mut max_component = 0u32;
    // SAFETY: an open handle; the only output asked for is a u32 that
    // outlives the call (the name buffers are absent, with size 0).
    let ok = unsafe {
        GetVolumeInformationByHandleW(
            handle.as_raw_handle() as HANDLE,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            &mut max_component,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    if ok != 0 && max_component > 0 {
        max_component as usize
    } else {
        255
    }
}

pub fn name_len(name: &OsStr) -> usize {
    name.encode_wide().count()
}

pub const NAME_UNITS: &str = "UTF-16 code units";

pub fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf, String> {
    std::str::from_utf8(bytes)
        .map(PathBuf::from)
        .map_err(|e| format!("is not valid UTF-8 (invalid byte at offset {}); paths are UTF-8 on Windows", e.valid_up_to()))
}

pub fn path_bytes(path: &Path) -> Cow<'_, [u8]> {
    match path.to_string_lossy() {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

pub fn evict_from_page_cache(path: &Path) -> io::Result<()> {
    // Opening a file for unbuffered I/O makes the file system write back and
    // purge what the cache holds of it; the handle itself is not used.
    File::options().read(true).share_mode(SHARE_ALL).custom_flags(FILE_FLAG_NO_BUFFERING).open(path).map(drop)
}

pub fn will_need(_file: &File, _offset: u64, _len: u64) {}

pub fn open_uncached(_file: &File) -> io::Result<File> {
    Err(io::ErrorKind::Unsupported.into())
}

pub fn is_cached(_file: &File, _offset: u64, _len: u64) -> Option<bool> {
    None
}

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

pub const OUT_OF_DESCRIPTORS: &str =
    "the system refused to open more files (a session keeps one handle open per file; a network share may limit the files a client has open)";

pub fn is_out_of_descriptors(e: &io::Error) -> bool {
    // ERROR_TOO_MANY_OPEN_FILES
    e.raw_os_error() == Some(4)
}

pub fn is_symlink_loop(e: &io::Error) -> bool {
    // ERROR_CANT_RESOLVE_FILENAME
    e.raw_os_error() == Some(1921)
}
