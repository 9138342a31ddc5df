//! The neurobatch tool run as a user runs it: every command, its outputs
//! against the library's own apply, and bad input with its exact message
//! and exit code.

mod common;

use std::path::PathBuf;

use common::*;
use neurobatch_core::{BatchOptions, ChannelSel, DataOrder, Dtype, Traversal};

// ------------------------------------------------------------------ info

#[test]
fn info_of_a_raw_file_says_the_sidecar_gave_everything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raw(d, "rec.bin", 4, 100, DataOrder::Samples, Some(1000.0));
    let r = ok(d, &["info", "rec.bin"]);
    assert_eq!(
        r.stdout,
        "rec.bin
  format         raw binary
  dtype          int16
  data order     samples
  channels       4
  observations   100 (800 bytes)
  sampling rate  1000 Hz
  duration       0.100 s
  channel kinds  unknown: the channel kinds of 'rec.bin' are not known: only SpikeGLX and Open Ephys recordings say what their channels are
  µV scales      unknown: 'rec.bin' has no scale to microvolts: only SpikeGLX and Open Ephys recordings carry gains
  from           sidecar 'rec.yaml': dtype, data order, channels, sampling rate
"
    );
    assert_eq!(r.stderr, "");

    // Options over the sidecar are named as such.
    let r = ok(d, &["info", "rec.bin", "--n-channels", "2", "--sampling-rate", "500"]);
    assert!(r.stdout.contains("  channels       2\n  observations   200 (800 bytes)\n  sampling rate  500 Hz\n  duration       0.400 s\n"), "{}", r.stdout);
    assert!(r.stdout.ends_with("  from           sidecar 'rec.yaml': dtype, data order\n                 options: channels, sampling rate\n"), "{}", r.stdout);

    let v: serde_json::Value = serde_json::from_str(&ok(d, &["info", "--json", "rec.bin"]).stdout).unwrap();
    let f = &v[0];
    assert_eq!((f["format"].as_str(), f["dtype"].as_str(), f["data_order"].as_str()), (Some("raw"), Some("int16"), Some("samples")));
    assert_eq!((f["n_channels"].as_u64(), f["n_observations"].as_u64(), f["data_bytes"].as_u64()), (Some(4), Some(100), Some(800)));
    assert_eq!((f["sampling_rate"].as_f64(), f["duration_seconds"].as_f64()), (Some(1000.0), Some(0.1)));
    assert!(f["scales_uv"].is_null() && f["channel_kinds"].is_null());
    assert!(f["unknown"]["scales_uv"].as_str().unwrap().contains("only SpikeGLX and Open Ephys recordings carry gains"));
    assert_eq!(f["sources"]["n_channels"], serde_json::json!({"kind": "sidecar", "path": "rec.yaml"}));
    assert_eq!(f["sources"]["sampling_rate"], serde_json::json!({"kind": "sidecar", "path": "rec.yaml"}));
    assert!(f["sources"]["scales_uv"].is_null());
}

#[test]
fn info_of_spikeglx_and_open_ephys_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    spikeglx_np1_ap(d, "run_g0_t0", 300);
    openephys(d, 50);
    let r = ok(d, &["info", "run_g0_t0.imec0.ap.bin", "Record Node 101/experiment1/recording1/structure.oebin"]);
    // The data file is the .oebin's folder joined with the path it names, with
    // the system's separator (a backslash on Windows).
    let data_file = std::path::Path::new("Record Node 101/experiment1/recording1").join("continuous").join("Rhythm_FPGA-100.0").join("continuous.dat");
    assert_eq!(
        r.stdout.replace(&data_file.display().to_string(), "DATA_FILE"),
        "run_g0_t0.imec0.ap.bin
  format         SpikeGLX
  dtype          int16
  data order     samples
  channels       385: 384 neural_ap, 1 digital
  observations   300 (231000 bytes)
  sampling rate  30000 Hz
  duration       0.010 s
  µV scales      383 neural_ap at 2.34375 µV/count, 1 neural_ap at 1.17188 µV/count, 1 digital unscaled
  from           .meta 'run_g0_t0.imec0.ap.meta': dtype, data order, channels, sampling rate, channel kinds, µV scales

Record Node 101/experiment1/recording1/structure.oebin
  format         Open Ephys
  data file      DATA_FILE
  dtype          int16
  data order     samples
  channels       3: 2 neural, 1 analog
  observations   50 (300 bytes)
  sampling rate  30000 Hz
  duration       0.002 s
  µV scales      2 neural at 0.195 µV/count, 1 analog at 152.588 µV/count
  from           structure.oebin 'Record Node 101/experiment1/recording1/structure.oebin': dtype, data order, channels, sampling rate, channel kinds, µV scales
"
    );

    let v: serde_json::Value = serde_json::from_str(&ok(d, &["info", "--json", "run_g0_t0.imec0.ap.bin", "--sampling-rate", "29999.5"]).stdout).unwrap();
    let f = &v[0];
    assert_eq!(f["format"], "spikeglx");
    let scales: Vec<f64> = f["scales_uv"].as_array().unwrap().iter().map(|s| s.as_f64().unwrap()).collect();
    assert_eq!(scales.len(), 385);
    assert!((0..385).all(|c| (scales[c] - np1_scale(c)).abs() <= 1e-12 * np1_scale(c)), "{scales:?}");
    assert_eq!(f["channels_by_kind"], serde_json::json!([{"kind": "neural_ap", "count": 384}, {"kind": "digital", "count": 1}]));
    assert_eq!(f["channel_kinds"][384], "digital");
    assert_eq!(f["scales_summary"][2], serde_json::json!({"kind": "digital", "count": 1, "uv_per_count": 1.0, "unscaled": true}));
    assert_eq!(f["sources"]["scales_uv"], serde_json::json!({"kind": ".meta", "path": "run_g0_t0.imec0.ap.meta"}));
    assert_eq!((f["sampling_rate"].as_f64(), &f["sources"]["sampling_rate"]), (Some(29999.5), &serde_json::json!({"kind": "options", "path": null})));
}

// ------------------------------------------------------------------ convert

/// A convert's output and sidecar are byte for byte the library's apply
/// (with a copying function) of the same batches.
fn same_as_library(d: &std::path::Path, input: &str, args: &[&str], batches: BatchOptions, cast: Option<Dtype>, threads: usize) {
    let name = format!("cli{}.bin", args.join("_").replace([':', ',', '-'], ""));
    let mut full = vec!["convert", input, name.as_str(), "--quiet"];
    full.extend(args);
    let r = ok(d, &full);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""), "--quiet prints nothing");
    let lib = d.join(format!("lib-{name}"));
    library_apply(&[d.join(input)], &lib, &batches, cast, threads);
    assert_eq!(std::fs::read(d.join(&name)).unwrap(), std::fs::read(&lib).unwrap(), "data of {args:?}");
    assert_eq!(
        std::fs::read_to_string(d.join(&name).with_extension("yaml")).unwrap(),
        std::fs::read_to_string(lib.with_extension("yaml")).unwrap(),
        "sidecar of {args:?}"
    );
}

#[test]
fn convert_writes_what_the_library_apply_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raw(d, "rec.bin", 12, 5000, DataOrder::Samples, Some(1000.0));
    raw(d, "wide.bin", 6, 3000, DataOrder::Channels, None);
    let mm = |max_memory: u64| BatchOptions { max_memory, ..Default::default() };
    let single = Traversal::SingleChannel { force_complete: false };
    // Everything: the same file again.
    same_as_library(d, "rec.bin", &[], mm(256 << 20), None, 1);
    assert_eq!(std::fs::read(d.join("cli.bin")).unwrap(), std::fs::read(d.join("rec.bin")).unwrap());
    // Channels (ranges include their end) and a time range in seconds: 0.5 s to 4 s at 1000 Hz.
    same_as_library(
        d,
        "rec.bin",
        &["--channels", "0:3,7,2", "--from", "0.5s", "--to", "4000", "--max-memory", "1KB"],
        BatchOptions { max_memory: 1024, channels: ChannelSel::List(vec![0, 1, 2, 3, 7, 2]), from: Some(500), to: Some(4000), ..Default::default() },
        None,
        1,
    );
    // float32, turned around to channels order, on worker threads.
    same_as_library(
        d,
        "rec.bin",
        &["--dtype", "float32", "--order", "channels", "--max-memory", "2KB", "--threads", "3"],
        BatchOptions { max_memory: 2048, traversal: single, ..Default::default() },
        Some(Dtype::F32),
        3,
    );
    // A channels-order input keeps its order, unless told.
    same_as_library(
        d,
        "wide.bin",
        &["--dtype", "int32", "--max-memory", "4KB"],
        BatchOptions { max_memory: 4096, traversal: single, ..Default::default() },
        Some(Dtype::I32),
        1,
    );
    same_as_library(
        d,
        "wide.bin",
        &["--order", "samples", "--from", "100", "--to", "2999"],
        BatchOptions { from: Some(100), to: Some(2999), ..mm(256 << 20) },
        None,
        1,
    );
    // The sidecar kept the sampling rate where the output keeps the time base.
    assert!(std::fs::read_to_string(d.join("cli.yaml")).unwrap().contains("sampling_rate: 1000.0"));
}

#[test]
fn uv_gives_float32_microvolts_of_the_neural_channels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n_obs = 200;
    spikeglx_np1_ap(d, "run_g0_t0", n_obs);
    let bin = "run_g0_t0.imec0.ap.bin";
    let r = ok(d, &["convert", bin, "uv.bin", "--neural", "--uv", "--from", "20", "--max-memory", "10KB"]);
    assert_eq!(r.stdout, "wrote 'uv.bin' and 'uv.yaml': 180 observations × 384 channels of float32, samples order (276480 bytes)\n");
    // Plain progress lines when stderr is not a terminal: 13 rows of 384 int16 channels fit in 10KB.
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(lines.len() >= 2 && lines.iter().all(|l| l.starts_with("neurobatch: writing 'uv.bin': ")), "{}", r.stderr);
    assert_eq!(lines.last(), Some(&"neurobatch: writing 'uv.bin': 100% (14 of 14 batches)"));
    assert_eq!(
        std::fs::read_to_string(d.join("uv.yaml")).unwrap(),
        "data_bytes: 276480\ndata_order: samples\ndtype: float32\nn_channels: 384\nsampling_rate: 30000.0\n"
    );
    // µV = count × imAiRangeMax / imMaxInt / gain × 1e6, rounded once to float32.
    let got = f32s(&std::fs::read(d.join("uv.bin")).unwrap());
    let want: Vec<f32> = (20..n_obs).flat_map(|s| (0..384).map(move |c| (value(385, s, c) as f64 * np1_scale(c)) as f32)).collect();
    assert_eq!(got, want);
    assert_eq!(got[7], (value(385, 20, 7) as f64 * 1.171875) as f32);

    // The same as the library's microvolt apply; with the sync word and
    // --dtype: the microvolts cast.
    same_as_library(
        d,
        bin,
        &["--uv", "--channels", "380:384", "--dtype", "int32", "--order", "channels"],
        BatchOptions {
            max_memory: 256 << 20,
            channels: ChannelSel::List(vec![380, 381, 382, 383, 384]),
            microvolts: true,
            traversal: Traversal::SingleChannel { force_complete: false },
            ..Default::default()
        },
        Some(Dtype::I32),
        1,
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raw(d, "rec.bin", 385, 3000, DataOrder::Samples, Some(30000.0));
    let before = names(d);
    let r = ok(d, &["convert", "rec.bin", "out.bin", "--channels", "0:383", "--from", "10ms", "--dtype", "float32", "--max-memory", "100KB", "--dry-run"]);
    assert_eq!(
        r.stdout,
        "convert 'rec.bin' -> 'out.bin': the plan (dry run: nothing is written)
  input     3000 observations × 385 channels of int16, samples order
  channels  384 of 385 (--channels)
  samples   300 (0.010 s) to 3000 (0.100 s) (the end not included)
  output    'out.bin' and 'out.yaml': 2700 observations × 384 channels of float32, samples order, 4147200 bytes
  batches   21 of up to 133 observations × 384 channels
  memory    streamed in pieces of a few MB, whatever --max-memory (102144 bytes of input per batch set the progress steps)
"
    );
    assert_eq!(names(d), before);
    // The plan's batches are the library's.
    let plan = neurobatch_core::Plan::for_shape(
        &neurobatch_core::plan::Shape { n_obs: 3000, n_channels: 385, dtype: Dtype::I16 },
        std::path::Path::new("rec.bin"),
        &BatchOptions { max_memory: 102400, channels: ChannelSel::List((0..384).collect()), from: Some(300), ..Default::default() },
    )
    .unwrap();
    assert_eq!((plan.n_batches, plan.rows_per_batch), (21, 133));
    let r = ok(d, &["convert", "rec.bin", "out.bin", "--order", "channels", "--max-memory", "1MB", "--dry-run"]);
    assert!(r.stdout.ends_with(
        "  batches   385 of up to 3000 observations × 1 channel\n  memory    up to about 2 × --max-memory = 2097152 bytes (whole channels are read together while they fit)\n"
    ), "{}", r.stdout);
    assert_eq!(names(d), before);
}

// ------------------------------------------------------------------ cat

#[test]
fn cat_concatenates_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parts: Vec<PathBuf> = (0..3).map(|k| raw(d, &format!("part{k}.bin"), 5, 100 + 10 * k, DataOrder::Samples, Some(2000.0))).collect();
    let r = ok(d, &["cat", "session.bin", "part0.bin", "part1.bin", "part2.bin"]);
    assert_eq!(r.stdout, "wrote 'session.bin' and 'session.yaml': 330 observations × 5 channels of int16, samples order (3300 bytes)\n");
    let whole: Vec<u8> = parts.iter().flat_map(|p| std::fs::read(p).unwrap()).collect();
    assert_eq!(std::fs::read(d.join("session.bin")).unwrap(), whole);
    assert_eq!(
        std::fs::read_to_string(d.join("session.yaml")).unwrap(),
        "data_bytes: 3300\ndata_order: samples\ndtype: int16\nn_channels: 5\nsampling_rate: 2000.0\n"
    );
    // Options apply to the session as one recording: samples count across files.
    ok(d, &["cat", "cut.bin", "part0.bin", "part1.bin", "part2.bin", "--from", "90", "--to", "215", "--channels", "4,0", "--quiet"]);
    let lib = d.join("lib-cut.bin");
    library_apply(&parts, &lib, &BatchOptions { from: Some(90), to: Some(215), channels: ChannelSel::List(vec![4, 0]), ..Default::default() }, None, 1);
    assert_eq!(std::fs::read(d.join("cut.bin")).unwrap(), std::fs::read(&lib).unwrap());
    assert_eq!(i16s(&std::fs::read(d.join("cut.bin")).unwrap())[..2], [value(5, 90, 4), value(5, 90, 0)]);
}

// ------------------------------------------------------------------ bad input

#[test]
fn bad_input_gets_the_message_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raw(d, "rec.bin", 4, 100, DataOrder::Samples, None);
    raw(d, "five.bin", 5, 100, DataOrder::Samples, None);
    let usage = |args: &[&str], message: &str| fails(d, args, 2, message);

    // The system's own words for "not found" (error 2 on Linux, macOS and Windows).
    let missing = format!("recording 'missing.bin' does not exist: {}", std::io::Error::from_raw_os_error(2));
    fails(d, &["info", "missing.bin"], 1, &missing);
    fails(d, &["convert", "missing.bin", "out.bin"], 1, &missing);
    usage(
        &["convert", "rec.bin", "out.bin", "--channels", "0:x"],
        "invalid value '0:x' for '--channels <LIST>': 'x' in '0:x' is not a channel number; expected channel numbers from 0 and ranges whose end is included: 0:383 (channels 0 to 383, 384 channels), 1,5,9 or 0:10,20\n\nFor more information, try '--help'.",
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--channels", "3:1"],
        "invalid value '3:1' for '--channels <LIST>': the range 3:1 ends before it starts; expected channel numbers from 0 and ranges whose end is included: 0:383 (channels 0 to 383, 384 channels), 1,5,9 or 0:10,20\n\nFor more information, try '--help'.",
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--channels", "0:4"],
        "--channels 0:4: the range 0:4 (ends included) is past the last channel of 'rec.bin', which has 4 channel(s), 0 to 3",
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--channels", "1,4"],
        "--channels 1,4: channel 4 is past the last channel of 'rec.bin', which has 4 channel(s), 0 to 3",
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--dtype", "int17"],
        "invalid value 'int17' for '--dtype <DTYPE>': unknown dtype 'int17': expected one of int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64\n\nFor more information, try '--help'.",
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--max-memory", "1.5GB"],
        "invalid value '1.5GB' for '--max-memory <SIZE>': invalid max_memory '1.5GB': expected a non-negative integer number of bytes, optionally followed by B, K, KB, M, MB, G or GB (1024-based), e.g. '300MB'\n\nFor more information, try '--help'.",
    );
    let hint = "\n\nFor more information, try '--help'.";
    const CHANNELS_SYNTAX: &str = "channel numbers from 0 and ranges whose end is included: 0:383 (channels 0 to 383, 384 channels), 1,5,9 or 0:10,20";
    const TIME_SYNTAX: &str = "a sample number (300000) or a time: 250ms, 10s, 2.5min, 1h";
    usage(
        &["convert", "rec.bin", "out.bin", "--channels", "-1"],
        &format!("invalid value '-1' for '--channels <LIST>': '-1' is negative: channels count from 0; expected {CHANNELS_SYNTAX}{hint}"),
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--from", "-1"],
        &format!("invalid value '-1' for '--from <TIME>': '-1' is negative: samples and times count from 0, the start of the recording; expected {TIME_SYNTAX}{hint}"),
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--sampling-rate", "0"],
        &format!(
            "invalid value '0' for '--sampling-rate <HZ>': '0' is not a sampling rate; expected a positive number of samples per second, e.g. 30000{hint}"
        ),
    );
    usage(
        &["convert", "rec.bin", "out.bin", "--n-channels", "0"],
        &format!("invalid value '0' for '--n-channels <N>': '0' is not a channel count; expected a whole number of at least 1{hint}"),
    );
    usage(&["convert", "rec.bin", "out.bin", "--max-memory", "4"], "max_memory of 4 bytes is below one row: 4 channel(s) of int16 need at least 8 bytes");
    usage(
        &["convert", "rec.bin", "out.bin", "--from", "1s"],
        "--from 1s is a time, but the sampling rate of 'rec.bin' is not known: give --sampling-rate, add sampling_rate to its sidecar, or give a sample number",
    );
    usage(&["convert", "rec.bin", "out.bin", "--to", "101"], "--to 101 is past the end of 'rec.bin', which has 100 samples");
    usage(
        &["convert", "rec.bin", "out.bin", "--from", "1s", "--sampling-rate", "50", "--to", "20"],
        "--from 1s (sample 50) is after --to 20: --from is the first sample kept, --to the first one not kept",
    );
    usage(&["convert", "rec.bin", "out.bin", "--channels", "1", "--neural"], "the argument '--channels <LIST>' cannot be used with '--neural'\n\nUsage: neurobatch convert --channels <LIST> <IN> <OUT>\n\nFor more information, try '--help'.");
    usage(
        &["convert", "rec.bin", "rec.bin", "--overwrite"],
        "invalid output path 'rec.bin': it is the input recording; an output never replaces a file its input was read from",
    );
    fails(
        d,
        &["convert", "rec.bin", "out.bin", "--uv"],
        1,
        "--uv asks for microvolts, but 'rec.bin' has no scale to microvolts: only SpikeGLX and Open Ephys recordings carry gains",
    );
    fails(
        d,
        &["convert", "rec.bin", "out.bin", "--uv", "--dry-run"],
        1,
        "--uv asks for microvolts, but 'rec.bin' has no scale to microvolts: only SpikeGLX and Open Ephys recordings carry gains",
    );
    fails(
        d,
        &["convert", "rec.bin", "out.bin", "--neural"],
        1,
        "--neural needs the channel kinds, but the channel kinds of 'rec.bin' are not known: only SpikeGLX and Open Ephys recordings say what their channels are",
    );
    fails(
        d,
        &["cat", "out.bin", "rec.bin", "rec.bin", "five.bin", "rec.bin"],
        1,
        "the files of a session must agree: 'five.bin' has dtype / n_channels / data_order int16 / 5 / samples, 'rec.bin' has int16 / 4 / samples",
    );
    // Nothing above wrote anything.
    assert_eq!(names(d), ["five.bin", "five.yaml", "rec.bin", "rec.yaml"]);

    // An existing output is refused, and left as it was, unless --overwrite.
    std::fs::write(d.join("out.bin"), b"precious").unwrap();
    fails(d, &["convert", "rec.bin", "out.bin"], 3, "output 'out.bin' exists; nothing was written (--overwrite replaces it)");
    fails(d, &["cat", "out.bin", "rec.bin", "rec.bin"], 3, "output 'out.bin' exists; nothing was written (--overwrite replaces it)");
    // A dry run over it still shows its plan, and says what the run would do.
    let r = ok(d, &["cat", "out.bin", "rec.bin", "rec.bin", "--dry-run"]);
    assert!(r.stdout.ends_with("note: 'out.bin' exists: the run would stop (exit 3) unless --overwrite is given\n"), "{}", r.stdout);
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), b"precious");
    ok(d, &["convert", "rec.bin", "out.bin", "--overwrite", "--quiet"]);
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), std::fs::read(d.join("rec.bin")).unwrap());

    // The command line itself.
    let r = run(d, &["convert", "rec.bin"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("neurobatch: error: the following required arguments were not provided:\n  <OUT>\n"), "{}", r.stderr);
    let r = run(d, &["frob"]);
    assert_eq!((r.code, r.stderr.lines().next()), (2, Some("neurobatch: error: unrecognized subcommand 'frob'")));
    let r = run(d, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Usage: neurobatch <COMMAND>") && r.stderr.contains("Exit codes:"), "{}", r.stderr);
}

#[test]
fn help_has_examples_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    for (command, example) in [
        ("info", "neurobatch info --json rec.bin"),
        ("convert", "neurobatch convert rec.bin neural.bin --channels 0:383"),
        ("cat", "neurobatch cat session.bin part1.bin part2.bin part3.bin"),
    ] {
        let r = ok(dir.path(), &[command, "--help"]);
        assert!(r.stdout.contains("Examples:") && r.stdout.contains(example), "{command}: {}", r.stdout);
        assert!(r.stdout.contains("Exit codes: 0 success"), "{command}");
    }
    let r = ok(dir.path(), &["--help"]);
    assert!(r.stdout.contains("  3    the output exists; give --overwrite to replace it; nothing was written"), "{}", r.stdout);
    assert!(ok(dir.path(), &["convert", "--help"]).stdout.contains("--channels 0:383 is 384 channels"));
    assert_eq!(ok(dir.path(), &["--version"]).stdout, format!("neurobatch {}\n", env!("CARGO_PKG_VERSION")));
}
