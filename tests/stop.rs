//! A callback's stop code in a parallel apply: the workers finish the batch
//! in hand, and batches already queued for them are never processed. The
//! worker whose result stops the run is free at that moment and would take
//! the next queued batch before the calling thread can say stop, so a
//! test-only hold keeps that batch, once taken, until the apply has ended:
//! without the library's check the batch would then be processed.
//!
//! One test function: the injection switch is global to the process.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use neurobatch_core::apply::{apply, ApplyOptions, CallOutput};
use neurobatch_core::result::ResultBlock;
use neurobatch_core::*;

const WORKER_TAKE: u32 = 8;

#[test]
fn a_stop_skips_the_batches_still_queued() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "a.bin", Dtype::I16, 5, 3000, DataOrder::Samples);
    let r = Arc::new(
        Reader::open(&path, &OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(5), data_order: Some(DataOrder::Samples), ..Default::default() }).unwrap(),
    );
    let batch = BatchOptions { max_memory: 5 * 2 * 100, ..Default::default() }; // 30 batches
    for threads in [2usize, 3] {
        let called = Mutex::new(Vec::new());
        let f = |b: &Batch<'_>, _: Option<&ResultBlock>| {
            let index = b.info.index;
            called.lock().unwrap().push(index);
            // Batch 0 stops the run, once batches 1..threads are in other workers' hands.
            let code = if index == 0 {
                let start = Instant::now();
                while called.lock().unwrap().len() < threads && start.elapsed() < Duration::from_secs(10) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                7
            } else {
                0
            };
            Ok(CallOutput { code, result: Some(ResultBlock::from_bytes(b.dtype, b.info.n_rows, b.channels.len(), b.layout, b.data).unwrap()) })
        };
        // Takes 1..=threads are the batches in hand; the next one is held.
        neurobatch_core::fault::arm(WORKER_TAKE, threads as u64);
        let out = apply(&r, &batch, &ApplyOptions { n_threads: threads, ..Default::default() }, Some(&f), None, None).unwrap();
        assert_eq!(out.stopped, Some(7), "{threads} threads");
        assert_eq!(out.results.len(), 1, "{threads} threads: only batch 0's result is delivered");
        let mut called = called.into_inner().unwrap();
        called.sort();
        let in_hand: Vec<u64> = (0..threads as u64).collect();
        assert_eq!(called, in_hand, "{threads} threads: a batch still queued at the stop was processed");
    }
}
