//! Generates include/neurobatch.h with cbindgen (committed; CI checks it is
//! current), grouped by topic in the order a user meets them, and gives the
//! shared library its versioned name: the SONAME on Linux, the install name
//! on macOS, and on Windows a version resource in neurobatch.dll.
//!
//! `ABI_VERSION` below is the one place the ABI version is written: the
//! header's `NB_ABI_VERSION` is generated from it, the Rust code reads it
//! from the `NB_ABI_VERSION` environment variable set here, and CMake and the
//! Julia bindings read it from the header.

use std::path::PathBuf;

/// Bumped only on an incompatible ABI change; also the SONAME suffix.
const ABI_VERSION: u32 = 0;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let v = |k: &str| std::env::var(k).expect("set by cargo");
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        // Without a SONAME, consumers record the absolute build path in DT_NEEDED.
        Ok("linux") => println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libneurobatch.so.{ABI_VERSION}"),
        // Consumers record this name and find the library through their rpath.
        Ok("macos") => println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libneurobatch.{ABI_VERSION}.dylib"),
        Ok("windows") => windows_dll(&v("CARGO_PKG_VERSION")),
        _ => {}
    }
    println!("cargo:rustc-env=NB_ABI_VERSION={ABI_VERSION}");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let (major, minor, patch) = (v("CARGO_PKG_VERSION_MAJOR"), v("CARGO_PKG_VERSION_MINOR"), v("CARGO_PKG_VERSION_PATCH"));
    let number = major.parse::<u32>().unwrap() * 10000 + minor.parse::<u32>().unwrap() * 100 + patch.parse::<u32>().unwrap();
    let version_block = format!(
        "\n/* Version of this header; compare with nb_version_number() and nb_abi_version() at run time. */\n\
         #define NB_VERSION_MAJOR {major}\n#define NB_VERSION_MINOR {minor}\n#define NB_VERSION_PATCH {patch}\n\
         #define NB_VERSION_STRING \"{ver}\"\n#define NB_VERSION_NUMBER {number}\n#define NB_ABI_VERSION {ABI_VERSION}\n\
         /* True when this header is at least version a.b.c. */\n\
         #define NB_CHECK_VERSION(a, b, c) (NB_VERSION_NUMBER >= ((a) * 10000 + (b) * 100 + (c)))\n",
        ver = v("CARGO_PKG_VERSION")
    );

    let config = match cbindgen::Config::from_file(dir.join("cbindgen.toml")) {
        Ok(mut c) => {
            c.after_includes = Some(version_block);
            c
        }
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}; keeping the committed header");
            return;
        }
    };
    let bindings = match cbindgen::Builder::new().with_crate(&dir).with_config(config).generate() {
        Ok(b) => b,
        // Keep the committed header, so rustc's own error is the one users see.
        Err(e) => {
            println!("cargo:warning=cbindgen could not generate the header ({e}); keeping the committed one");
            return;
        }
    };
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let header = group_by_topic(&String::from_utf8(raw).expect("cbindgen writes UTF-8"));
    let path = dir.join("include/neurobatch.h");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(header.as_str()) {
        std::fs::write(&path, header).expect("writing include/neurobatch.h");
    }
}

/// Windows has no SONAME: the DLL carries its version in a VERSIONINFO
/// resource (Explorer's Details tab, GetFileVersionInfo), ABI version
/// included, compiled with MinGW's windres or MSVC's rc.
fn windows_dll(version: &str) {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let n: Vec<u32> = version.split(['.', '-', '+']).take(3).map(|p| p.parse().unwrap_or(0)).collect();
    let rc = format!(
        "#include <winver.h>\n\
         VS_VERSION_INFO VERSIONINFO\n\
         FILEVERSION {a},{b},{c},0\nPRODUCTVERSION {a},{b},{c},0\n\
         FILEOS VOS_NT_WINDOWS32\nFILETYPE VFT_DLL\n\
         BEGIN\n BLOCK \"StringFileInfo\"\n BEGIN\n  BLOCK \"040904B0\"\n  BEGIN\n\
           VALUE \"FileDescription\", \"neurobatch: memory-bounded batch reading of multi-channel recordings (C ABI {ABI_VERSION})\"\n\
           VALUE \"FileVersion\", \"{version}\"\n\
           VALUE \"ProductName\", \"neurobatch\"\n\
           VALUE \"ProductVersion\", \"{version}\"\n\
           VALUE \"InternalName\", \"neurobatch\"\n\
           VALUE \"OriginalFilename\", \"neurobatch.dll\"\n\
           VALUE \"LegalCopyright\", \"MIT OR Apache-2.0\"\n\
           VALUE \"ABIVersion\", \"{ABI_VERSION}\"\n\
          END\n END\n BLOCK \"VarFileInfo\"\n BEGIN\n  VALUE \"Translation\", 0x409, 1200\n END\nEND\n",
        a = n[0],
        b = n.get(1).copied().unwrap_or(0),
        c = n.get(2).copied().unwrap_or(0),
    );
    let rc_path = out.join("neurobatch.rc");
    std::fs::write(&rc_path, rc).expect("writing neurobatch.rc");
    println!("cargo:rerun-if-env-changed=WINDRES");
    println!("cargo:rerun-if-env-changed=RC");
    let run = |cmd: &str, args: &[&std::ffi::OsStr]| std::process::Command::new(cmd).args(args).status().is_ok_and(|s| s.success());
    if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        let res = out.join("version.res");
        let rc_exe = std::env::var("RC").unwrap_or_else(|_| "rc".into());
        if run(&rc_exe, &["/nologo".as_ref(), "/fo".as_ref(), res.as_os_str(), rc_path.as_os_str()]) {
            println!("cargo:rustc-cdylib-link-arg={}", res.display());
        } else {
            println!("cargo:warning=rc.exe not found (run from a Developer Command Prompt, or set RC): neurobatch.dll will carry no version resource");
        }
        return;
    }
    // MinGW: the cross tool when cross-compiling, else the host's windres.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").expect("set by cargo");
    let windres = std::env::var("WINDRES").unwrap_or_else(|_| if cfg!(windows) { "windres".into() } else { format!("{arch}-w64-mingw32-windres") });
    let obj = out.join("version.o");
    if !run(&windres, &["-O".as_ref(), "coff".as_ref(), "-i".as_ref(), rc_path.as_os_str(), "-o".as_ref(), obj.as_os_str()]) {
        panic!("{windres} failed or was not found: install MinGW's binutils (Debian: binutils-mingw-w64-x86-64) or set WINDRES");
    }
    // An object on the command line is linked whole: the resource needs no symbol.
    println!("cargo:rustc-cdylib-link-arg={}", obj.display());
}

/// The header's sections, in the order a user meets them: a title, a short
/// introduction, and the names (exact, or prefixes ending in `_`) of the
/// items it holds. An item goes to the section with its longest matching name.
const SECTIONS: &[(&str, &str, &[&str])] = &[
    (
        "Versions and errors",
        "Check at run time that the loaded library matches this header. Every\n * fallible call returns an nb_status and leaves a message for the calling thread.",
        &["nb_version_string", "nb_version_number", "nb_abi_version", "nb_status", "NB_STATUS_", "nb_status_str", "nb_last_error_"],
    ),
    (
        "Element types, orders, layouts and names",
        "The integer codes the other functions take, and parsers for the names\n * YASS users write (\"int16\", \"samples\", \"300MB\").",
        &["nb_dtype", "nb_dtype_", "NB_DTYPE_", "nb_data_order", "nb_data_order_", "NB_DATA_ORDER_", "nb_layout", "NB_LAYOUT_", "nb_max_memory_", "nb_sidecar_", "nb_channel_kind", "nb_channel_kind_", "NB_CHANNEL_KIND_"],
    ),
    (
        "Opening a recording",
        "An nb_reader is an open, read-only recording: a raw binary file with its\n * YAML sidecar, a SpikeGLX .bin with its .meta, an Open Ephys stream, or a\n * session of several files. Reads of any block need no cursor.",
        &["nb_loader", "NB_LOADER_", "NB_OPEN_OPTIONS_VERSION", "nb_open_options", "nb_open_options_", "nb_reader", "nb_reader_"],
    ),
    (
        "Batch options and plans",
        "How a recording is walked: traversal, time range, channels, buffer rows\n * and max_memory, planned exactly as YASS plans them.",
        &["NB_BATCH_OPTIONS_VERSION", "nb_batch_options", "nb_batch_options_", "nb_traversal", "NB_TRAVERSAL_", "nb_edge", "NB_EDGE_", "nb_read_ahead", "NB_READ_AHEAD_", "NB_TO_END", "nb_reader_plan"],
    ),
    (
        "Cursors and batches",
        "A cursor walks the batches of a plan, reusing its memory; each nb_batch is\n * a view valid until the cursor moves on.",
        &["nb_batch", "nb_cursor", "nb_cursor_"],
    ),
    (
        "Apply and results",
        "nb_reader_apply runs a function over every batch (YASS's\n * multi_channel_apply / single_channel_apply): the callback gets the batch and\n * a result slot; results are collected in memory or written to a file.",
        &[
            "nb_if_file_exists", "nb_if_file_exists_", "NB_IF_FILE_EXISTS_", "nb_apply_mode", "NB_APPLY_MODE_", "NB_APPLY_OPTIONS_VERSION", "nb_apply_options",
            "nb_apply_options_", "nb_shard_output", "NB_SHARD_OUTPUT_", "nb_result_view", "nb_result_view_", "nb_result_slot", "nb_result_slot_", "nb_result_list",
            "nb_result_list_", "nb_output_info", "nb_apply_fn", "nb_cleanup_fn", "nb_progress_fn", "nb_reader_apply",
        ],
    ),
    (
        "Writer",
        "The result sink on its own, for loops written in another language: append\n * blocks, then publish data and sidecar atomically.",
        &["nb_writer", "nb_writer_"],
    ),
    (
        "Pipelines",
        "Steps chained on one input, each reading the previous step's output\n * (YASS's BatchPipeline and PipedTransformation).",
        &["nb_pipeline_", "NB_PIPELINE_"],
    ),
    (
        "Shards across processes",
        "One job split between processes (MPI ranks, job-array tasks) that never\n * talk: each runs its shard of the batches; one process finishes the output.",
        &["nb_reader_shard_batches", "nb_shard_"],
    ),
];

/// The name a declaration introduces.
fn declared_name(decl: &str) -> String {
    let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let first = decl.lines().next().unwrap_or("");
    if let Some(rest) = first.strip_prefix("#define ") {
        return word(rest);
    }
    if let Some(rest) = first.strip_prefix("typedef struct ") {
        return word(rest);
    }
    if let Some(at) = first.find("(*") {
        return word(&first[at + 2..]);
    }
    if first.starts_with("typedef ") {
        return first.trim_end_matches(';').rsplit(' ').next().map(word).unwrap_or_default();
    }
    let open = first.find('(').unwrap_or(first.len());
    first[..open].rsplit([' ', '*']).next().map(word).unwrap_or_default()
}

fn kind_rank(decl: &str) -> u8 {
    let first = decl.lines().next().unwrap_or("");
    if first.starts_with("typedef struct") && first.ends_with('{') || first.contains("(*") {
        2
    } else if first.starts_with("typedef ") {
        0
    } else if first.starts_with("#define ") {
        1
    } else {
        3
    }
}

fn section_of(name: &str) -> usize {
    let mut best: Option<(usize, usize)> = None;
    for (k, (_, _, names)) in SECTIONS.iter().enumerate() {
        for n in *names {
            let hit = if n.ends_with('_') { name.starts_with(n) } else { name == *n };
            if hit && best.is_none_or(|(len, _)| n.len() > len) {
                best = Some((n.len(), k));
            }
        }
    }
    match best {
        Some((_, k)) => k,
        None => panic!("build.rs: `{name}` belongs to no section of the header: add it to SECTIONS"),
    }
}

/// Regroups cbindgen's output (types, then functions) into SECTIONS, each
/// opened by a comment, the whole inside one `extern "C"` block.
fn group_by_topic(raw: &str) -> String {
    let marker = "#define NB_CHECK_VERSION";
    let at = raw.find(marker).expect("the version block");
    let body_start = at + raw[at..].find('\n').expect("end of line") + 1;
    let guard_end = raw.rfind("#endif").expect("include guard");
    let (head, body, tail) = (&raw[..body_start], &raw[body_start..guard_end], &raw[guard_end..]);
    let mut sections: Vec<Vec<(u8, &str)>> = vec![Vec::new(); SECTIONS.len()];
    for item in body.split("\n\n").map(str::trim).filter(|s| !s.is_empty()) {
        if item.starts_with("#ifdef __cplusplus") || item.starts_with("#endif") {
            continue;
        }
        let decl: String = item.lines().skip_while(|l| l.starts_with("/**") || l.starts_with(" *")).collect::<Vec<_>>().join("\n");
        sections[section_of(&declared_name(&decl))].push((kind_rank(&decl), item));
    }
    // Within a section: type names, their constants, structs and callback
    // types (in cbindgen's dependency order), then functions.
    for s in &mut sections {
        s.sort_by_key(|(rank, _)| *rank);
    }
    let mut out = String::from(head);
    out.push_str("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    for (k, (title, intro, _)) in SECTIONS.iter().enumerate() {
        let rule = "=".repeat(70 - title.len().min(60));
        out.push_str(&format!("\n/* {} {rule}\n *\n * {intro}\n */\n", title));
        for (_, item) in &sections[k] {
            out.push('\n');
            out.push_str(item);
            out.push('\n');
        }
    }
    out.push_str("\n#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n");
    out.push_str(tail);
    out
}
