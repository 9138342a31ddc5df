//! Windows. The only `unsafe` here are two documented Win32 calls that the
//! standard library does not offer on stable Rust: the file index behind a
//! handle (file identity) and a rename with write-through.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::AsRawHandle;
use std::path::{Path, PathBuf};

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, MoveFileExW, BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH,
};

use super::FileId;

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

pub fn path_id(path: &Path) -> io::Result<FileId> {
    // Access 0: metadata only; backup semantics: directories too.
    let f = File::options().access_mode(0).share_mode(SHARE_ALL).custom_flags(FILE_FLAG_BACKUP_SEMANTICS).open(path)?;
    file_id(&f)
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
    File::options().read(true).share_mode(SHARE_ALL).open(path)
}

/// A NUL-terminated UTF-16 path; absolute paths too long for the classic
/// API get the `\\?\` prefix, as the standard library does for its own calls.
fn wide(path: &Path) -> io::Result<Vec<u16>> {
    let mut p: Vec<u16> = path.as_os_str().encode_wide().collect();
    if p.len() >= 248 {
        let abs = std::path::absolute(path)?;
        let s: Vec<u16> = abs.as_os_str().encode_wide().collect();
        let verbatim: Vec<u16> = r"\\?\".encode_utf16().collect();
        let unc: Vec<u16> = r"\\".encode_utf16().collect();
        p = if s.starts_with(&verbatim) {
            s
        } else if s.starts_with(&unc) {
            r"\\?\UNC\".encode_utf16().chain(s[2..].iter().copied()).collect()
        } else {
            verbatim.into_iter().chain(s).collect()
        };
    }
    p.push(0);
    Ok(p)
}

pub fn replace_file(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (wide(from)?, wide(to)?);
    // SAFETY: both are valid NUL-terminated wide strings that outlive the call.
    if unsafe { MoveFileExW(f.as_ptr(), t.as_ptr(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) } == 0 {
        let e = io::Error::last_os_error();
        // ERROR_ACCESS_DENIED / ERROR_SHARING_VIOLATION: another program holds the old file open.
        if matches!(e.raw_os_error(), Some(5) | Some(32)) {
            return Err(io::Error::new(
                e.kind(),
                format!("{e}: another program has '{}' open without delete sharing; close it there and run again", to.display()),
            ));
        }
        return Err(e);
    }
    Ok(())
}

pub fn sync_dir(_dir: &Path) {}

pub fn max_name_len(_dir: &Path) -> usize {
    255
}

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

pub fn evict_from_page_cache(_file: &File) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

pub fn will_need(_file: &File, _offset: u64, _len: u64) {}

pub fn is_out_of_descriptors(e: &io::Error) -> bool {
    // ERROR_TOO_MANY_OPEN_FILES
    e.raw_os_error() == Some(4)
}

pub fn is_symlink_loop(e: &io::Error) -> bool {
    // ERROR_CANT_RESOLVE_FILENAME
    e.raw_os_error() == Some(1921)
}
