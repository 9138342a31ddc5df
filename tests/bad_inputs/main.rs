//! The bad-input catalogue: every entry point of the C ABI given wrong
//! values. Each case must fail with its specific status and a message that
//! names the bad value; nothing may panic, abort or write an output.
//!
//! The table in `docs/bad-inputs.md` is rendered from these cases and must
//! match them: `NB_BLESS=1 cargo test --test bad_inputs` rewrites it.
//!
//! This file holds the harness and the helpers; the cases are in one module
//! per area (reader, formats, cursor, apply, writer, shards, pipeline).

// The catalogue is tables of closures; naming each signature would add nothing.
#![allow(clippy::type_complexity)]

#[path = "../common/mod.rs"]
mod common;

mod apply;
mod cursor;
mod formats;
mod pipeline;
mod reader;
mod shards;
mod writer;

use std::ffi::{c_void, CString};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};

use common::ffi::{apply_options as apply_opts, batch_options as batch_opts, c_path as c, copy_batch, last_error, open_reader as reader};
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

fn s(text: &str) -> CString {
    CString::new(text).unwrap()
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

fn open(path: &Path, opts: Option<&nb_open_options>) -> nb_status {
    let mut r = null_mut();
    let st = unsafe { nb_reader_open(c(path).as_ptr(), opts.map_or(null(), |o| o as *const _), &mut r) };
    unsafe { nb_reader_free(r) };
    st
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

    // In this order: the rows of docs/bad-inputs.md are numbered.
    reader::cases(&mut k, &rec);
    formats::cases(&mut k, &rec);
    reader::session_cases(&mut k, &rec);
    cursor::cases(&mut k, &rec);
    apply::cases(&mut k, &rec);
    writer::cases(&mut k, &rec);
    shards::cases(&mut k, &rec);
    pipeline::cases(&mut k, &rec);
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
         Generated by `tests/bad_inputs/` ({n} cases; `NB_BLESS=1 cargo test --test bad_inputs` rewrites it).\n\
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
