//! What the platform module promises acquisition software, on every
//! platform: a recording another program keeps open for writing is read and
//! followed without blocking it; an output that another program has open is
//! replaced, or kept whole with an error that says why. On Windows the other
//! program's handle is opened with the sharing modes such programs use.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::output::IfExists;
use crate::protect::ProtectedSet;
use crate::writer::Writer;
use crate::{ChannelSel, DataOrder, Dtype, Layout, OpenOptions, Reader};

const N_CH: usize = 3;

fn rows(first: i16, n: usize) -> Vec<u8> {
    (0..(n * N_CH) as i16).flat_map(|v| (first * N_CH as i16 + v).to_le_bytes()).collect()
}

/// The whole recording, observation after observation.
fn read_all(r: &Reader) -> Vec<u8> {
    let n = r.n_observations();
    let mut out = vec![0u8; n as usize * N_CH * 2];
    r.read(0, n, &ChannelSel::All, 0, Layout::SampleMajor, &mut out).unwrap();
    out
}

/// A writer as acquisition software opens one. On Windows, SpikeGLX-style:
/// write access sharing only reading (no write or delete sharing).
fn acquisition_writer(path: &Path) -> File {
    let mut o = File::options();
    o.create(true).append(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        o.share_mode(windows_sys::Win32::Storage::FileSystem::FILE_SHARE_READ);
    }
    o.open(path).unwrap()
}

fn follow(path: &Path) -> Reader {
    let opts = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(N_CH), data_order: Some(DataOrder::Samples), follow: true, ..Default::default() };
    Reader::open(path, &opts).unwrap()
}

#[test]
fn a_recording_open_for_writing_elsewhere_is_followed_without_blocking_its_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.bin");
    // The writer first, then the reader: opening must not fail on its sharing.
    let mut w = acquisition_writer(&path);
    let data = rows(0, 15);
    let (first, rest) = data.split_at(10 * N_CH * 2 + 1); // and a byte of the next observation
    w.write_all(first).unwrap();
    w.flush().unwrap();
    let r = follow(&path);
    assert_eq!(r.n_observations(), 10);
    assert_eq!(read_all(&r), data[..first.len() - 1]);
    // It keeps writing while the recording is followed.
    w.write_all(rest).unwrap();
    w.flush().unwrap();
    assert_eq!(r.refresh().unwrap(), 15);
    assert_eq!(read_all(&r), data);

    // The reader first: a writer that then opens the file (sharing only
    // reading on Windows) is not refused because of it.
    let path2 = dir.path().join("live2.bin");
    std::fs::write(&path2, rows(0, 4)).unwrap();
    let r2 = follow(&path2);
    let mut w2 = acquisition_writer(&path2);
    w2.write_all(&rows(4, 4)).unwrap();
    w2.flush().unwrap();
    assert_eq!(r2.refresh().unwrap(), 8);
    assert_eq!(read_all(&r2), rows(0, 8));
}

#[test]
fn a_recording_being_read_can_be_renamed_and_removed_by_its_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.bin");
    std::fs::write(&path, rows(0, 6)).unwrap();
    let r = follow(&path);
    // Acquisition software renames finished files and removes aborted ones.
    let moved = dir.path().join("run_g0.bin");
    std::fs::rename(&path, &moved).unwrap();
    let err = r.refresh().unwrap_err().to_string();
    assert!(err.contains("no longer exists at its path"), "{err}");
    assert_eq!(read_all(&r), rows(0, 6)); // the open file is still read
    std::fs::remove_file(&moved).unwrap();
}

fn publish(output: &Path, first: i16) -> crate::Result<()> {
    let mut w = Writer::create(output, DataOrder::Samples, N_CH, Dtype::I16, &ProtectedSet::default())?;
    w.append(Dtype::I16, 4, N_CH, Layout::SampleMajor, &rows(first, 4))?;
    w.finish().map(|_| ())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn an_output_open_for_reading_elsewhere_is_replaced_and_its_reader_keeps_the_old_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");
    publish(&out, 0).unwrap();
    assert_eq!(IfExists::default(), IfExists::Overwrite);
    // A program reading the previous output and sharing delete access, as
    // neurobatch's own readers and Rust's std do.
    let old = super::open_input(&out, "it").unwrap();
    match publish(&out, 100) {
        Ok(()) => {
            assert_eq!(std::fs::read(&out).unwrap(), rows(100, 4));
            let mut held = vec![0u8; 4 * N_CH * 2];
            super::read_exact_at(&old, &mut held, 0).unwrap();
            assert_eq!(held, rows(0, 4));
        }
        // Windows before 10 1709, or not NTFS, or Wine before 9: no rename
        // replaces an open file there. The output is kept, and the error says why.
        #[cfg(windows)]
        Err(e) if e.to_string().contains("this system cannot replace an open file") => {
            assert!(e.to_string().contains("out.bin' is open in another program"), "{e}");
            assert_eq!(std::fs::read(&out).unwrap(), rows(0, 4));
            eprintln!("this system cannot replace an open file; checked that the output was kept: {e}");
        }
        Err(e) => panic!("{e}"),
    }
    assert_eq!(names(dir.path()), ["out.bin", "out.yaml"]);
}

/// The Windows counterpart of replacing an open output: a program holding
/// it without delete sharing (the C runtime's `fopen`, MATLAB's `fopen`)
/// makes any replacement impossible on Windows, so the publish fails, keeps
/// the previous output and its sidecar byte for byte, and says why. Unix has
/// no such sharing modes: there the replacement above always succeeds.
#[cfg(windows)]
#[test]
fn an_output_held_without_delete_sharing_is_kept_and_the_error_says_why() {
    use std::os::windows::fs::OpenOptionsExt;
    use windows_sys::Win32::Storage::FileSystem::{FILE_SHARE_READ, FILE_SHARE_WRITE};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");
    publish(&out, 0).unwrap();
    let (data, yaml) = (std::fs::read(&out).unwrap(), std::fs::read(dir.path().join("out.yaml")).unwrap());
    let holder = File::options().read(true).share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE).open(&out).unwrap();
    let err = publish(&out, 100).unwrap_err().to_string();
    assert!(err.contains("out.bin' is open in another program"), "{err}");
    assert!(err.contains("does not share delete access") || err.contains("this system cannot replace an open file"), "{err}");
    assert!(err.contains("the previous output and its sidecar are as they were"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert_eq!(std::fs::read(dir.path().join("out.yaml")).unwrap(), yaml);
    assert_eq!(names(dir.path()), ["out.bin", "out.yaml"]);
    // Closed there, the next run publishes.
    drop(holder);
    publish(&out, 100).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), rows(100, 4));
}

#[test]
fn paths_longer_than_windows_classic_limit_are_read_and_published() {
    let dir = tempfile::tempdir().unwrap();
    // More than 260 characters in all (Windows' classic MAX_PATH).
    let mut deep = dir.path().to_path_buf();
    for k in 0..6 {
        deep.push(format!("{k}-a-folder-name-of-fifty-characters-for-long-paths"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    let input = deep.join("recording.bin");
    assert!(input.as_os_str().len() > 300, "{}", input.display());
    std::fs::write(&input, rows(0, 4)).unwrap();
    let r = follow(&input);
    assert_eq!(read_all(&r), rows(0, 4));
    let out = deep.join("out.bin");
    publish(&out, 0).unwrap();
    publish(&out, 7).unwrap(); // replacing it too
    assert_eq!(std::fs::read(&out).unwrap(), rows(7, 4));
    assert_eq!(super::path_id(&out).unwrap(), Some(super::file_id(&File::open(&out).unwrap()).unwrap()));
}

/// C callers give paths as bytes: any bytes on Unix, where paths are bytes.
#[cfg(unix)]
#[test]
fn c_paths_are_any_bytes_on_unix() {
    let p = super::path_from_bytes(b"/tmp/caf\xe9.bin").unwrap();
    assert_eq!(super::path_bytes(&p).as_ref(), b"/tmp/caf\xe9.bin");
}

/// The Windows counterpart: paths are UTF-8 there (converted to UTF-16), and
/// other bytes are refused with where they went wrong.
#[cfg(windows)]
#[test]
fn c_paths_are_utf8_on_windows() {
    let p = super::path_from_bytes("C:\\données\\café.bin".as_bytes()).unwrap();
    assert_eq!(p.to_str(), Some("C:\\données\\café.bin"));
    assert_eq!(super::path_bytes(&p).as_ref(), "C:\\données\\café.bin".as_bytes());
    let err = super::path_from_bytes(b"C:\\caf\xe9.bin").unwrap_err();
    assert!(err.contains("not valid UTF-8") && err.contains("offset 6"), "{err}");
}

/// File name limits count bytes on Unix and UTF-16 code units on Windows: a
/// name of non-ASCII letters that fits Windows' limit is too long for
/// Linux's, and the refusal names the platform's unit.
#[test]
fn file_names_are_limited_in_the_units_of_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let limit = super::max_name_len(dir.path());
    assert!(limit > 12, "{limit}");
    let letters = limit / 2 + 2; // 2 bytes each in UTF-8: too long in bytes, not in UTF-16 units
    let name = format!("{}.bin", "é".repeat(letters));
    assert_eq!(super::name_len(std::ffi::OsStr::new(&name)), if cfg!(windows) { letters + 4 } else { 2 * letters + 4 });
    let checked = crate::output::check_output_path(&dir.path().join(&name), &ProtectedSet::default());
    if cfg!(windows) {
        checked.unwrap();
    } else {
        let err = checked.unwrap_err().to_string();
        assert!(err.contains(&format!("its name is {} bytes, more than the {limit} bytes", 2 * letters + 4)), "{err}");
    }
    // An ASCII name is as long in either unit; its sidecar (.yaml) is one longer.
    let ascii = format!("{}.bin", "n".repeat(limit - 4));
    let err = crate::output::check_output_path(&dir.path().join(ascii), &ProtectedSet::default()).unwrap_err().to_string();
    let units = super::NAME_UNITS;
    assert!(err.contains(&format!("its sidecar's name is {} {units}, more than the {limit} {units}", limit + 1)), "{err}");
}

/// Eviction (for cold benchmarks) leaves the file as it was, and reports a
/// missing file; where the system has no per-file eviction it says so.
#[test]
fn evicting_a_file_from_the_cache_keeps_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cold.bin");
    std::fs::write(&path, rows(0, 1000)).unwrap();
    let evicts = cfg!(any(target_os = "linux", windows));
    match (super::evict_from_page_cache(&path), evicts) {
        (Ok(()), true) => {}
        (Err(e), false) if e.kind() == std::io::ErrorKind::Unsupported => {}
        (other, _) => panic!("{other:?}, on a system that evicts: {evicts}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), rows(0, 1000));
    if evicts {
        let err = super::evict_from_page_cache(&dir.path().join("missing.bin")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    }
}

#[test]
fn a_range_just_read_is_never_reported_uncached_and_uncached_reads_see_the_same_bytes() {
    // A wrong "not cached" would send warm data past the cache to the disk
    // (or the network) on every read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.bin");
    let bytes: Vec<u8> = (0..1u32 << 20).map(|v| (v % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let file = File::open(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_ne!(super::is_cached(&file, 0, bytes.len() as u64), Some(false));
    assert_ne!(super::is_cached(&file, 4096, 100_000), Some(false));
    match super::open_uncached(&file) {
        Ok(direct) => {
            assert_eq!(super::file_id(&direct).unwrap(), super::file_id(&file).unwrap());
            // Aligned memory, offset and length, as uncached reads need.
            let mut buf = memmap2::MmapMut::map_anon(3 * super::UNCACHED_ALIGN).unwrap();
            match super::read_at(&direct, &mut buf[..], 8192) {
                Ok(n) => assert_eq!(&buf[..n], &bytes[8192..8192 + n]),
                // tmpfs and some file systems refuse O_DIRECT: the reader then reads through the cache.
                Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}"),
            }
        }
        // Unsupported off Linux; InvalidInput from a file system without O_DIRECT.
        Err(e) => assert!(matches!(e.kind(), std::io::ErrorKind::Unsupported | std::io::ErrorKind::InvalidInput), "{e}"),
    }
}
