//! A Rust panic inside the library during an apply to disk, injected at
//! each point where one could happen (the calling thread, the writer
//! thread, a worker thread): the call returns NB_STATUS_PANIC, no output,
//! sidecar or temporary file is left, an existing output is untouched, the
//! handle reports its state, and the library keeps working. Then I/O errors
//! at the points where the disk can fail: writing the data (a full disk; on
//! every platform, where tests/c/test_failures.c's RLIMIT_FSIZE is Unix's
//! only) and the renames that publish an output.
//!
//! One test function: the injection switch is global to the process.

mod common;

use std::ffi::CString;
use std::path::Path;
use std::ptr::{null, null_mut};

use common::ffi::{apply_options, batch_options, c_path, copy_batch, last_error, open_reader as open};
use neurobatch::ffi::*;
use neurobatch_core::{DataOrder, Dtype};

unsafe extern "C" {
    fn nb__test_inject_panic(point: u32, skip: u64);
}

const DELIVER: u32 = 1;
const WRITE: u32 = 2;
const WORKER: u32 = 3;
const PUBLISH_SIDECAR: u32 = 4;
const PUBLISH_DATA: u32 = 5;
const RESTORE_SIDECAR: u32 = 6;
const WRITE_DATA: u32 = 7;

fn apply_to(r: *const nb_reader, output: &Path, threads: u32) -> nb_status {
    apply_with(r, output, threads, Some(copy_batch))
}

/// An apply to disk of 20 batches; `f` None is a convert.
fn apply_with(r: *const nb_reader, output: &Path, threads: u32, f: nb_apply_fn) -> nb_status {
    let out = c_path(output);
    let (mut b, mut a) = (batch_options(), apply_options());
    b.max_memory = 4 * 2 * 500; // 20 batches
    a.mode = NB_APPLY_MODE_DISK;
    a.output_path = out.as_ptr();
    a.n_threads = threads;
    let mut res = null_mut();
    let st = unsafe { nb_reader_apply(r, &b, &a, f, null_mut(), &mut res, null_mut()) };
    unsafe { nb_result_list_free(res) };
    st
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn injected_panics_leave_nothing_behind_and_the_library_usable() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::write_fixture(dir.path(), "in.bin", Dtype::I16, 4, 10_000, DataOrder::Samples);
    std::fs::write(dir.path().join("in.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
    let input_bytes = std::fs::read(&input).unwrap();
    let existing = dir.path().join("existing.bin");
    std::fs::write(&existing, b"precious").unwrap();
    std::fs::write(dir.path().join("existing.yaml"), b"precious sidecar").unwrap();
    let fresh = dir.path().join("fresh.bin");
    let before = entries(dir.path());

    let mut injected = 0;
    for (point, threads, poisons) in [(DELIVER, 1, true), (WRITE, 1, true), (DELIVER, 2, true), (WRITE, 2, true), (WORKER, 2, false)] {
        for skip in [0u64, 7] {
            for output in [&fresh, &existing] {
                let r = open(&input);
                unsafe { nb__test_inject_panic(point, skip) };
                let st = apply_to(r, output, threads);
                injected += 1;
                let what = format!("point {point}, {threads} thread(s), skip {skip}, {}", output.display());
                assert_eq!(st, NB_STATUS_PANIC, "{what}: {}", last_error());
                assert!(last_error().contains("injected panic"), "{what}: {}", last_error());
                // Nothing written, nothing left over, nothing touched.
                assert_eq!(entries(dir.path()), before, "{what}");
                assert_eq!(std::fs::read(&existing).unwrap(), b"precious", "{what}");
                assert_eq!(std::fs::read(&input).unwrap(), input_bytes, "{what}");
                // The handle reports its state: poisoned when the panic crossed
                // a call that borrowed it, usable when a worker's panic was
                // contained on its own thread.
                let again = apply_to(r, &fresh, threads);
                if poisons {
                    assert_eq!(again, NB_STATUS_POISONED, "{what}");
                    assert!(last_error().contains("poisoned"), "{what}");
                } else {
                    assert_eq!(again, NB_STATUS_OK, "{what}: {}", last_error());
                    std::fs::remove_file(&fresh).unwrap();
                    std::fs::remove_file(dir.path().join("fresh.yaml")).unwrap();
                }
                unsafe { nb_reader_free(r) };
                // The library keeps working: a new reader, a complete output.
                let r = open(&input);
                assert_eq!(apply_to(r, &fresh, threads), NB_STATUS_OK, "{what}: {}", last_error());
                assert_eq!(std::fs::read(&fresh).unwrap(), input_bytes, "{what}");
                std::fs::remove_file(&fresh).unwrap();
                std::fs::remove_file(dir.path().join("fresh.yaml")).unwrap();
                unsafe { nb_reader_free(r) };
            }
        }
    }
    eprintln!("{injected} panics injected");

    // A write of the data fails (a full disk, a file size limit): at the first
    // write and in the middle of the output, through the writer thread, a
    // parallel apply and a convert (no function, streamed). Nothing is
    // published, nothing is left, nothing is touched, and the handle is not
    // poisoned by an ordinary error.
    let mut write_errors = 0;
    for (threads, f, how) in [(1, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _), "apply"), (2, Some(copy_batch), "apply"), (1, None, "convert")] {
        for skip in [0u64, 7] {
            for output in [&fresh, &existing] {
                let r = open(&input);
                unsafe { nb__test_inject_panic(WRITE_DATA, skip) };
                let st = apply_with(r, output, threads, f);
                let what = format!("write error after {skip} writes, {how}, {threads} thread(s), {}", output.display());
                assert_eq!(st, NB_STATUS_IO, "{what}: {}", last_error());
                assert!(last_error().contains("writing output") && last_error().contains("injected I/O error"), "{what}: {}", last_error());
                write_errors += 1;
                assert_eq!(entries(dir.path()), before, "{what}");
                assert_eq!(std::fs::read(&existing).unwrap(), b"precious", "{what}");
                assert_eq!(std::fs::read(dir.path().join("existing.yaml")).unwrap(), b"precious sidecar", "{what}");
                assert_eq!(std::fs::read(&input).unwrap(), input_bytes, "{what}");
                assert_eq!(apply_with(r, &fresh, threads, f), NB_STATUS_OK, "{what}: {}", last_error());
                assert_eq!(std::fs::read(&fresh).unwrap(), input_bytes, "{what}");
                std::fs::remove_file(&fresh).unwrap();
                std::fs::remove_file(dir.path().join("fresh.yaml")).unwrap();
                unsafe { nb_reader_free(r) };
            }
        }
    }
    eprintln!("{write_errors} write errors injected");

    // A publish whose rename fails (an immutable sidecar, EIO): at the new
    // sidecar, at the data (the commit), and at the data with putting the
    // old sidecar back failing too. Before the commit, the previous output
    // and its sidecar stay byte-identical and nothing else is left.
    let previous = std::fs::read(&existing).unwrap();
    let previous_yaml = std::fs::read(dir.path().join("existing.yaml")).unwrap();
    for (point, skip) in [(PUBLISH_SIDECAR, 0u64), (PUBLISH_DATA, 0)] {
        for threads in [1, 2] {
            let r = open(&input);
            unsafe { nb__test_inject_panic(point, skip) };
            let st = apply_to(r, &existing, threads);
            let what = format!("failing rename at point {point}, {threads} thread(s)");
            assert_eq!(st, NB_STATUS_IO, "{what}: {}", last_error());
            assert!(last_error().contains("injected I/O error") && last_error().contains("as they were"), "{what}: {}", last_error());
            assert_eq!(std::fs::read(&existing).unwrap(), previous, "{what}");
            assert_eq!(std::fs::read(dir.path().join("existing.yaml")).unwrap(), previous_yaml, "{what}");
            assert_eq!(entries(dir.path()), before, "{what}");
            // The handle is not poisoned by an ordinary error: the same apply now succeeds.
            assert_eq!(apply_to(r, &fresh, threads), NB_STATUS_OK, "{what}: {}", last_error());
            std::fs::remove_file(&fresh).unwrap();
            std::fs::remove_file(dir.path().join("fresh.yaml")).unwrap();
            unsafe { nb_reader_free(r) };
        }
    }
    // The data rename fails and so does putting the old sidecar back: the
    // error says so, and the new sidecar left beside the old data is refused
    // by readers (it records the size of the data that was not published).
    std::fs::write(&existing, vec![0u8; 8 * 10]).unwrap(); // 10 observations of 4 int16 channels
    std::fs::write(dir.path().join("existing.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
    let r = open(&input);
    unsafe {
        nb__test_inject_panic(PUBLISH_DATA, 0);
        nb__test_inject_panic(RESTORE_SIDECAR, 0);
    }
    assert_eq!(apply_to(r, &existing, 1), NB_STATUS_IO, "{}", last_error());
    assert!(last_error().contains("putting the previous sidecar back failed too"), "{}", last_error());
    let mut rr = null_mut();
    let c = CString::new(existing.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { nb_reader_open(c.as_ptr(), null(), &mut rr) }, NB_STATUS_SIDECAR_INVALID, "{}", last_error());
    assert!(last_error().contains("do not belong together"), "{}", last_error());
    unsafe { nb_reader_free(r) };
}
