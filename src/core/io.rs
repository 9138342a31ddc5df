//! Byte access to a recording file: positioned reads into page-aligned
//! buffers (the default) or short-lived mappings of just the needed range.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use memmap2::{MmapMut, MmapOptions};

use crate::error::{show, Error, Result};
use crate::platform;

pub const PAGE: usize = 4096;

/// Buffers at least this large ask for transparent huge pages: first-touching
/// fresh 4 KiB pages cost about as much as reading the data (performance-notes).
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// How bytes travel from the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Loader {
    /// `pread` into reused page-aligned buffers; steady and memory-bounded.
    #[default]
    Pread,
    /// Map only the byte range a read needs, and unmap it right after.
    Mmap,
}

/// A page-aligned, zero-initialised heap buffer that only grows. Anonymous
/// mappings give the alignment without unsafe code.
#[derive(Default, Debug)]
pub struct AlignedBuf {
    map: Option<MmapMut>,
}

impl AlignedBuf {
    /// At least `len` bytes. Contents are unspecified after a grow.
    pub fn ensure(&mut self, len: usize) -> std::io::Result<&mut [u8]> {
        let have = self.map.as_ref().map_or(0, |m| m.len());
        if have < len {
            self.map = None; // release the old pages before taking new ones
            let size = len.div_ceil(PAGE).max(1) * PAGE;
            let map = MmapMut::map_anon(size)?;
            if size >= HUGE_PAGE_THRESHOLD {
                platform::advise_huge_pages(&map);
            }
            self.map = Some(map);
        }
        Ok(match self.map.as_mut() {
            Some(m) => &mut m[..],
            None => &mut [],
        })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.map.as_deref_mut().unwrap_or(&mut [])
    }
}

/// Reads `dst.len()` bytes at `offset`; a short file is an error.
pub fn pread_exact(file: &File, offset: u64, dst: &mut [u8]) -> std::io::Result<()> {
    platform::read_exact_at(file, dst, offset)
}

/// Reads a small text file (sidecar, `.meta`, `structure.oebin`, manifest)
/// that `what` names in messages: never blocks on a FIFO, refuses anything
/// but a regular file of at most `max_bytes`, requires UTF-8 and drops a
/// leading byte order mark (editors on Windows write one).
pub fn read_text(path: &Path, what: &str, max_bytes: u64) -> Result<String> {
    read_text_or(path, what, max_bytes, |reason| Error::InvalidArgument(format!("{what} {} {reason}", show(path))))
}

/// As `read_text`; a file that exists but is not usable text becomes
/// `invalid(reason)`, the reason without the path.
pub fn read_text_or(path: &Path, what: &str, max_bytes: u64, invalid: impl Fn(String) -> Error) -> Result<String> {
    let described = format!("{what} {}", show(path));
    let file = match platform::open_input(path, "it") {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return Err(invalid(e.to_string().trim_start_matches("it ").to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::io(format!("{described} does not exist"), e)),
        Err(e) if platform::is_symlink_loop(&e) => return Err(Error::io(format!("{described} cannot be resolved: its symbolic links form a loop"), e)),
        Err(e) if platform::is_out_of_descriptors(&e) => return Err(Error::io(format!("opening {described}: {}", platform::OUT_OF_DESCRIPTORS), e)),
        Err(e) => return Err(Error::io(format!("opening {described}"), e)),
    };
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| Error::io(format!("reading {described}"), e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(invalid(format!("is larger than {max_bytes} bytes; it cannot be a {what}")));
    }
    let text = String::from_utf8(bytes).map_err(|e| invalid(format!("is not UTF-8 text: invalid byte at offset {}", e.utf8_error().valid_up_to())))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// Calls `f` with the file's bytes `[offset, offset + len)`, read through
/// `loader`. With `Pread` the bytes land in `scratch` at in-buffer offset
/// `offset % PAGE`, which keeps the kernel's copy on its fast path.
pub fn with_bytes<R>(file: &File, loader: Loader, offset: u64, len: usize, scratch: &mut AlignedBuf, f: impl FnOnce(&[u8]) -> R) -> std::io::Result<R> {
    if len == 0 {
        return Ok(f(&[]));
    }
    let skew = (offset % PAGE as u64) as usize;
    match loader {
        Loader::Pread => {
            let buf = scratch.ensure(skew + len)?;
            let dst = &mut buf[skew..skew + len];
            pread_exact(file, offset, dst)?;
            Ok(f(dst))
        }
        Loader::Mmap => {
            // Touching a mapped page past the end of the file raises SIGBUS,
            // which would kill the host: check the length first, so a file
            // truncated by another process is an error like a short pread.
            if file.metadata()?.len() < offset + len as u64 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            // SAFETY: the mapping is read-only and private to this call, and
            // the library never writes input files. A truncation racing with
            // the copy below, after the check above, can still raise SIGBUS:
            // the residual hazard documented for mappings (README, Reliability).
            let map = unsafe { MmapOptions::new().offset(offset - skew as u64).len(skew + len).map(file)? };
            Ok(f(&map[skew..skew + len]))
        }
    }
}
