//! The bad-input catalogue: every entry point of the C ABI given wrong
//! values. Each case must fail with its specific status and a message that
//! names the bad value; nothing may panic, abort or write an output.
//!
//! The table in `docs/bad-inputs.md` is rendered from these cases and must
//! match them: `NB_BLESS=1 cargo test --test bad_inputs` rewrites it.

// The catalogue is tables of closures; naming each signature would add nothing.
#![allow(clippy::type_complexity)]

mod common;

use std::ffi::{c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};

use neurobatch::ffi::*;
use neurobatch_core::{DataOrder, Dtype};

const N_CH: usize = 4;
const N_OBS: u64 = 100;

struct Case {
    entry: &'static str,
    input: String,
    expect: nb_status,
    /// Text the message must contain: the bad value, and what was expected.
    names: Vec<String>,
    run: Box<dyn FnOnce() -> nb_status>,
}

struct Catalogue {
    dir: PathBuf,
    cases: Vec<Case>,
}

impl Catalogue {
    /// `names` under `$DIR` are paths written with `/`, shown with the platform's separator.
    fn add(&mut self, entry: &'static str, input: &str, expect: nb_status, names: &[&str], run: impl FnOnce() -> nb_status + 'static) {
        let names = names
            .iter()
            .map(|n| if n.contains("$DIR") { os_path(n) } else { n.to_string() })
            .map(|n| n.replace("$DIR", &self.dir.display().to_string()))
            .collect();
        self.cases.push(Case { entry, input: input.into(), expect, names, run: Box::new(run) });
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A relative path written with `/`, as the library shows it on this platform.
fn os_path(p: &str) -> String {
    p.replace('/', std::path::MAIN_SEPARATOR_STR)
}

/// What the operating system says of a missing file and of a path through a
/// file: its own words on Unix; on Windows its error number, because Wine's
/// words differ from Windows'.
#[cfg(unix)]
const OS_NO_SUCH_FILE: &str = "No such file";
#[cfg(unix)]
const OS_NOT_A_DIRECTORY: &str = "Not a directory";
#[cfg(windows)]
const OS_NO_SUCH_FILE: &str = "(os error 2)";
#[cfg(windows)]
const OS_NOT_A_DIRECTORY: &str = "(os error 3)";

/// A device to read (endless zeros) and one to write to: Unix's `/dev/zero`
/// and `/dev/full`; Windows has `NUL` for both.
#[cfg(unix)]
const DEVICES: (&str, &str) = ("/dev/zero", "/dev/full");
#[cfg(windows)]
const DEVICES: (&str, &str) = ("NUL", "NUL");

fn c(p: &Path) -> CString {
    CString::new(p.as_os_str().as_encoded_bytes()).unwrap()
}

fn s(text: &str) -> CString {
    CString::new(text).unwrap()
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(nb_last_error_message()) }.to_string_lossy().into_owned()
}

fn open_opts(dtype: nb_dtype, n_ch: usize, order: nb_data_order) -> nb_open_options {
    let mut o = std::mem::MaybeUninit::<nb_open_options>::uninit();
    assert_eq!(unsafe { nb_open_options_init(o.as_mut_ptr(), NB_OPEN_OPTIONS_VERSION) }, NB_STATUS_OK);
    let mut o = unsafe { o.assume_init() };
    o.dtype = dtype;
    o.n_channels = n_ch;
    o.data_order = order;
    o
}

fn batch_opts() -> nb_batch_options {
    let mut o = std::mem::MaybeUninit::<nb_batch_options>::uninit();
    assert_eq!(unsafe { nb_batch_options_init(o.as_mut_ptr(), NB_BATCH_OPTIONS_VERSION) }, NB_STATUS_OK);
    unsafe { o.assume_init() }
}

fn apply_opts() -> nb_apply_options {
    let mut o = std::mem::MaybeUninit::<nb_apply_options>::uninit();
    assert_eq!(unsafe { nb_apply_options_init(o.as_mut_ptr(), NB_APPLY_OPTIONS_VERSION) }, NB_STATUS_OK);
    unsafe { o.assume_init() }
}

fn open(path: &Path, opts: Option<&nb_open_options>) -> nb_status {
    let mut r = null_mut();
    let st = unsafe { nb_reader_open(c(path).as_ptr(), opts.map_or(null(), |o| o as *const _), &mut r) };
    unsafe { nb_reader_free(r) };
    st
}

/// A reader of the fixture; leaked on purpose: cases run once.
fn reader(path: &Path) -> *mut nb_reader {
    let mut r = null_mut();
    assert_eq!(unsafe { nb_reader_open(c(path).as_ptr(), null(), &mut r) }, NB_STATUS_OK, "{}", last_error());
    r
}

fn cursor_with(path: &Path, b: nb_batch_options) -> nb_status {
    let r = reader(path);
    let mut cur = null_mut();
    let st = unsafe { nb_cursor_new(r, &b, &mut cur) };
    assert!(cur.is_null() || st == NB_STATUS_OK);
    unsafe {
        nb_cursor_free(cur);
        nb_reader_free(r);
    }
    st
}

unsafe extern "C" fn copy_batch(b: *const nb_batch, _prev: *const nb_result_view, out: *mut nb_result_slot, _u: *mut c_void) -> i32 {
    let b = unsafe { &*b };
    unsafe { nb_result_slot_set(out, b.dtype, b.n_rows, b.n_channels, b.layout, b.data) }
}

/// Runs `f` on the first batch's result slot and fails the apply with its status.
fn inside_callback(path: &Path, f: fn(*mut nb_result_slot, &nb_batch) -> nb_status) -> nb_status {
    struct Ctx {
        f: fn(*mut nb_result_slot, &nb_batch) -> nb_status,
        status: nb_status,
        message: String,
    }
    unsafe extern "C" fn cb(b: *const nb_batch, _p: *const nb_result_view, out: *mut nb_result_slot, u: *mut c_void) -> i32 {
        let ctx = unsafe { &mut *u.cast::<Ctx>() };
        ctx.status = (ctx.f)(out, unsafe { &*b });
        ctx.message = last_error();
        -1
    }
    let r = reader(path);
    let mut ctx = Ctx { f, status: 0, message: String::new() };
    let mut res = null_mut();
    let mut cb_value = 0;
    let st = unsafe { nb_reader_apply(r, null(), null(), Some(cb), (&mut ctx as *mut Ctx).cast(), &mut res, &mut cb_value) };
    assert!(st < 0, "the apply went on after a failed call inside its callback");
    assert!(res.is_null());
    unsafe { nb_reader_free(r) };
    INNER_MESSAGE.with(|m| *m.borrow_mut() = Some(ctx.message));
    ctx.status
}

thread_local! {
    /// The message of a call made inside a callback, read instead of the
    /// apply's own last error.
    static INNER_MESSAGE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn apply_disk(path: &Path, output: &Path, tweak: impl FnOnce(&mut nb_apply_options)) -> nb_status {
    let r = reader(path);
    let out = c(output);
    let mut a = apply_opts();
    a.mode = NB_APPLY_MODE_DISK;
    a.output_path = out.as_ptr();
    tweak(&mut a);
    let mut res = null_mut();
    let st = unsafe { nb_reader_apply(r, null(), &a, Some(copy_batch), null_mut(), &mut res, null_mut()) };
    unsafe {
        nb_result_list_free(res);
        nb_reader_free(r);
    }
    st
}

fn build(dir: &Path) -> Catalogue {
    let rec = common::write_fixture(dir, "rec.bin", Dtype::I16, N_CH, N_OBS, DataOrder::Samples);
    std::fs::write(dir.join("rec.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
    let mut k = Catalogue { dir: dir.to_path_buf(), cases: Vec::new() };

    // ---------------------------------------------------------------- handles
    {
        let p = rec.clone();
        k.add("nb_cursor_new", "reader NULL", NB_STATUS_NULL_ARGUMENT, &["reader"], move || {
            let mut cur = null_mut();
            let _ = &p;
            unsafe { nb_cursor_new(null(), null(), &mut cur) }
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_new", "an nb_cursor passed as the reader", NB_STATUS_BAD_HANDLE, &["reader", "not an nb_reader"], move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let mut other = null_mut();
            let st = unsafe { nb_cursor_new(cur.cast::<nb_reader>(), null(), &mut other) };
            assert!(other.is_null());
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_next", "an nb_reader passed as the cursor", NB_STATUS_BAD_HANDLE, &["cursor", "not an nb_cursor"], move || {
            let r = reader(&p);
            let mut b = null();
            let st = unsafe { nb_cursor_next(r.cast::<nb_cursor>(), &mut b) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    k.add("nb_reader_read", "a pointer to zeroed memory as the reader", NB_STATUS_BAD_HANDLE, &["reader", "not a live nb_reader"], || {
        let fake = [0u64; 16];
        let mut out = [0u8; 8];
        unsafe { nb_reader_read(fake.as_ptr().cast(), 0, 1, null(), 0, 0, NB_LAYOUT_SAMPLE_MAJOR, out.as_mut_ptr().cast(), 8, null_mut()) }
    });
    {
        let p = rec.clone();
        k.add("nb_result_list_get", "an nb_reader passed as the results", NB_STATUS_BAD_HANDLE, &["results", "not an nb_result_list"], move || {
            let r = reader(&p);
            let mut v = null();
            let st = unsafe { nb_result_list_get(r.cast::<nb_result_list>(), 0, &mut v) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    {
        let out = k.path("w_wrong.bin");
        let p = rec.clone();
        k.add("nb_writer_append", "an nb_reader passed as the writer", NB_STATUS_BAD_HANDLE, &["writer", "not an nb_writer"], move || {
            let r = reader(&p);
            let data = [0i16; 4];
            let st = unsafe { nb_writer_append(r.cast::<nb_writer>(), NB_DTYPE_INT16, 1, 4, NB_LAYOUT_SAMPLE_MAJOR, data.as_ptr().cast()) };
            unsafe { nb_reader_free(r) };
            assert!(!out.exists());
            st
        });
    }
    k.add("nb_cursor_next", "out_batch NULL", NB_STATUS_NULL_ARGUMENT, &["out_batch"], {
        let p = rec.clone();
        move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let st = unsafe { nb_cursor_next(cur, null_mut()) };
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        }
    });

    // ------------------------------------------------------------------ paths
    let o16 = || open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
    {
        let p = k.path("does-not-exist.bin");
        k.add("nb_reader_open", "a path that does not exist", NB_STATUS_IO, &["$DIR/does-not-exist.bin", OS_NO_SUCH_FILE], move || open(&p, Some(&o16())));
    }
    {
        let p = k.path("a-directory.bin");
        std::fs::create_dir(&p).unwrap();
        k.add("nb_reader_open", "a directory", NB_STATUS_INVALID_ARGUMENT, &["$DIR/a-directory.bin", "is a directory", "regular"], move || {
            open(&p, Some(&o16()))
        });
    }
    k.add("nb_reader_open", &format!("a character device ({})", DEVICES.0), NB_STATUS_INVALID_ARGUMENT, &[DEVICES.0, "not a regular file"], move || {
        open(Path::new(DEVICES.0), Some(&o16()))
    });
    {
        let p = rec.join("x.bin");
        k.add("nb_reader_open", "a path through a file (rec.bin/x.bin)", NB_STATUS_IO, &[&os_path("rec.bin/x.bin"), OS_NOT_A_DIRECTORY], move || {
            open(&p, Some(&o16()))
        });
    }
    k.add("nb_reader_open", "path NULL", NB_STATUS_NULL_ARGUMENT, &["path"], move || {
        let mut r = null_mut();
        unsafe { nb_reader_open(null(), &o16(), &mut r) }
    });
    {
        let p = k.path("odd.bin");
        std::fs::write(&p, vec![0u8; 8 * 3 + 5]).unwrap();
        k.add("nb_reader_open", "file of 29 bytes, 4 × int16 per observation", NB_STATUS_BAD_FILE_SIZE, &["29 bytes", "4 × 2", "remainder 5"], move || {
            open(&p, Some(&o16()))
        });
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT64, usize::MAX, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = SIZE_MAX", NB_STATUS_BAD_CHANNEL, &["18446744073709551615", "2^24"], move || open(&p, Some(&o)));
    }
    {
        let p = k.path("empty.bin");
        std::fs::write(&p, b"").unwrap();
        let o = open_opts(NB_DTYPE_INT8, 1 << 40, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = 2^40 for an empty file", NB_STATUS_BAD_CHANNEL, &["1099511627776", "2^24"], move || open(&p, Some(&o)));
    }
    {
        let out = k.path("wide-writer.bin");
        k.add("nb_writer_open", "channels order, n_channels = 2^40", NB_STATUS_BAD_CHANNEL, &["1099511627776", "2^24"], move || {
            let mut w = null_mut();
            let st = unsafe { nb_writer_open(c(&out).as_ptr(), NB_DATA_ORDER_CHANNELS, 1 << 40, NB_DTYPE_INT16, &mut w) };
            unsafe { nb_writer_free(w) };
            st
        });
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT16, 1_000_007, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = 1000007 for an 800-byte file", NB_STATUS_BAD_FILE_SIZE, &["800 bytes", "1000007"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let o = open_opts(99, N_CH, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "dtype value 99", NB_STATUS_BAD_DTYPE, &["99"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT16, N_CH, 7);
        k.add("nb_reader_open", "data_order value 7", NB_STATUS_BAD_DATA_ORDER, &["7"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
        o.loader = 5;
        k.add("nb_reader_open", "loader value 5", NB_STATUS_INVALID_ARGUMENT, &["loader", "5"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
        o.version = 99;
        k.add("nb_reader_open", "nb_open_options.version 99", NB_STATUS_BAD_VERSION, &["99"], move || open(&p, Some(&o)));
    }
    k.add("nb_open_options_init", "version 0", NB_STATUS_BAD_VERSION, &["0"], || {
        let mut o = std::mem::MaybeUninit::<nb_open_options>::uninit();
        unsafe { nb_open_options_init(o.as_mut_ptr(), 0) }
    });
    k.add("nb_batch_options_init", "version 5", NB_STATUS_BAD_VERSION, &["version 5"], || {
        let mut o = std::mem::MaybeUninit::<nb_batch_options>::uninit();
        unsafe { nb_batch_options_init(o.as_mut_ptr(), 5) }
    });
    k.add("nb_apply_options_init", "version 1000", NB_STATUS_BAD_VERSION, &["1000"], || {
        let mut o = std::mem::MaybeUninit::<nb_apply_options>::uninit();
        unsafe { nb_apply_options_init(o.as_mut_ptr(), 1000) }
    });
    k.add("nb_pipeline_step_init", "version 7", NB_STATUS_BAD_VERSION, &["7"], || {
        let mut o = std::mem::MaybeUninit::<nb_pipeline_step>::uninit();
        unsafe { nb_pipeline_step_init(o.as_mut_ptr(), 7) }
    });
    k.add("nb_pipeline_options_init", "version 3", NB_STATUS_BAD_VERSION, &["3"], || {
        let mut o = std::mem::MaybeUninit::<nb_pipeline_options>::uninit();
        unsafe { nb_pipeline_options_init(o.as_mut_ptr(), 3) }
    });

    // ------------------------------------------------------- names and strings
    for (name, expect) in [("int17", NB_STATUS_BAD_DTYPE), ("INT16", NB_STATUS_BAD_DTYPE), ("", NB_STATUS_BAD_DTYPE), ("float16", NB_STATUS_BAD_DTYPE)] {
        k.add("nb_dtype_from_name", &format!("{name:?}"), expect, &[&format!("'{name}'"), "expected one of"], move || unsafe {
            nb_dtype_from_name(s(name).as_ptr(), &mut 0)
        });
    }
    for name in ["sideways", "Samples", ""] {
        k.add("nb_data_order_from_name", &format!("{name:?}"), NB_STATUS_BAD_DATA_ORDER, &[&format!("'{name}'"), "'samples'"], move || unsafe {
            nb_data_order_from_name(s(name).as_ptr(), &mut 0)
        });
    }
    k.add("nb_if_file_exists_from_name", "\"replace\"", NB_STATUS_INVALID_ARGUMENT, &["'replace'", "overwrite"], || unsafe {
        nb_if_file_exists_from_name(s("replace").as_ptr(), &mut 0)
    });
    k.add("nb_pipeline_mode_from_name", "\"all_channels\"", NB_STATUS_INVALID_ARGUMENT, &["'all_channels'", "multi_channel"], || unsafe {
        nb_pipeline_mode_from_name(s("all_channels").as_ptr(), &mut 0)
    });
    for text in ["", "1.5GB", "-1", "+5", "10XB", "GB", " 1GB", "1GB ", "1 GB", "1gb", "1TB", "0x10", "١٢", "99999999999999999999", "17179869184GB"] {
        k.add("nb_max_memory_parse", &format!("{text:?}"), NB_STATUS_BAD_MEMORY, &[&format!("'{text}'"), "e.g. '300MB'"], move || {
            let mut v = 12345;
            let st = unsafe { nb_max_memory_parse(s(text).as_ptr(), &mut v) };
            assert_eq!(v, 12345, "output written on failure");
            st
        });
    }
    k.add("nb_max_memory_parse", "text NULL", NB_STATUS_NULL_ARGUMENT, &["text"], || unsafe { nb_max_memory_parse(null(), &mut 0) });
    k.add("nb_dtype_from_name", "non-UTF-8 bytes", NB_STATUS_BAD_DTYPE, &["\u{FFFD}"], || unsafe { nb_dtype_from_name(c"int\xff16".as_ptr(), &mut 0) });

    // --------------------------------------------------------------- sidecars
    let sidecars: Vec<(&str, &str, Vec<u8>, nb_status, Vec<&str>)> = vec![
        ("missing sidecar", "nosidecar", vec![], NB_STATUS_SIDECAR_MISSING, vec!["$DIR/nosidecar.yaml", "does not exist"]),
        ("empty sidecar", "empty", b"".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["$DIR/empty.yaml"]),
        ("only dtype", "onlydtype", b"dtype: int16\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["missing n_channels, data_order"]),
        ("dtype of the wrong type (16)", "dtypeint", b"dtype: 16\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["16"]),
        ("unknown dtype", "int17", b"dtype: int17\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["'int17'"]),
        ("n_channels a string", "chstr", b"dtype: int16\nn_channels: ten\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["ten"]),
        ("n_channels negative", "chneg", b"dtype: int16\nn_channels: -3\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["-3"]),
        ("n_channels fractional", "chfrac", b"dtype: int16\nn_channels: 1.5\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["1.5"]),
        ("n_channels 0", "chzero", b"dtype: int16\nn_channels: 0\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["at least 1, got 0"]),
        ("n_channels 2^25", "chbig", b"dtype: int16\nn_channels: 33554432\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["33554432", "2^24"]),
        ("n_channels 10^23", "chhuge", b"dtype: int16\nn_channels: 99999999999999999999999\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["n_channels"]),
        ("unknown data_order", "order", b"dtype: int16\nn_channels: 4\ndata_order: diagonal\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["'diagonal'"]),
        ("a list, not a mapping", "list", b"- int16\n- 4\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["not a YAML mapping"]),
        ("duplicate key", "dup", b"dtype: int16\ndtype: int32\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["dtype"]),
        ("not YAML", "garbage", b"dtype: [int16\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["$DIR/garbage.yaml"]),
        ("non-UTF-8 bytes", "latin1", b"dtype: int16\nn_channels: 4\ndata_order: s\xe9mples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["not UTF-8", "offset 40"]),
        ("30 000 nested lists under an unknown key", "deep", format!("x: {}{}\ndtype: int16\n", "[".repeat(30_000), "]".repeat(30_000)).into_bytes(), NB_STATUS_SIDECAR_INVALID, vec!["missing n_channels, data_order"]),
        (
            "alias bomb (billion laughs)",
            "laughs",
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\ndtype: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\nn_channels: 4\ndata_order: samples\n".to_vec(),
            NB_STATUS_SIDECAR_INVALID,
            vec!["dtype: invalid type: sequence"],
        ),
        ("a 1 MiB sidecar", "big", format!("# {}\ndtype: int16\n", "x".repeat(1 << 20)).into_bytes(), NB_STATUS_SIDECAR_INVALID, vec!["larger than 65536 bytes"]),
    ];
    for (what, stem, text, expect, names) in sidecars {
        let data = k.path(&format!("{stem}.bin"));
        std::fs::write(&data, vec![0u8; 16]).unwrap();
        if stem != "nosidecar" {
            std::fs::write(k.path(&format!("{stem}.yaml")), &text).unwrap();
        }
        k.add("nb_reader_open", &format!("sidecar: {what}"), expect, &names, move || open(&data, None));
    }
    {
        let data = k.path("yamldir.bin");
        std::fs::write(&data, vec![0u8; 16]).unwrap();
        std::fs::create_dir(k.path("yamldir.yaml")).unwrap();
        k.add("nb_reader_open", "sidecar: a directory", NB_STATUS_SIDECAR_INVALID, &["$DIR/yamldir.yaml", "is a directory"], move || open(&data, None));
    }

    // ------------------------------------------------------ recording metadata
    // An NP 1.0 .ap.meta as SpikeGLX writes it: acquired AP 384, LF 384, SY 1;
    // the .ap.bin saves acquired channels 0..383 and 768.
    let np1_meta = |subs: &[(&str, &str)]| {
        let mut imro = String::from("(0,384)");
        for c in 0..384 {
            imro += &format!("({c} 0 0 500 250 1)");
        }
        let mut t = format!(
            "acqApLfSy=384,384,1\nimAiRangeMax=0.6\nimChan0apGain=500\nimDatPrb_type=0\nimMaxInt=512\nimSampRate=30000\nnSavedChans=385\n\
             snsApLfSy=384,0,1\nsnsSaveChanSubset=0:383,768\ntypeThis=imec\n~imroTbl={imro}\n"
        );
        for (a, b) in subs {
            t = t.replace(a, b);
        }
        t
    };
    let meta_cases: Vec<(&str, &str, String, nb_status, Vec<&str>)> = vec![
        (
            "SpikeGLX .meta without nSavedChans",
            "m1",
            np1_meta(&[("nSavedChans=385\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["$DIR/m1.ap.meta", "nSavedChans is missing"],
        ),
        (
            "SpikeGLX .meta with imSampRate=fast",
            "m2",
            np1_meta(&[("imSampRate=30000", "imSampRate=fast")]),
            NB_STATUS_METADATA_INVALID,
            vec!["imSampRate=fast is not a number"],
        ),
        (
            "SpikeGLX .meta whose ~imroTbl lacks channels",
            "m3",
            np1_meta(&[("(3 0 0 500 250 1)", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["~imroTbl has 383 entries, channel 383 has none"],
        ),
        ("SpikeGLX .meta with a gain of 0", "m4", np1_meta(&[("(2 0 0 500 250 1)", "(2 0 0 0 250 1)")]), NB_STATUS_METADATA_INVALID, vec!["gain of 0"]),
        (
            "SpikeGLX .meta: nSavedChans disagrees with snsSaveChanSubset",
            "m5",
            np1_meta(&[("nSavedChans=385", "nSavedChans=384")]),
            NB_STATUS_METADATA_INVALID,
            vec!["nSavedChans=384", "snsSaveChanSubset=0:383,768 lists 385 channels"],
        ),
        (
            "SpikeGLX imec .meta without imSampRate",
            "m6",
            np1_meta(&[("imSampRate=30000\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["the key imSampRate is missing"],
        ),
        (
            "SpikeGLX .meta: snsSaveChanSubset beyond the acquired channels",
            "m7",
            np1_meta(&[("0:383,768", "0:383,769")]),
            NB_STATUS_METADATA_INVALID,
            vec!["snsSaveChanSubset=0:383,769", "769 is outside the 769 acquired channels (acqApLfSy=384,384,1)"],
        ),
        (
            "SpikeGLX .meta: a subset without acqApLfSy",
            "m8",
            np1_meta(&[("acqApLfSy=384,384,1\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["acqApLfSy is missing"],
        ),
        (
            "SpikeGLX .meta with imDatPrb_type=NP1000",
            "m9",
            np1_meta(&[("imDatPrb_type=0", "imDatPrb_type=NP1000")]),
            NB_STATUS_METADATA_INVALID,
            vec!["imDatPrb_type=NP1000 is not a probe type number"],
        ),
    ];
    std::fs::write(k.path("m0.ap.bin"), vec![0u8; 10 * 385 * 2]).unwrap();
    std::fs::write(k.path("m0.ap.meta"), np1_meta(&[])).unwrap();
    for (what, stem, text, expect, names) in meta_cases {
        let bin = k.path(&format!("{stem}.ap.bin"));
        std::fs::write(&bin, vec![0u8; 10 * 385 * 2]).unwrap();
        std::fs::write(k.path(&format!("{stem}.ap.meta")), text).unwrap();
        k.add("nb_reader_open", what, expect, &names, move || open(&bin, None));
    }
    {
        // A probe type with no documented gain and no imChan0apGain: the
        // recording opens (counts are readable), its scales are unknown.
        let bin = k.path("m10.ap.bin");
        std::fs::write(&bin, vec![0u8; 10 * 385 * 2]).unwrap();
        let mut imro = String::from("(3010,384)");
        for c in 0..384 {
            imro += &format!("({c} 0 0)");
        }
        std::fs::write(
            k.path("m10.ap.meta"),
            format!("acqApLfSy=384,0,1\nimAiRangeMax=0.67\nimDatPrb_type=3010\nimMaxInt=2048\nimSampRate=30000\nnSavedChans=385\nsnsApLfSy=384,0,1\nsnsSaveChanSubset=0:384\ntypeThis=imec\n~imroTbl={imro}\n"),
        )
        .unwrap();
        k.add(
            "nb_reader_scales_uv",
            "SpikeGLX probe type 3010 without imChan0apGain",
            NB_STATUS_NO_METADATA,
            &["$DIR/m10.ap.meta", "imDatPrb_type=3010", "imChan0apGain=<gain>"],
            move || {
                let r = reader(&bin);
                let mut out = [0.0; 385];
                let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), 385) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
    }
    {
        let root = k.path("oe");
        std::fs::create_dir_all(root.join("continuous/Acquisition_Board-100.Rhythm Data")).unwrap();
        std::fs::write(root.join("continuous/Acquisition_Board-100.Rhythm Data/continuous.dat"), vec![0u8; 8]).unwrap();
        std::fs::write(
            root.join("structure.oebin"),
            r#"{"GUI version": "0.6.7", "continuous": [{"folder_name": "Acquisition_Board-100.Rhythm Data/", "sample_rate": 30000.0, "stream_name": "Rhythm Data", "num_channels": 2, "channels": [{"channel_name": "CH1", "bit_volts": 0.195, "units": "uV"}, {"channel_name": "CH2", "bit_volts": 0.195, "units": "furlongs"}]}]}"#,
        )
        .unwrap();
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_scales_uv",
            "structure.oebin: a channel in units 'furlongs'",
            NB_STATUS_NO_METADATA,
            &["$DIR/oe/structure.oebin", "channel 1 (CH2)", "units 'furlongs', not a voltage"],
            move || {
                let r = reader(&oebin);
                let mut out = [0.0; 2];
                let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), 2) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_open",
            "structure.oebin: stream_index 3 of 1",
            NB_STATUS_METADATA_INVALID,
            &["stream 3 does not exist", "Acquisition_Board-100.Rhythm Data"],
            move || {
                let mut o = open_opts(NB_DTYPE_UNSET, 0, NB_DATA_ORDER_UNSET);
                o.stream_index = 3;
                open(&oebin, Some(&o))
            },
        );
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_open",
            "structure.oebin: stream_name \"Neuropix-PXI\"",
            NB_STATUS_METADATA_INVALID,
            &["no continuous stream is named 'Neuropix-PXI'"],
            move || {
                let name = s("Neuropix-PXI");
                let mut o = open_opts(NB_DTYPE_UNSET, 0, NB_DATA_ORDER_UNSET);
                o.stream_name = name.as_ptr();
                open(&oebin, Some(&o))
            },
        );
        let broken = k.path("broken.oebin");
        std::fs::write(&broken, "{\"continuous\": [").unwrap();
        k.add(
            "nb_reader_open",
            "a .oebin that is not JSON",
            NB_STATUS_METADATA_INVALID,
            &["$DIR/broken.oebin", "not the JSON of a structure.oebin"],
            move || open(&broken, None),
        );
        let p = rec.clone();
        k.add("nb_reader_open", "stream_index -3", NB_STATUS_INVALID_ARGUMENT, &["stream_index = -3"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.stream_index = -3;
            open(&p, Some(&o))
        });
        let p = rec.clone();
        k.add("nb_reader_open", "a stream chosen for a raw file", NB_STATUS_INVALID_ARGUMENT, &["not an Open Ephys recording"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.stream_index = 0;
            open(&p, Some(&o))
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_open", "sampling_rate -5", NB_STATUS_INVALID_ARGUMENT, &["sampling_rate -5"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.sampling_rate = -5.0;
            open(&p, Some(&o))
        });
        let p = rec.clone();
        k.add("nb_reader_sampling_rate", "a raw file without sampling_rate", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "sampling_rate"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_sampling_rate(r, &mut 0.0) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_reader_scales_uv", "a raw file", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "no scale to microvolts"], move || {
            let r = reader(&p);
            let mut out = [0.0; N_CH];
            let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), N_CH) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_reader_channel_kinds", "a raw file", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "channel kinds", "only SpikeGLX and Open Ephys"], move || {
            let r = reader(&p);
            let mut out = [0; N_CH];
            let st = unsafe { nb_reader_channel_kinds(r, out.as_mut_ptr(), N_CH) };
            unsafe { nb_reader_free(r) };
            st
        });
        let bin = k.path("m0.ap.bin");
        k.add("nb_reader_channel_kinds", "n 10 for 385 channels", NB_STATUS_BUFFER_TOO_SMALL, &["out holds 10 values", "385 channels"], move || {
            let r = reader(&bin);
            let mut out = [0; 10];
            let st = unsafe { nb_reader_channel_kinds(r, out.as_mut_ptr(), 10) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_cursor_new", "microvolts for a raw file", NB_STATUS_NO_METADATA, &["microvolts", "$DIR/rec.bin"], move || {
            let mut b = batch_opts();
            b.microvolts = true;
            cursor_with(&p, b)
        });
    }

    // -------------------------------------------------- sessions and following
    {
        let p = rec.clone();
        k.add("nb_reader_open_files", "n_paths 0", NB_STATUS_INVALID_ARGUMENT, &["at least one file, got none"], move || {
            let _ = &p;
            let mut r = null_mut();
            let paths: [*const std::ffi::c_char; 0] = [];
            unsafe { nb_reader_open_files(paths.as_ptr(), 0, null(), &mut r) }
        });
        let (a, b) = (rec.clone(), k.path("twochan.bin"));
        std::fs::write(&b, vec![0u8; 40]).unwrap();
        std::fs::write(k.path("twochan.yaml"), "dtype: int16\nn_channels: 2\ndata_order: samples\n").unwrap();
        k.add(
            "nb_reader_open_files",
            "files of 4 and 2 channels",
            NB_STATUS_INVALID_ARGUMENT,
            &["$DIR/twochan.bin", "$DIR/rec.bin", "int16 / 2 / samples"],
            move || {
                let (ca, cb) = (c(&a), c(&b));
                let paths = [ca.as_ptr(), cb.as_ptr()];
                let mut r = null_mut();
                let st = unsafe { nb_reader_open_files(paths.as_ptr(), 2, null(), &mut r) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
        let p = rec.clone();
        k.add("nb_reader_refresh", "a reader not opened with follow", NB_STATUS_INVALID_ARGUMENT, &["$DIR/rec.bin", "not opened with follow"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_refresh(r, null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add(
            "nb_cursor_new",
            "follow on a reader not opened with follow",
            NB_STATUS_INVALID_ARGUMENT,
            &["$DIR/rec.bin", "was not opened with follow"],
            move || {
                let mut b = batch_opts();
                b.follow = true;
                cursor_with(&p, b)
            },
        );
    }

    // --------------------------------------------------- plans and selections
    let with = |f: fn(&mut nb_batch_options)| {
        let mut b = batch_opts();
        f(&mut b);
        b
    };
    let plan_cases: Vec<(&str, nb_batch_options, nb_status, Vec<&str>)> = vec![
        ("max_memory 7 bytes for rows of 8", with(|b| b.max_memory = 7), NB_STATUS_MEMORY_TOO_SMALL, vec!["7 bytes", "at least 8"]),
        ("max_memory 0", with(|b| b.max_memory = 0), NB_STATUS_MEMORY_TOO_SMALL, vec!["0 bytes"]),
        (
            "single channel, whole channel (200 bytes) over max_memory 100",
            with(|b| {
                b.max_memory = 100;
                b.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
            }),
            NB_STATUS_MEMORY_TOO_SMALL,
            vec!["200 bytes", "100 bytes", "force_complete_channel_batch"],
        ),
        (
            "from_time 50 > to_time 10",
            with(|b| {
                b.from_time = 50;
                b.to_time = 10;
            }),
            NB_STATUS_BAD_RANGE,
            vec!["[50, 10)", "n_observations = 100"],
        ),
        ("to_time 101 past the end (100)", with(|b| b.to_time = 101), NB_STATUS_BAD_RANGE, vec!["[0, 101)", "n_observations = 100"]),
        ("from_time 2^64-2", with(|b| b.from_time = u64::MAX - 1), NB_STATUS_BAD_RANGE, vec![&"18446744073709551614"]),
        ("buffer_size 2^63", with(|b| b.buffer_size = 1 << 63), NB_STATUS_INVALID_ARGUMENT, vec!["9223372036854775808"]),
        ("traversal value 9", with(|b| b.traversal = 9), NB_STATUS_INVALID_ARGUMENT, vec!["traversal", "9"]),
        ("layout value 4", with(|b| b.layout = 4), NB_STATUS_INVALID_ARGUMENT, vec!["layout", "4"]),
        ("edge value 3", with(|b| b.edge = 3), NB_STATUS_INVALID_ARGUMENT, vec!["edge = 3", "NB_EDGE_REFLECT"]),
        ("nb_batch_options.version 0", with(|b| b.version = 0), NB_STATUS_BAD_VERSION, vec!["0"]),
    ];
    for (what, b, expect, names) in plan_cases {
        let p = rec.clone();
        k.add("nb_cursor_new", what, expect, &names, move || cursor_with(&p, b));
    }
    {
        let p = rec.clone();
        k.add("nb_reader_plan", "max_memory 3", NB_STATUS_MEMORY_TOO_SMALL, &["3 bytes"], move || {
            let r = reader(&p);
            let mut b = batch_opts();
            b.max_memory = 3;
            let st = unsafe { nb_reader_plan(r, &b, &mut 0, &mut 0) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    static EMPTY: [usize; 0] = [];
    static OUT_OF_RANGE: [usize; 2] = [1, 4];
    static HUGE: [usize; 1] = [usize::MAX];
    for (what, list, n, expect, names) in [
        ("channel list empty (non-NULL, n_channels 0)", EMPTY.as_ptr(), 0usize, NB_STATUS_BAD_CHANNEL, vec!["empty"]),
        ("channel 4 of 4", OUT_OF_RANGE.as_ptr(), 2, NB_STATUS_BAD_CHANNEL, vec!["channel 4", "valid indices are 0 to 3"]),
        ("channel SIZE_MAX", HUGE.as_ptr(), 1, NB_STATUS_BAD_CHANNEL, vec!["18446744073709551615"]),
        ("channels NULL with n_channels 3", null(), 3, NB_STATUS_NULL_ARGUMENT, vec!["channels"]),
    ] {
        let p = rec.clone();
        let (list, names) = (list as usize, names);
        k.add("nb_cursor_new", what, expect, &names, move || {
            let mut b = batch_opts();
            b.channels = list as *const usize;
            b.n_channels = n;
            cursor_with(&p, b)
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_seek", "batch 5 of 1", NB_STATUS_INVALID_ARGUMENT, &["batch index 5", "1 batches"], move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let st = unsafe { nb_cursor_seek(cur, 5) };
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        });
    }
    for (what, from, to, chans, n, buf_len, expect, names) in [
        ("to_time 200 past the end", 0u64, 200u64, null(), 0usize, 64usize, NB_STATUS_BAD_RANGE, vec!["[0, 200)"]),
        ("out_bytes 7 for a 16-byte block", 0, 2, null(), 0, 7, NB_STATUS_BUFFER_TOO_SMALL, vec!["needs 16 bytes", "out_bytes is 7"]),
        ("channel 4 of 4", 0, 2, OUT_OF_RANGE.as_ptr(), 2, 64, NB_STATUS_BAD_CHANNEL, vec!["channel 4"]),
    ] {
        let p = rec.clone();
        let chans = chans as usize;
        k.add("nb_reader_read", what, expect, &names, move || {
            let r = reader(&p);
            let mut out = vec![0u8; buf_len];
            let mut need = 0;
            let st = unsafe { nb_reader_read(r, from, to, chans as *const usize, n, 0, NB_LAYOUT_SAMPLE_MAJOR, out.as_mut_ptr().cast(), buf_len, &mut need) };
            unsafe { nb_reader_free(r) };
            st
        });
    }

    // ---------------------------------------------------------------- outputs
    {
        let (p, out) = (rec.clone(), k.path("no-such-dir/out.bin"));
        k.add("nb_reader_apply", "disk output in a missing directory", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/no-such-dir/out.bin", "directory"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_apply", "disk output equal to the input", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.bin", "input"], move || {
            let before = std::fs::read(&p).unwrap();
            let st = apply_disk(&p, &p.clone(), |_| ());
            assert_eq!(std::fs::read(&p).unwrap(), before, "input modified");
            st
        });
    }
    {
        let (p, out) = (rec.clone(), k.path("rec.dat"));
        k.add("nb_reader_apply", "disk output sharing the input's sidecar (rec.dat)", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.dat", "sidecar"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let (p, out) = (rec.clone(), k.path("out.yaml"));
        k.add("nb_reader_apply", "disk output named out.yaml", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/out.yaml", ".yaml"], move || apply_disk(&p, &out, |_| ()));
    }
    {
        let (p, out) = (rec.clone(), k.path("a-directory.bin"));
        k.add("nb_reader_apply", "disk output that is a directory", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/a-directory.bin", "directory"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let p = rec.clone();
        k.add(
            "nb_reader_apply",
            &format!("disk output {} (not a regular file)", DEVICES.1),
            NB_STATUS_BAD_OUTPUT_PATH,
            &[DEVICES.1, "regular file"],
            move || apply_disk(&p, Path::new(DEVICES.1), |_| ()),
        );
    }
    {
        let (p, out) = (rec.clone(), k.path("exists.bin"));
        std::fs::write(&out, b"keep me").unwrap();
        k.add("nb_reader_apply", "existing output with if_file_exists = abort", NB_STATUS_FILE_EXISTS, &["$DIR/exists.bin", "abort"], move || {
            let st = apply_disk(&p, &out, |a| a.if_file_exists = NB_IF_FILE_EXISTS_ABORT);
            assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_apply", "disk mode, output_path NULL", NB_STATUS_NULL_ARGUMENT, &["output_path"], move || {
            let r = reader(&p);
            let mut a = apply_opts();
            a.mode = NB_APPLY_MODE_DISK;
            let st = unsafe { nb_reader_apply(r, null(), &a, Some(copy_batch), null_mut(), &mut null_mut(), null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    let apply_cases: Vec<(&str, fn(&mut nb_apply_options), nb_status, Vec<&str>)> = vec![
        ("mode value 3", |a| a.mode = 3, NB_STATUS_INVALID_ARGUMENT, vec!["mode", "3"]),
        ("if_file_exists value 9", |a| a.if_file_exists = 9, NB_STATUS_INVALID_ARGUMENT, vec!["if_file_exists", "9"]),
        ("cast_dtype value 77", |a| a.cast_dtype = 77, NB_STATUS_BAD_DTYPE, vec!["77"]),
        (
            "pass_batch_results with n_threads 2",
            |a| {
                a.pass_batch_results = true;
                a.n_threads = 2;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["pass_batch_results", "n_threads"],
        ),
        ("nb_apply_options.version 4", |a| a.version = 4, NB_STATUS_BAD_VERSION, vec!["version 4"]),
        (
            "shard_index 4 of shard_count 4",
            |a| {
                a.shard_index = 4;
                a.shard_count = 4;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["shard 4 of 4", "shard_index < shard_count"],
        ),
        ("shard_index 1 with shard_count 0", |a| a.shard_index = 1, NB_STATUS_INVALID_ARGUMENT, vec!["shard 1 of 0"]),
        (
            "shard_output value 5",
            |a| {
                a.shard_count = 2;
                a.shard_output = 5;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["shard_output = 5"],
        ),
        (
            "pass_batch_results with shard_count 3",
            |a| {
                a.pass_batch_results = true;
                a.shard_count = 3;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["pass_batch_results", "shard_count must be 1, got 3"],
        ),
    ];
    for (what, tweak, expect, names) in apply_cases {
        let p = rec.clone();
        k.add("nb_reader_apply", what, expect, &names, move || {
            let r = reader(&p);
            let mut a = apply_opts();
            tweak(&mut a);
            let st = unsafe { nb_reader_apply(r, null(), &a, Some(copy_batch), null_mut(), &mut null_mut(), null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    {
        let p = rec.clone();
        k.add(
            "nb_reader_apply",
            "fn NULL (a convert) with pass_batch_results",
            NB_STATUS_INVALID_ARGUMENT,
            &["pass_batch_results", "no function"],
            move || {
                let r = reader(&p);
                let mut a = std::mem::MaybeUninit::<nb_apply_options>::uninit();
                unsafe { nb_apply_options_init(a.as_mut_ptr(), NB_APPLY_OPTIONS_VERSION) };
                let mut a = unsafe { a.assume_init() };
                a.pass_batch_results = true;
                let st = unsafe { nb_reader_apply(r, null(), &a, None, null_mut(), &mut null_mut(), null_mut()) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
    }

    // -------------------------------------------------- results inside callbacks
    let in_cb: Vec<(&str, fn(*mut nb_result_slot, &nb_batch) -> nb_status, nb_status, Vec<&str>)> = vec![
        (
            "nb_result_slot_set: dtype value 0 (unset)",
            |o, b| unsafe { nb_result_slot_set(o, 0, 1, 1, 0, b.data) },
            NB_STATUS_BAD_DTYPE,
            vec!["NB_DTYPE_UNSET (0)"],
        ),
        (
            "nb_result_slot_set: n_rows × n_cols overflows",
            |o, b| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, usize::MAX, 3, 0, b.data) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["18446744073709551615"],
        ),
        (
            "nb_result_slot_set: data NULL for 4 values",
            |o, _| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, 2, 2, 0, null()) },
            NB_STATUS_NULL_ARGUMENT,
            vec!["data"],
        ),
        (
            "nb_result_slot_set: layout value 2",
            |o, b| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, 1, 1, 2, b.data) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["layout", "2"],
        ),
        (
            "nb_result_slot_lend: out_data NULL",
            |o, _| unsafe { nb_result_slot_lend(o, NB_DTYPE_INT16, 1, 1, null_mut()) },
            NB_STATUS_NULL_ARGUMENT,
            vec!["out_data"],
        ),
    ];
    for (what, f, expect, names) in in_cb {
        let p = rec.clone();
        let entry = if what.starts_with("nb_result_slot_set") { "nb_result_slot_set" } else { "nb_result_slot_lend" };
        k.add(entry, what.split_once(": ").unwrap().1, expect, &names, move || inside_callback(&p, f));
    }
    k.add("nb_result_slot_set", "out NULL", NB_STATUS_NULL_ARGUMENT, &["out"], || unsafe {
        nb_result_slot_set(null_mut(), NB_DTYPE_INT16, 1, 1, 0, [0i16].as_ptr().cast())
    });
    k.add("nb_dtype_cast", "from dtype value 42", NB_STATUS_BAD_DTYPE, &["42"], || {
        let (src, mut dst) = ([0u8; 8], [0u8; 8]);
        unsafe { nb_dtype_cast(42, src.as_ptr().cast(), NB_DTYPE_INT16, dst.as_mut_ptr().cast(), 1) }
    });
    k.add("nb_dtype_cast", "n_values 2^62 of int64 (overflows)", NB_STATUS_INVALID_ARGUMENT, &["4611686018427387904"], || {
        let (src, mut dst) = ([0u8; 8], [0u8; 8]);
        unsafe { nb_dtype_cast(NB_DTYPE_INT64, src.as_ptr().cast(), NB_DTYPE_INT64, dst.as_mut_ptr().cast(), 1 << 62) }
    });
    {
        let p = rec.clone();
        k.add("nb_result_list_get", "index 3 of 1", NB_STATUS_INVALID_ARGUMENT, &["index 3", "1 results"], move || {
            let r = reader(&p);
            let mut res = null_mut();
            assert_eq!(unsafe { nb_reader_apply(r, null(), null(), Some(copy_batch), null_mut(), &mut res, null_mut()) }, NB_STATUS_OK);
            let mut v = null();
            let st = unsafe { nb_result_list_get(res, 3, &mut v) };
            unsafe {
                nb_result_list_free(res);
                nb_reader_free(r);
            }
            st
        });
    }
    k.add("nb_sidecar_path", "buf of 4 bytes", NB_STATUS_BUFFER_TOO_SMALL, &["needs 11 bytes", "has 4"], || {
        let mut buf = [0i8; 4];
        let mut len = 0;
        unsafe { nb_sidecar_path(s("a/rec.bin").as_ptr(), buf.as_mut_ptr(), 4, &mut len) }
    });

    // ----------------------------------------------------------------- writer
    let writer_open_cases: Vec<(&str, &str, nb_data_order, usize, nb_dtype, nb_status, Vec<&str>)> = vec![
        (
            "channels order, n_channels 0",
            "w0.bin",
            NB_DATA_ORDER_CHANNELS,
            0,
            NB_DTYPE_INT16,
            NB_STATUS_INVALID_ARGUMENT,
            vec!["n_channels is 0", "at least 1"],
        ),
        ("dtype value 11", "w1.bin", NB_DATA_ORDER_SAMPLES, 2, 11, NB_STATUS_BAD_DTYPE, vec!["11"]),
        ("order value 0 (unset)", "w2.bin", 0, 2, NB_DTYPE_INT16, NB_STATUS_BAD_DATA_ORDER, vec!["NB_DATA_ORDER_UNSET (0)"]),
        ("output in a missing directory", "nodir/w.bin", NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT16, NB_STATUS_BAD_OUTPUT_PATH, vec!["$DIR/nodir/w.bin"]),
    ];
    for (what, name, order, n, dtype, expect, names) in writer_open_cases {
        let out = k.path(name);
        k.add("nb_writer_open", what, expect, &names, move || {
            let mut w = null_mut();
            let st = unsafe { nb_writer_open(c(&out).as_ptr(), order, n, dtype, &mut w) };
            unsafe { nb_writer_free(w) };
            assert!(!out.exists());
            st
        });
    }
    let writer_cases: Vec<(&str, &str, fn(*mut nb_writer) -> nb_status, nb_status, Vec<&str>)> = vec![
        (
            "nb_writer_append",
            "3 columns after a block of 2",
            |w| unsafe {
                assert_eq!(nb_writer_append(w, NB_DTYPE_INT16, 1, 2, 0, [0i16; 2].as_ptr().cast()), NB_STATUS_OK);
                nb_writer_append(w, NB_DTYPE_INT16, 1, 3, 0, [0i16; 3].as_ptr().cast())
            },
            NB_STATUS_RESULT_MISMATCH,
            vec!["3", "2"],
        ),
        (
            "nb_writer_append",
            "float32 rows after int16 rows",
            |w| unsafe {
                assert_eq!(nb_writer_append(w, NB_DTYPE_INT16, 1, 2, 0, [0i16; 2].as_ptr().cast()), NB_STATUS_OK);
                nb_writer_append(w, NB_DTYPE_FLOAT32, 1, 2, 0, [0f32; 2].as_ptr().cast())
            },
            NB_STATUS_RESULT_MISMATCH,
            vec!["float32", "int16"],
        ),
        (
            "nb_writer_append_channel",
            "to a samples-order writer",
            |w| unsafe { nb_writer_append_channel(w, 0, NB_DTYPE_INT16, 1, 1, 0, [0i16].as_ptr().cast()) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["samples-order", "append"],
        ),
        (
            "nb_writer_finish",
            "a second finish",
            |w| unsafe {
                assert_eq!(nb_writer_finish(w, null_mut()), NB_STATUS_OK);
                nb_writer_finish(w, null_mut())
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["already finished"],
        ),
    ];
    for (i, (entry, what, f, expect, names)) in writer_cases.into_iter().enumerate() {
        let out = k.path(&format!("writer{i}.bin"));
        k.add(entry, what, expect, &names, move || {
            let mut w = null_mut();
            assert_eq!(unsafe { nb_writer_open(c(&out).as_ptr(), NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT16, &mut w) }, NB_STATUS_OK);
            let st = f(w);
            unsafe { nb_writer_free(w) };
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_writer_check_path", "output equal to the input", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.bin"], move || {
            let cp = c(&p);
            unsafe { nb_writer_check_path(cp.as_ptr(), cp.as_ptr(), NB_IF_FILE_EXISTS_OVERWRITE, &mut false) }
        });
    }

    // ----------------------------------------------------------------- shards
    {
        let out = k.path("never-sharded.bin");
        k.add("nb_shard_finish", "no shard ran", NB_STATUS_SHARD_INCOMPLETE, &["never-sharded.bin", "3 shards", "none completed"], move || unsafe {
            nb_shard_finish(c(&out).as_ptr(), 3, std::ptr::null(), null_mut())
        });
    }
    {
        let out = k.path("zero-shards.bin");
        k.add("nb_shard_finish", "shard_count 0", NB_STATUS_INVALID_ARGUMENT, &["shard_count must be at least 1, got 0"], move || unsafe {
            nb_shard_finish(c(&out).as_ptr(), 0, std::ptr::null(), null_mut())
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_shard_batches", "shard 9 of 2", NB_STATUS_INVALID_ARGUMENT, &["shard 9 of 2"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_shard_batches(r, null(), 9, 2, &mut 0, &mut 0) };
            unsafe { nb_reader_free(r) };
            st
        });
    }

    // --------------------------------------------------------------- pipeline
    let sub = os_path("sub/p.bin");
    let pipeline_cases: Vec<(&str, &str, usize, nb_apply_fn, nb_status, Vec<&str>)> = vec![
        ("no steps", "p.bin", 0, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _), NB_STATUS_INVALID_ARGUMENT, vec!["step"]),
        ("a step with fn NULL", "p.bin", 1, None, NB_STATUS_NULL_ARGUMENT, vec!["fn"]),
        ("output_name with a slash", "sub/p.bin", 1, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _), NB_STATUS_BAD_OUTPUT_PATH, vec![sub.as_str()]),
        (
            "two steps with the same output_name",
            "same.bin",
            2,
            Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _),
            NB_STATUS_BAD_OUTPUT_PATH,
            vec!["same.bin"],
        ),
    ];
    for (what, name, n_steps, f, expect, names) in pipeline_cases {
        let (p, dir) = (rec.clone(), k.dir.clone());
        k.add("nb_pipeline_run", what, expect, &names, move || run_pipeline(&p, &dir, name, n_steps, f));
    }
    {
        let (p, dir) = (rec.clone(), k.path("missing-out-dir"));
        k.add("nb_pipeline_run", "output_dir missing", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/missing-out-dir"], move || {
            run_pipeline(&p, &dir, "p.bin", 1, Some(copy_batch as unsafe extern "C" fn(_, _, _, _) -> _))
        });
    }
    k
}

fn run_pipeline(input: &Path, dir: &Path, name: &str, n_steps: usize, f: nb_apply_fn) -> nb_status {
    let cname = s(name);
    let cdir = c(dir);
    let mut step = std::mem::MaybeUninit::<nb_pipeline_step>::uninit();
    assert_eq!(unsafe { nb_pipeline_step_init(step.as_mut_ptr(), NB_PIPELINE_STEP_VERSION) }, NB_STATUS_OK);
    let mut step = unsafe { step.assume_init() };
    step.r#fn = f;
    step.output_name = cname.as_ptr();
    step.mode = NB_PIPELINE_MODE_MULTI_CHANNEL;
    let mut po = std::mem::MaybeUninit::<nb_pipeline_options>::uninit();
    assert_eq!(unsafe { nb_pipeline_options_init(po.as_mut_ptr(), NB_PIPELINE_OPTIONS_VERSION) }, NB_STATUS_OK);
    let mut po = unsafe { po.assume_init() };
    po.output_dir = cdir.as_ptr();
    let steps = [&step as *const nb_pipeline_step; 2];
    let mut res = null_mut();
    let st = unsafe { nb_pipeline_run(c(input).as_ptr(), null(), null(), &po, steps.as_ptr(), n_steps, &mut res, null_mut()) };
    unsafe { nb_result_list_free(res) };
    st
}

fn status_name(st: nb_status) -> &'static str {
    macro_rules! names { ($($n:ident),*) => { $(if st == $n { return stringify!($n); })* }; }
    names!(
        NB_STATUS_NULL_ARGUMENT,
        NB_STATUS_INVALID_ARGUMENT,
        NB_STATUS_IO,
        NB_STATUS_BAD_FILE_SIZE,
        NB_STATUS_BAD_DTYPE,
        NB_STATUS_BAD_DATA_ORDER,
        NB_STATUS_BAD_MEMORY,
        NB_STATUS_MEMORY_TOO_SMALL,
        NB_STATUS_BAD_RANGE,
        NB_STATUS_BAD_CHANNEL,
        NB_STATUS_SIDECAR_MISSING,
        NB_STATUS_SIDECAR_INVALID,
        NB_STATUS_BUFFER_TOO_SMALL,
        NB_STATUS_BAD_VERSION,
        NB_STATUS_CALLBACK_FAILED,
        NB_STATUS_CANCELLED,
        NB_STATUS_FILE_EXISTS,
        NB_STATUS_RESULT_MISMATCH,
        NB_STATUS_BAD_OUTPUT_PATH,
        NB_STATUS_NO_RESULT,
        NB_STATUS_BAD_HANDLE,
        NB_STATUS_INPUT_CHANGED,
        NB_STATUS_SHARD_INCOMPLETE,
        NB_STATUS_METADATA_INVALID,
        NB_STATUS_NO_METADATA,
        NB_STATUS_PANIC,
        NB_STATUS_POISONED,
        NB_STATUS_OK
    );
    "?"
}

#[test]
fn every_bad_input_gets_its_status_and_a_message_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    let catalogue = build(&dir);
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    let n = catalogue.cases.len();
    for (i, case) in catalogue.cases.into_iter().enumerate() {
        let st = (case.run)();
        let message = INNER_MESSAGE.with(|m| m.borrow_mut().take()).unwrap_or_else(last_error);
        let missing: Vec<&String> = case.names.iter().filter(|n| !message.contains(n.as_str())).collect();
        if st != case.expect || !missing.is_empty() {
            failures.push(format!(
                "#{} {} [{}]: got {} (want {}), message {message:?} lacks {missing:?}",
                i + 1,
                case.entry,
                case.input,
                status_name(st),
                status_name(case.expect)
            ));
        }
        let shown = message.replace(&dir.display().to_string(), "$DIR").replace('|', "\\|");
        rows.push(format!("| {} | `{}` | {} | `{}` | {} |", i + 1, case.entry, case.input.replace('|', "\\|"), status_name(st), shown));
    }
    assert!(failures.is_empty(), "{} of {n} cases failed:\n{}", failures.len(), failures.join("\n"));
    // The catalogue's other half: every output created by a failed case would be a leak.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");

    let doc = format!(
        "# Bad inputs and the answers they get\n\n\
         Generated by `tests/bad_inputs.rs` ({n} cases; `NB_BLESS=1 cargo test --test bad_inputs` rewrites it).\n\
         Every case runs in CI: the status must be the one listed and the message must name the bad value.\n\
         `$DIR` is the test's temporary directory.\n\n\
         | # | entry point | bad input | status | message |\n|---|---|---|---|---|\n{}\n",
        rows.join("\n")
    );
    // The table shows the messages on Linux: elsewhere the operating
    // system's words in them differ (the cases above ran all the same).
    if !cfg!(target_os = "linux") {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bad-inputs.md");
    if std::env::var_os("NB_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &doc).unwrap();
    } else {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == doc, "docs/bad-inputs.md is stale: run NB_BLESS=1 cargo test --test bad_inputs and commit it");
    }
}
