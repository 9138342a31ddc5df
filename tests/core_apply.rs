//! Apply in the Rust core: parallel runs match serial ones and keep at most
//! a few batches in flight; trim, cast and pass_batch_results.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use neurobatch_core::apply::{apply, trim_buffer, ApplyOptions, CallOutput, Mode};
use neurobatch_core::result::ResultBlock;
use neurobatch_core::*;

fn reader(dir: &std::path::Path) -> Arc<Reader> {
    let path = write_fixture(dir, "a.bin", Dtype::I16, 5, 3000, DataOrder::Samples);
    Arc::new(
        Reader::open(&path, &OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(5), data_order: Some(DataOrder::Samples), ..Default::default() }).unwrap(),
    )
}

fn copy_block(b: &Batch<'_>) -> ResultBlock {
    ResultBlock::from_bytes(b.dtype, b.info.n_rows, b.channels.len(), b.layout, b.data).unwrap()
}

#[test]
fn parallel_runs_keep_a_bounded_window_and_match_serial() {
    let dir = tempfile::tempdir().unwrap();
    let r = reader(dir.path());
    let batch = BatchOptions { max_memory: 5 * 2 * 50, buffer: 4, ..Default::default() }; // 60 batches
    let delivered = AtomicU64::new(0);
    let ahead = AtomicU64::new(0);
    let f = |b: &Batch<'_>, _: Option<&ResultBlock>| {
        if b.info.index == 0 {
            std::thread::sleep(std::time::Duration::from_millis(50)); // others would race ahead
        }
        let lead = b.info.index.saturating_sub(delivered.load(Ordering::SeqCst));
        ahead.fetch_max(lead, Ordering::SeqCst);
        Ok(CallOutput { code: 0, result: Some(copy_block(b)) })
    };
    let run = |threads: usize| {
        let mut progress = |done: u64, _: u64| {
            delivered.store(done, Ordering::SeqCst);
            false
        };
        let opts = ApplyOptions { n_threads: threads, ..Default::default() };
        let cleanup: &neurobatch_core::apply::CleanupFn<'_> = &trim_buffer;
        let out = apply(&r, &batch, &opts, Some(&f), Some(cleanup), Some(&mut progress)).unwrap();
        delivered.store(0, Ordering::SeqCst);
        out.results
    };
    let serial = run(1);
    ahead.store(0, Ordering::SeqCst);
    let parallel = run(3);
    assert_eq!(serial.len(), 60);
    assert_eq!(serial, parallel);
    // trimmed to the batch's own rows
    assert_eq!(serial[0].rows, 50);
    let lead = ahead.load(Ordering::SeqCst);
    assert!(lead <= 4, "a worker ran {lead} batches ahead of delivery with 3 threads");
}

#[test]
fn disk_outputs_match_across_thread_counts_and_casts_apply() {
    let dir = tempfile::tempdir().unwrap();
    let r = reader(dir.path());
    let f = |b: &Batch<'_>, _: Option<&ResultBlock>| Ok(CallOutput { code: 0, result: Some(copy_block(b)) });
    let mut bytes = vec![];
    for threads in [1, 2, 4] {
        let out = dir.path().join(format!("o{threads}.bin"));
        let opts = ApplyOptions {
            mode: Mode::Disk { path: out.clone(), if_exists: Default::default() },
            cast: Some(Dtype::F64),
            n_threads: threads,
            ..Default::default()
        };
        let o = apply(&r, &BatchOptions { max_memory: 999, ..Default::default() }, &opts, Some(&f), None, None).unwrap();
        assert_eq!(o.output.unwrap().params.dtype, Dtype::F64);
        bytes.push(std::fs::read(&out).unwrap());
    }
    assert!(bytes.windows(2).all(|w| w[0] == w[1]));
    let v: &[f64] = bytemuck::cast_slice(&bytes[0]);
    assert_eq!(v[7 * 5 + 3] as i64, value(Dtype::I16, 5, 7, 3));
}

#[test]
fn previous_results_chain_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let r = reader(dir.path());
    let seen = Mutex::new(vec![]);
    let f = |b: &Batch<'_>, prev: Option<&ResultBlock>| {
        let p = prev.map(|p| bytemuck::cast_slice::<u8, u64>(p.bytes())[0]);
        seen.lock().unwrap().push(p);
        let next = p.unwrap_or(0) + b.info.index + 1;
        Ok(CallOutput { code: 0, result: Some(ResultBlock::from_bytes(Dtype::U64, 1, 1, Layout::SampleMajor, &next.to_le_bytes())?) })
    };
    let opts = ApplyOptions { pass_batch_results: true, ..Default::default() };
    let out = apply(&r, &BatchOptions { max_memory: 1000, ..Default::default() }, &opts, Some(&f), None, None).unwrap();
    assert_eq!(out.results.len(), 1);
    assert_eq!(bytemuck::cast_slice::<u8, u64>(out.results[0].bytes())[0], (1..=30).sum::<u64>());
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen[0], None);
    assert_eq!(seen[2], Some(3));
}

#[test]
fn parallel_single_channel_apply_reads_each_channel_group_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = reader(dir.path()); // 5 channels x 3000 int16
    let file_bytes = 5 * 3000 * 2;
    let f = |b: &Batch<'_>, _: Option<&ResultBlock>| Ok(CallOutput { code: 0, result: Some(copy_block(b)) });
    let batch = BatchOptions { max_memory: file_bytes, traversal: Traversal::SingleChannel { force_complete: true }, ..Default::default() };
    let serial = apply(&r, &batch, &ApplyOptions::default(), Some(&f), None, None).unwrap().results;
    let before = r.bytes_read();
    let parallel = apply(&r, &batch, &ApplyOptions { n_threads: 2, ..Default::default() }, Some(&f), None, None).unwrap().results;
    assert_eq!(serial, parallel);
    assert_eq!(serial.len(), 5);
    // all five channels fit max_memory: one pass over the file, whatever the thread count
    assert_eq!(r.bytes_read() - before, file_bytes);
}

/// The same output bytes whatever the engine does underneath: read-ahead on
/// or off, 1, 2 or 4 threads, and the convert path (no function) against an
/// identity function, for multi- and single-channel traversals, with and
/// without buffer rows, casts and channel subsets, from both data orders.
#[test]
fn outputs_are_byte_identical_across_read_ahead_threads_and_convert() {
    let dir = tempfile::tempdir().unwrap();
    let identity = |b: &Batch<'_>, _: Option<&ResultBlock>| Ok(CallOutput { code: 0, result: Some(copy_block(b)) });
    for order in [DataOrder::Samples, DataOrder::Channels] {
        let path = write_fixture(dir.path(), &format!("in-{}.bin", order.name()), Dtype::I16, 7, 5003, order);
        let r = Arc::new(
            Reader::open(&path, &OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(7), data_order: Some(order), ..Default::default() }).unwrap(),
        );
        let cases: Vec<(BatchOptions, Option<Dtype>)> = vec![
            (BatchOptions { max_memory: 7 * 2 * 400, ..Default::default() }, None),
            (BatchOptions { max_memory: 7 * 2 * 400, ..Default::default() }, Some(Dtype::F32)),
            (
                BatchOptions { max_memory: 3 * 2 * 333, channels: ChannelSel::List(vec![6, 0, 3]), from: Some(17), to: Some(4990), ..Default::default() },
                Some(Dtype::F64),
            ),
            (BatchOptions { max_memory: 7 * 2 * 400, buffer: 9, ..Default::default() }, Some(Dtype::I32)),
            (BatchOptions { max_memory: 2 * 1200, traversal: Traversal::SingleChannel { force_complete: false }, ..Default::default() }, None),
            (
                BatchOptions {
                    max_memory: 2 * 6000,
                    traversal: Traversal::SingleChannel { force_complete: true },
                    channels: ChannelSel::List(vec![2, 5]),
                    ..Default::default()
                },
                Some(Dtype::F32),
            ),
        ];
        for (k, (batch, cast)) in cases.into_iter().enumerate() {
            let run = |tag: &str, read_ahead: bool, threads: usize, f: Option<&apply::BatchFn<'_>>| {
                let out = dir.path().join(format!("{}-{k}-{tag}.bin", order.name()));
                let opts =
                    ApplyOptions { mode: Mode::Disk { path: out.clone(), if_exists: Default::default() }, cast, n_threads: threads, ..Default::default() };
                let b = BatchOptions { read_ahead: Some(read_ahead), ..batch.clone() };
                apply(&r, &b, &opts, f, None, None).unwrap();
                (std::fs::read(&out).unwrap(), std::fs::read(sidecar_path(&out)).unwrap())
            };
            let reference = run("reference", false, 1, Some(&identity));
            assert!(!reference.0.is_empty());
            for (tag, read_ahead, threads, convert) in [
                ("ahead", true, 1, false),
                ("t2", false, 2, false),
                ("t4", true, 4, false),
                ("convert", true, 1, true),
                ("convert-plain", false, 1, true),
                ("convert-t2", false, 2, true),
            ] {
                let got = run(tag, read_ahead, threads, if convert { None } else { Some(&identity) });
                assert!(got == reference, "{} case {k}: {tag} differs from the reference", order.name());
            }
        }
    }
}

/// A cursor reading ahead delivers the same batches as one that does not,
/// across seeks back and forth.
#[test]
fn read_ahead_cursors_match_across_seeks() {
    let dir = tempfile::tempdir().unwrap();
    let r = reader(dir.path());
    let opts = BatchOptions { max_memory: 5 * 2 * 100, buffer: 3, ..Default::default() };
    let mut plain = Cursor::new(r.clone(), &BatchOptions { read_ahead: Some(false), ..opts.clone() }).unwrap();
    let mut ahead = Cursor::new(r.clone(), &BatchOptions { read_ahead: Some(true), ..opts }).unwrap();
    for target in [0u64, 1, 2, 7, 3, 29, 0, 15, 16, 30] {
        plain.seek(target).unwrap();
        ahead.seek(target).unwrap();
        for _ in 0..3 {
            let a = plain.next_batch().unwrap().map(|b| (b.info.clone(), b.data.to_vec()));
            let b = ahead.next_batch().unwrap().map(|b| (b.info.clone(), b.data.to_vec()));
            assert_eq!(a, b, "after seeking to {target}");
        }
    }
}
