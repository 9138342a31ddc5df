//! The C ABI's contract, exercised through the rlib: NULL policy, statuses,
//! the thread-local last error, panics and poisoning, versions.

mod common;

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use neurobatch::ffi::*;
use neurobatch_core::{DataOrder, Dtype};

unsafe extern "C" {
    fn nb__test_panic(reader: *const std::ffi::c_void) -> nb_status;
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(nb_last_error_message()) }.to_string_lossy().into_owned()
}

fn open_fixture(dir: &std::path::Path) -> *mut nb_reader {
    let path = common::write_fixture(dir, "f.bin", Dtype::I16, 4, 100, DataOrder::Samples);
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    let mut o = std::mem::MaybeUninit::<nb_open_options>::uninit();
    assert_eq!(unsafe { nb_open_options_init(o.as_mut_ptr(), NB_OPEN_OPTIONS_VERSION) }, NB_STATUS_OK);
    let mut o = unsafe { o.assume_init() };
    o.dtype = NB_DTYPE_INT16;
    o.n_channels = 4;
    o.data_order = NB_DATA_ORDER_SAMPLES;
    let mut r = null_mut();
    assert_eq!(unsafe { nb_reader_open(cpath.as_ptr(), &o, &mut r) }, NB_STATUS_OK, "{}", last_error());
    r
}

#[test]
fn null_arguments_are_reported_and_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let r = open_fixture(dir.path());
    // A sentinel that must survive the failed call: outputs are written on success only.
    let mut c: *mut nb_cursor = std::ptr::dangling_mut();
    assert_eq!(unsafe { nb_cursor_new(null(), null(), &mut c) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(c, std::ptr::dangling_mut(), "out written on failure");
    assert!(last_error().contains("reader"));
    assert_eq!(unsafe { nb_cursor_new(r, null(), null_mut()) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(unsafe { nb_reader_open(null(), null(), &mut null_mut()) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(unsafe { nb_max_memory_parse(null(), &mut 0) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(unsafe { nb_cursor_next(null_mut(), &mut null()) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(unsafe { nb_reader_read(r, 0, 1, null(), 2, 0, 0, null_mut(), 0, null_mut()) }, NB_STATUS_NULL_ARGUMENT);
    assert_eq!(unsafe { nb_reader_n_observations(null()) }, 0);
    assert_eq!(unsafe { nb_reader_dtype(null()) }, NB_DTYPE_UNSET);
    unsafe {
        nb_reader_free(null_mut());
        nb_cursor_free(null_mut());
        nb_reader_free(r);
    }
}

#[test]
fn last_error_is_per_thread_and_copyable() {
    let bad = CString::new("1.5GB").unwrap();
    assert_eq!(unsafe { nb_max_memory_parse(bad.as_ptr(), &mut 0) }, NB_STATUS_BAD_MEMORY);
    assert!(last_error().contains("'1.5GB'"));
    std::thread::spawn(|| {
        assert_eq!(last_error(), "");
        let bad = CString::new("int12").unwrap();
        assert_eq!(unsafe { nb_dtype_from_name(bad.as_ptr(), &mut 0) }, NB_STATUS_BAD_DTYPE);
        assert!(last_error().contains("int12"));
    })
    .join()
    .unwrap();
    assert!(last_error().contains("'1.5GB'"), "other thread's error leaked here");
    let need = unsafe { nb_last_error_copy(null_mut(), 0) };
    let mut buf = vec![0 as std::ffi::c_char; 8];
    assert_eq!(unsafe { nb_last_error_copy(buf.as_mut_ptr(), 8) }, need);
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes().len(), 7);
}

#[test]
fn panics_are_caught_and_poison_the_handle() {
    let dir = tempfile::tempdir().unwrap();
    let r = open_fixture(dir.path());
    assert_eq!(unsafe { nb__test_panic(r as *const std::ffi::c_void) }, NB_STATUS_PANIC);
    assert!(last_error().contains("internal panic: test panic requested"), "{}", last_error());
    let mut c = null_mut();
    assert_eq!(unsafe { nb_cursor_new(r, null(), &mut c) }, NB_STATUS_POISONED);
    assert!(last_error().contains("poisoned"));
    assert_eq!(unsafe { nb_reader_n_channels(r) }, 0);
    unsafe { nb_reader_free(r) };
}

#[test]
fn versions_agree_with_cargo_and_the_header() {
    let v = unsafe { CStr::from_ptr(nb_version_string()) }.to_str().unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/neurobatch.h")).unwrap();
    let define = |name: &str| -> String {
        let line = header.lines().find(|l| l.starts_with(&format!("#define {name} "))).unwrap_or_else(|| panic!("{name} missing"));
        line[format!("#define {name} ").len()..].trim().to_string()
    };
    assert_eq!(define("NB_VERSION_STRING"), format!("\"{v}\""));
    assert_eq!(define("NB_VERSION_NUMBER").parse::<u32>().unwrap(), nb_version_number());
    assert_eq!(define("NB_ABI_VERSION").parse::<u32>().unwrap(), nb_abi_version());
    let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(nb_version_number(), parts[0] * 10000 + parts[1] * 100 + parts[2]);
    assert_eq!(define("NB_VERSION_MAJOR").parse::<u32>().unwrap(), parts[0]);
}

#[test]
fn options_versions_are_checked() {
    let mut o = std::mem::MaybeUninit::<nb_batch_options>::uninit();
    assert_eq!(unsafe { nb_batch_options_init(o.as_mut_ptr(), 99) }, NB_STATUS_BAD_VERSION);
    assert!(last_error().contains("99"));
    assert_eq!(unsafe { nb_batch_options_init(o.as_mut_ptr(), NB_BATCH_OPTIONS_VERSION) }, NB_STATUS_OK);
    let o = unsafe { o.assume_init() };
    assert_eq!((o.max_memory, o.to_time, o.force_complete_channel_batch), (1 << 30, NB_TO_END, true));
}

#[test]
fn status_strings_and_dtype_names() {
    for s in [NB_STATUS_OK, NB_STATUS_DONE, NB_STATUS_IO, NB_STATUS_PANIC, 12345] {
        assert!(!unsafe { CStr::from_ptr(nb_status_str(s)) }.to_bytes().is_empty());
    }
    for d in NB_DTYPE_INT8..=NB_DTYPE_FLOAT64 {
        let name = unsafe { CStr::from_ptr(nb_dtype_name(d)) };
        let mut back = 0;
        assert_eq!(unsafe { nb_dtype_from_name(name.as_ptr(), &mut back) }, NB_STATUS_OK);
        assert_eq!(back, d);
        assert!(nb_dtype_size(d) > 0);
    }
    assert_eq!(nb_dtype_size(0), 0);
    let mut need = 0;
    let p = CString::new("dir/rec.bin").unwrap();
    assert_eq!(unsafe { nb_sidecar_path(p.as_ptr(), null_mut(), 0, &mut need) }, NB_STATUS_BUFFER_TOO_SMALL);
    let mut buf = vec![0 as std::ffi::c_char; need];
    assert_eq!(unsafe { nb_sidecar_path(p.as_ptr(), buf.as_mut_ptr(), need, &mut need) }, NB_STATUS_OK);
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(), "dir/rec.yaml");
}

/// Every exported function is declared in the header, named `nb_<object>_<verb>`
/// after the file of its object, and documented there.
#[test]
fn every_export_is_declared_in_its_objects_file() {
    let root = env!("CARGO_MANIFEST_DIR");
    let header = std::fs::read_to_string(format!("{root}/include/neurobatch.h")).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(format!("{root}/src/ffi")).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(at) = line.find("extern \"C\" fn nb_") else { continue };
            let name: String = line[at + 14..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.starts_with("nb__") {
                continue; // test-only exports, never in the header
            }
            seen += 1;
            assert!(lines[..i].iter().rev().find(|l| !l.starts_with("#[")).is_some_and(|l| l.starts_with("///")), "{name} has no doc comment");
            let declared = header.lines().any(|l| l.contains(&format!(" {name}(")) || l.contains(&format!("*{name}(")));
            assert!(declared, "{name} (src/ffi/{module}.rs) is not declared in include/neurobatch.h");
            // The object is the file: nb_reader_* in reader.rs, nb_result_view_* in result_view.rs.
            let object = module.trim_end_matches("_options");
            let allowed = name.starts_with(&format!("nb_{module}_"))
                || name.starts_with(&format!("nb_{object}_"))
                || matches!(module.as_str(), "version" | "error" | "status");
            assert!(allowed, "{name} lives in src/ffi/{module}.rs: C functions are nb_<object>_<verb> in the file of their object");
        }
    }
    assert!(seen > 50, "found only {seen} exports");
}
