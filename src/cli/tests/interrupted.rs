//! A convert that is interrupted, killed or fails part way leaves no output
//! (and an earlier output as it was): the core publishes an output only once
//! it is complete, Ctrl-C cancels through its progress callback, and the
//! temporary file of a killed run is removed by the next run to that output.
//! Ctrl-C is tested on Unix only (a signal); on Windows the console's
//! Ctrl-C event reaches the same handler, but Wine gives a test no console
//! to send it to.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use common::*;
use neurobatch_core::DataOrder;

/// Starts a convert slow enough to be caught part way: a channels-order
/// output of a samples-order input, with batches so small that each reads
/// thousands of whole rows for one channel's few kilobytes (about 6 GB of
/// reads from the page cache). Returns once it reported progress, so its
/// temporary output exists.
fn start_slow_convert(d: &Path) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = tool()
        .args(["convert", "rec.bin", "out.bin", "--order", "channels", "--max-memory", "8KB", "--overwrite"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("neurobatch: writing 'out.bin': ") && !line.contains("100%"), "{line}");
    (child, stderr)
}

fn rest(mut stderr: BufReader<std::process::ChildStderr>) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
    s
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    raw(dir.path(), "rec.bin", 385, 20000, DataOrder::Samples, None);
    // An earlier output, which an unfinished convert must leave alone.
    std::fs::write(dir.path().join("out.bin"), b"earlier").unwrap();
    std::fs::write(dir.path().join("out.yaml"), b"earlier sidecar").unwrap();
    dir
}

fn earlier_output_intact(d: &Path) {
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), b"earlier");
    assert_eq!(std::fs::read(d.join("out.yaml")).unwrap(), b"earlier sidecar");
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_and_removes_the_partial_output() {
    let dir = setup();
    let d = dir.path();
    let (mut child, stderr) = start_slow_convert(d);
    assert!(names(d).iter().any(|n| n.ends_with(".nbtmp")), "the temporary output exists while converting: {:?}", names(d));
    let sent = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let rest = rest(stderr);
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("neurobatch: interrupted; stopping after the current batch"), "{rest}");
    let last = rest.lines().last().unwrap();
    assert!(last.starts_with("neurobatch: error: interrupted after ") && last.ends_with(" batches; nothing was written"), "{last}");
    earlier_output_intact(d);
    assert_eq!(names(d), ["out.bin", "out.yaml", "rec.bin", "rec.yaml"], "no temporary file is left");
}

#[test]
fn a_killed_convert_leaves_no_output_and_the_next_run_cleans_up() {
    let dir = setup();
    let d = dir.path();
    let (mut child, _stderr) = start_slow_convert(d);
    child.kill().unwrap(); // SIGKILL, or TerminateProcess on Windows: no handler runs
    let status = child.wait().unwrap();
    assert!(!status.success());
    earlier_output_intact(d);
    let left: Vec<String> = names(d).into_iter().filter(|n| n.starts_with(".out_bin.")).collect();
    assert!(left.iter().any(|n| n.ends_with(".nbtmp")), "a killed writer leaves its hidden temporary file: {left:?}");
    // The next convert to that output removes it, and publishes.
    ok(d, &["convert", "rec.bin", "out.bin", "--overwrite", "--quiet"]);
    assert_eq!(names(d), ["out.bin", "out.yaml", "rec.bin", "rec.yaml"]);
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), std::fs::read(d.join("rec.bin")).unwrap());
}

#[test]
fn a_convert_that_fails_part_way_leaves_no_output() {
    let dir = setup();
    let d = dir.path();
    let (mut child, stderr) = start_slow_convert(d);
    // Another program truncates the input under the running convert.
    std::fs::OpenOptions::new().write(true).open(d.join("rec.bin")).unwrap().set_len(385 * 2 * 100).unwrap();
    let status = child.wait().unwrap();
    let rest = rest(stderr);
    assert_eq!(status.code(), Some(1), "{rest}");
    let last = rest.lines().last().unwrap();
    assert!(
        last.starts_with("neurobatch: error: 'rec.bin' was 15400000 bytes when opened and is now 77000 bytes: another process truncated or rewrote it"),
        "{last}"
    );
    earlier_output_intact(d);
    assert_eq!(names(d), ["out.bin", "out.yaml", "rec.bin", "rec.yaml"]);
}
