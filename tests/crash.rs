//! What survives a crash, and what a crash never is.
//!
//! - A process killed in the middle of a disk apply (SIGKILL on Unix,
//!   TerminateProcess on Windows: `Child::kill`) leaves the previous output
//!   and its sidecar untouched; a rerun succeeds, removes the abandoned
//!   temporary files and never collides with them.
//! - The library never writes to stderr: its own panics (calling thread or
//!   worker) reach the caller as a status only, while a panic of the host
//!   program still reaches the host's hook.
//! - A file truncated while the pread loader reads a sparse channel
//!   selection gives an error, never SIGBUS.
//!
//! The child processes are this test binary run again with one test selected
//! and an environment variable saying what to do.

mod common;

use std::ffi::{c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use common::ffi::{apply_options, batch_options, c_path, last_error, open_reader as open};
use neurobatch::ffi::*;
use neurobatch_core::{ChannelSel, DataOrder, Dtype, Layout, Loader, OpenOptions, Reader};

unsafe extern "C" {
    fn nb__test_panic(reader: *const c_void) -> nb_status;
    fn nb__test_inject_panic(point: u32, skip: u64);
}

const N_CH: usize = 4;
const N_OBS: u64 = 200_000;

/// A callback that copies the block; with `user_data` set (a marker path),
/// it creates the marker after the third batch and then works slowly, so
/// the parent can kill the process in the middle of the run.
unsafe extern "C" fn copy_slowly(b: *const nb_batch, _p: *const nb_result_view, out: *mut nb_result_slot, user: *mut c_void) -> i32 {
    let b = unsafe { &*b };
    if !user.is_null() && b.batch_index >= 3 {
        let marker = unsafe { CStr::from_ptr(user as *const std::ffi::c_char) }.to_str().unwrap();
        let _ = std::fs::write(marker, b"started");
        std::thread::sleep(Duration::from_millis(200));
    }
    unsafe { nb_result_slot_set(out, b.dtype, b.n_rows, b.n_channels, b.layout, b.data) }
}

fn apply_to_disk(r: *const nb_reader, output: &Path, marker: Option<&CString>, threads: u32) -> nb_status {
    let out = c_path(output);
    let (mut b, mut a) = (batch_options(), apply_options());
    b.max_memory = (N_CH * 2 * 10_000) as u64; // 20 batches
    a.mode = NB_APPLY_MODE_DISK;
    a.output_path = out.as_ptr();
    a.n_threads = threads;
    let user = marker.map_or(null_mut(), |m| m.as_ptr() as *mut c_void);
    unsafe { nb_reader_apply(r, &b, &a, Some(copy_slowly), user, null_mut(), null_mut()) }
}

fn hidden(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with('.')).collect();
    v.sort();
    v
}

/// This test binary, running only `test` with `NB_CHILD` set to `task`.
fn child(test: &str, task: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", test, "--nocapture", "--test-threads=1"]).env("NB_CHILD", task);
    c
}

fn child_task() -> Option<String> {
    std::env::var("NB_CHILD").ok()
}

#[test]
fn killed_during_a_disk_apply() {
    if let Some(task) = child_task() {
        // The child: a disk apply over the previous output, killed by the parent.
        let dir = PathBuf::from(task);
        let r = open(&dir.join("in.bin"));
        let marker = CString::new(dir.join("started").to_str().unwrap()).unwrap();
        let threads = std::env::var("NB_CHILD_THREADS").map_or(1, |t| t.parse().unwrap());
        apply_to_disk(r, &dir.join("out.bin"), Some(&marker), threads);
        unreachable!("the parent kills this process before the apply ends");
    }
    for threads in ["1", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let input = common::write_fixture(dir.path(), "in.bin", Dtype::I16, N_CH, N_OBS, DataOrder::Samples);
        std::fs::write(dir.path().join("in.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
        std::fs::write(dir.path().join("out.bin"), b"previous output").unwrap();
        std::fs::write(dir.path().join("out.yaml"), b"previous sidecar").unwrap();
        for round in 0..2 {
            let _ = round;
            let _ = std::fs::remove_file(dir.path().join("started"));
            let mut c = child("killed_during_a_disk_apply", dir.path().to_str().unwrap())
                .env("NB_CHILD_THREADS", threads)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let t0 = Instant::now();
            while !dir.path().join("started").exists() {
                assert!(t0.elapsed() < Duration::from_secs(60), "the child never started its apply");
                assert!(c.try_wait().unwrap().is_none(), "the child ended before it was killed");
                std::thread::sleep(Duration::from_millis(10));
            }
            c.kill().unwrap(); // SIGKILL / TerminateProcess: nothing runs after it
            c.wait().unwrap();
            // The previous output is untouched; the abandoned temporary files remain.
            assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), b"previous output");
            assert_eq!(std::fs::read(dir.path().join("out.yaml")).unwrap(), b"previous sidecar");
            // The killed writer's lock and data file; the second writer removed
            // what the first killed one had left.
            let left = hidden(dir.path());
            assert!(left.len() == 2 && left.iter().any(|n| n.ends_with(".nblock")), "round {round}: {left:?}");
        }
        // A rerun succeeds, never collides with the abandoned files, and removes them.
        let r = open(&input);
        assert_eq!(apply_to_disk(r, &dir.path().join("out.bin"), None, 1), NB_STATUS_OK, "{}", last_error());
        unsafe { nb_reader_free(r) };
        assert_eq!(hidden(dir.path()), Vec::<String>::new(), "{threads} thread(s)");
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), std::fs::read(&input).unwrap());
    }
}

#[test]
fn the_library_never_prints_but_the_host_still_does() {
    if let Some(task) = child_task() {
        let dir = PathBuf::from(task);
        let r = open(&dir.join("in.bin"));
        // A panic on the calling thread, and one on a parallel worker.
        assert_eq!(unsafe { nb__test_panic(r as *const c_void) }, NB_STATUS_PANIC);
        assert!(last_error().contains("test panic requested"));
        let r2 = open(&dir.join("in.bin"));
        unsafe { nb__test_inject_panic(3, 0) };
        assert_eq!(apply_to_disk(r2, &dir.join("out.bin"), None, 2), NB_STATUS_PANIC, "{}", last_error());
        // The host's own panic, caught by the host: its hook reports it.
        let _ = std::panic::catch_unwind(|| panic!("host panic marker"));
        println!("child done");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    common::write_fixture(dir.path(), "in.bin", Dtype::I16, N_CH, 50_000, DataOrder::Samples);
    std::fs::write(dir.path().join("in.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
    let out = child("the_library_never_prints_but_the_host_still_does", dir.path().to_str().unwrap()).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && stdout.contains("child done"), "{stdout}\n{stderr}");
    assert!(!stderr.contains("test panic requested") && !stderr.contains("injected panic"), "the library printed:\n{stderr}");
    assert!(stderr.contains("host panic marker"), "the host's panic did not reach its hook:\n{stderr}");
}

#[test]
fn truncation_under_the_pread_loader_is_an_error_not_sigbus() {
    let dir = tempfile::tempdir().unwrap();
    let n_ch = 64;
    let n_obs = 100_000u64;
    let path = common::write_fixture(dir.path(), "big.bin", Dtype::I16, n_ch, n_obs, DataOrder::Samples);
    let opts =
        OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(n_ch), data_order: Some(DataOrder::Samples), loader: Loader::Pread, ..Default::default() };
    let reader = Reader::open(&path, &opts).unwrap();
    let full = std::fs::metadata(&path).unwrap().len();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (mut ok, mut changed) = (0, 0);
    // Stops the truncating thread even when an assertion below panics; otherwise
    // the scope would wait for it forever and the test would hang, not fail.
    struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        s.spawn(|| {
            // Cut the file in half and restore its length, over and over.
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                f.set_len(full / 2).unwrap();
                std::thread::sleep(Duration::from_millis(1));
                f.set_len(full).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        // A sparse selection (2 of 64 channels): the mmap loader would gather it
        // from a mapping; the pread loader must never map.
        let sel = ChannelSel::List(vec![1, 40]);
        let mut buf = vec![0u8; 50_000 * 2 * 2];
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_millis(1500) {
            for start in (0..n_obs - 50_000).step_by(25_000) {
                match reader.read(start, start + 50_000, &sel, 0, Layout::SampleMajor, &mut buf) {
                    Ok(()) => ok += 1,
                    Err(neurobatch_core::Error::InputChanged { .. }) => changed += 1,
                    Err(e) => panic!("unexpected error: {e}"),
                }
            }
        }
    });
    eprintln!("{ok} reads, {changed} saw the truncation");
    assert!(changed > 0, "the truncation was never seen: the test did not exercise anything");
}
