//! The safe Rust core against the fixture formula.

mod common;

use std::sync::Arc;

use common::*;
use neurobatch_core::*;

fn open(path: &std::path::Path, dtype: Dtype, n_ch: usize, order: DataOrder, loader: Loader) -> Reader {
    Reader::open(path, &OpenOptions { dtype: Some(dtype), n_channels: Some(n_ch), data_order: Some(order), loader, ..Default::default() }).unwrap()
}

const ORDERS: [DataOrder; 2] = [DataOrder::Samples, DataOrder::Channels];
const LAYOUTS: [Layout; 2] = [Layout::SampleMajor, Layout::ChannelMajor];
const LOADERS: [Loader; 2] = [Loader::Pread, Loader::Mmap];

#[test]
fn every_dtype_order_layout_and_loader_reads_the_formula() {
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (7, 53);
    for dtype in Dtype::ALL {
        for order in ORDERS {
            let path = write_fixture(dir.path(), &format!("{dtype}-{order}.bin"), dtype, n_ch, n_obs, order);
            for loader in LOADERS {
                let r = open(&path, dtype, n_ch, order, loader);
                assert_eq!(r.n_observations(), n_obs);
                for layout in LAYOUTS {
                    for (from, to, chans, buffer) in [
                        (0, n_obs, ChannelSel::All, 0),
                        (5, 20, ChannelSel::List(vec![6, 0, 3, 3]), 4),
                        (0, 3, ChannelSel::one(2), 10),
                        (50, 53, ChannelSel::All, 2),
                    ] {
                        let cols = chans.resolve(n_ch).unwrap();
                        let rows = (to - from + 2 * buffer) as usize;
                        let mut out = vec![0xAAu8; rows * cols.len() * dtype.itemsize()];
                        r.read(from, to, &chans, buffer, layout, &mut out).unwrap();
                        check_block(dtype, n_ch, n_obs, &out, layout, rows, &cols, from, buffer);
                    }
                }
            }
        }
    }
}

#[test]
fn reads_larger_than_a_chunk_are_assembled_in_pieces() {
    // 385 channels x 6000 rows of int16 = 4.6 MB, more than one 4 MiB chunk.
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (385, 6000);
    for order in ORDERS {
        let path = write_fixture(dir.path(), "big.bin", Dtype::I16, n_ch, n_obs, order);
        let r = open(&path, Dtype::I16, n_ch, order, Loader::Pread);
        for layout in LAYOUTS {
            let cols: Vec<usize> = (0..n_ch).rev().collect();
            let mut out = vec![0u8; n_obs as usize * n_ch * 2];
            r.read(0, n_obs, &ChannelSel::List(cols.clone()), 0, layout, &mut out).unwrap();
            check_block(Dtype::I16, n_ch, n_obs, &out, layout, n_obs as usize, &cols, 0, 0);
        }
    }
}

fn collect(c: &mut Cursor) -> Vec<(BatchInfo, Vec<usize>, Vec<u8>)> {
    let mut v = vec![];
    while let Some(b) = c.next_batch().unwrap() {
        v.push((b.info.clone(), b.channels.to_vec(), b.data.to_vec()));
    }
    assert!(c.next_batch().unwrap().is_none(), "DONE forever");
    v
}

#[test]
fn worked_example_1000_by_10_at_6000_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for order in ORDERS {
        let path = write_fixture(dir.path(), "w.bin", Dtype::I16, 10, 1000, order);
        let r = Arc::new(open(&path, Dtype::I16, 10, order, Loader::Pread));
        for layout in LAYOUTS {
            let opts = BatchOptions { max_memory: 6000, buffer: 3, layout, ..Default::default() };
            let mut c = Cursor::new(r.clone(), &opts).unwrap();
            assert_eq!((c.plan().rows_per_batch, c.plan().n_batches), (300, 4));
            let got = collect(&mut c);
            let idx: Vec<(u64, u64)> = got.iter().map(|(i, _, _)| (i.start, i.stop)).collect();
            assert_eq!(idx, vec![(0, 300), (300, 600), (600, 900), (900, 1000)]);
            for (info, chans, data) in &got {
                assert_eq!(info.idx_local(), 3..3 + (info.stop - info.start));
                assert_eq!(info.count, 4);
                check_block(Dtype::I16, 10, 1000, data, layout, info.n_rows, chans, info.start, 3);
            }
            // batch 0 starts with 3 zero rows, batch 3 ends with 3.
            assert_eq!(got[0].0.n_rows, 306);
            assert_eq!(got[3].0.n_rows, 106);
        }
    }
}

#[test]
fn neuropixels_300mb_plan() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "np.bin", Dtype::I16, 385, 4, DataOrder::Samples);
    let r = open(&path, Dtype::I16, 385, DataOrder::Samples, Loader::Pread);
    let plan = Plan::new(&r, &BatchOptions { max_memory: parse_max_memory("300MB").unwrap(), ..Default::default() }).unwrap();
    assert_eq!(plan.rows_per_batch, 408_536);
    assert_eq!(plan.n_batches, 1);
}

#[test]
fn multi_channel_with_range_channels_and_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (6, 500);
    for dtype in [Dtype::I16, Dtype::F64, Dtype::U8] {
        for order in ORDERS {
            let path = write_fixture(dir.path(), "m.bin", dtype, n_ch, n_obs, order);
            for loader in LOADERS {
                let r = Arc::new(open(&path, dtype, n_ch, order, loader));
                for layout in LAYOUTS {
                    let sel = vec![5, 1, 1];
                    let opts = BatchOptions {
                        max_memory: (3 * dtype.itemsize() * 70) as u64,
                        from: Some(2),
                        to: Some(497),
                        channels: ChannelSel::List(sel.clone()),
                        buffer: 5,
                        layout,
                        ..Default::default()
                    };
                    let mut c = Cursor::new(r.clone(), &opts).unwrap();
                    let got = collect(&mut c);
                    assert_eq!(got.len(), 495usize.div_ceil(70));
                    assert_eq!(got.last().unwrap().0.stop, 497);
                    for (info, chans, data) in &got {
                        assert_eq!(chans, &sel);
                        check_block(dtype, n_ch, n_obs, data, layout, info.n_rows, chans, info.start, 5);
                    }
                }
            }
        }
    }
}

#[test]
fn single_channel_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (5, 300);
    for order in ORDERS {
        let path = write_fixture(dir.path(), "s.bin", Dtype::I32, n_ch, n_obs, order);
        let r = Arc::new(open(&path, Dtype::I32, n_ch, order, Loader::Pread));
        // complete: one batch per channel; max_memory holds two channels' ranges
        let opts = BatchOptions {
            max_memory: 2 * 4 * 290 + 3,
            from: Some(10),
            to: Some(300),
            channels: ChannelSel::List(vec![4, 0, 2, 2]),
            buffer: 2,
            traversal: Traversal::SingleChannel { force_complete: true },
            ..Default::default()
        };
        let got = collect(&mut Cursor::new(r.clone(), &opts).unwrap());
        assert_eq!(got.iter().map(|g| g.1[0]).collect::<Vec<_>>(), vec![4, 0, 2, 2]);
        for (info, chans, data) in &got {
            assert_eq!((info.start, info.stop, info.n_rows), (10, 300, 294));
            check_block(Dtype::I32, n_ch, n_obs, data, Layout::SampleMajor, info.n_rows, chans, 10, 2);
        }
        // split: windows of 100 rows, channel after channel
        let opts = BatchOptions { max_memory: 400, traversal: Traversal::SingleChannel { force_complete: false }, ..opts };
        let got = collect(&mut Cursor::new(r.clone(), &opts).unwrap());
        let idx: Vec<(usize, u64, u64)> = got.iter().map(|g| (g.1[0], g.0.start, g.0.stop)).collect();
        let mut want = vec![];
        for c in [4, 0, 2, 2] {
            want.extend([(c, 10, 110), (c, 110, 210), (c, 210, 300)]);
        }
        assert_eq!(idx, want);
        for (info, chans, data) in &got {
            check_block(Dtype::I32, n_ch, n_obs, data, Layout::ChannelMajor, info.n_rows, chans, info.start, 2);
        }
    }
}

#[test]
fn empty_ranges_give_zero_batches_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "e.bin", Dtype::I16, 3, 10, DataOrder::Samples);
    let r = Arc::new(open(&path, Dtype::I16, 3, DataOrder::Samples, Loader::Pread));
    for traversal in [Traversal::MultiChannel, Traversal::SingleChannel { force_complete: true }, Traversal::SingleChannel { force_complete: false }] {
        let opts = BatchOptions { from: Some(4), to: Some(4), traversal, ..Default::default() };
        let mut c = Cursor::new(r.clone(), &opts).unwrap();
        assert_eq!(c.plan().n_batches, 0);
        assert!(c.next_batch().unwrap().is_none());
    }
    // an empty file is a valid recording with 0 observations
    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(open(&empty, Dtype::F32, 4, DataOrder::Channels, Loader::Pread).n_observations(), 0);
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.bin");
    std::fs::write(&path, vec![0u8; 2 * 10 * 7 + 6]).unwrap();
    let e = Reader::open(&path, &OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(10), data_order: Some(DataOrder::Samples), ..Default::default() })
        .unwrap_err()
        .to_string();
    for part in ["146", "int16", "10", "remainder 6"] {
        assert!(e.contains(part), "{e}");
    }
    let e = Reader::open(&path, &OpenOptions::default()).unwrap_err().to_string();
    assert!(e.contains("odd.yaml"), "{e}");

    let path = write_fixture(dir.path(), "ok.bin", Dtype::I16, 10, 1000, DataOrder::Samples);
    let r = Arc::new(open(&path, Dtype::I16, 10, DataOrder::Samples, Loader::Pread));
    let err = |o: BatchOptions| Cursor::new(r.clone(), &o).err().unwrap().to_string();
    assert!(err(BatchOptions { max_memory: 19, ..Default::default() }).contains("at least 20 bytes"));
    assert!(err(BatchOptions { from: Some(5), to: Some(1001), ..Default::default() }).contains("[5, 1001)"));
    assert!(err(BatchOptions { channels: ChannelSel::List(vec![10]), ..Default::default() }).contains("channel 10"));
    assert!(err(BatchOptions { channels: ChannelSel::List(vec![]), ..Default::default() }).contains("empty"));
    let e = err(BatchOptions { max_memory: 1999, traversal: Traversal::SingleChannel { force_complete: true }, ..Default::default() });
    assert!(e.contains("2000 bytes") && e.contains("1999"), "{e}");
    // equal is allowed (FIX over YASS)
    Cursor::new(r.clone(), &BatchOptions { max_memory: 2000, traversal: Traversal::SingleChannel { force_complete: true }, ..Default::default() }).unwrap();
}

#[test]
fn sidecar_fills_missing_values_and_explicit_values_win() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "rec.dat", Dtype::U16, 4, 20, DataOrder::Channels);
    std::fs::write(dir.path().join("rec.yaml"), "{data_format: wide, dtype: uint16, n_channels: 4}\n").unwrap();
    let r = Reader::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!((r.dtype(), r.n_channels(), r.data_order(), r.n_observations()), (Dtype::U16, 4, DataOrder::Channels, 20));
    let r = Reader::open(&path, &OpenOptions { n_channels: Some(2), ..Default::default() }).unwrap();
    assert_eq!(r.n_observations(), 40);
}

#[test]
fn typed_views_are_observation_by_channel() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "v.bin", Dtype::I16, 3, 40, DataOrder::Channels);
    let r = Arc::new(open(&path, Dtype::I16, 3, DataOrder::Channels, Loader::Pread));
    for layout in LAYOUTS {
        let mut c = Cursor::new(r.clone(), &BatchOptions { layout, ..Default::default() }).unwrap();
        let b = c.next_batch().unwrap().unwrap();
        let v = b.view::<i16>().unwrap();
        assert_eq!(v.dim(), (40, 3));
        assert_eq!(v[[7, 2]] as i64, value(Dtype::I16, 3, 7, 2));
        assert!(b.view::<f32>().is_err());
    }
}

#[test]
fn seek_and_done_forever() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_fixture(dir.path(), "k.bin", Dtype::I16, 2, 100, DataOrder::Samples);
    let r = Arc::new(open(&path, Dtype::I16, 2, DataOrder::Samples, Loader::Pread));
    let mut c = Cursor::new(r, &BatchOptions { max_memory: 40, ..Default::default() }).unwrap();
    c.seek(9).unwrap();
    assert_eq!(c.next_batch().unwrap().unwrap().info.start, 90);
    assert!(c.next_batch().unwrap().is_none());
    assert!(c.next_batch().unwrap().is_none());
    c.seek(0).unwrap();
    assert_eq!(c.next_batch().unwrap().unwrap().info.start, 0);
    assert!(c.seek(11).is_err());
}

#[test]
fn single_channel_sweeps_of_a_samples_file_read_it_once_per_group() {
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (12, 1000u64);
    let path = write_fixture(dir.path(), "sweep.bin", Dtype::I16, n_ch, n_obs, DataOrder::Samples);
    let file_bytes = n_obs * n_ch as u64 * 2;
    // max_memory holds all 12 channels: one pass over the file for 12 batches.
    for (max_memory, passes) in [(file_bytes, 1), (file_bytes / 4, 4), (2000, 12)] {
        let r = Arc::new(open(&path, Dtype::I16, n_ch, DataOrder::Samples, Loader::Pread));
        let opts = BatchOptions { max_memory, traversal: Traversal::SingleChannel { force_complete: true }, ..Default::default() };
        let got = collect(&mut Cursor::new(r.clone(), &opts).unwrap());
        assert_eq!(got.len(), n_ch);
        for (info, chans, data) in &got {
            check_block(Dtype::I16, n_ch, n_obs, data, Layout::SampleMajor, info.n_rows, chans, 0, 0);
        }
        assert_eq!(r.bytes_read(), passes * file_bytes, "max_memory {max_memory}");
    }
}
