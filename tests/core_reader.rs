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

#[test]
fn provenance_says_where_each_value_came_from() {
    use neurobatch_core::formats::Format;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sidecar = || Source::Sidecar(d.join("rec.yaml"));

    // A raw file: everything from its sidecar, then options over part of it.
    let path = write_fixture(d, "rec.bin", Dtype::I16, 4, 30, DataOrder::Samples);
    std::fs::write(d.join("rec.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\nsampling_rate: 1000.0\n").unwrap();
    let p = Reader::open(&path, &OpenOptions::default()).unwrap().provenance().clone();
    assert_eq!(
        p,
        Provenance { dtype: sidecar(), n_channels: sidecar(), data_order: sidecar(), sampling_rate: Some(sidecar()), scales_uv: None, channel_kinds: None }
    );
    let opts = OpenOptions { n_channels: Some(2), sampling_rate: Some(500.0), ..Default::default() };
    let p = Reader::open(&path, &opts).unwrap().provenance().clone();
    assert_eq!((p.dtype, p.n_channels, p.sampling_rate), (sidecar(), Source::Options, Some(Source::Options)));
    // Every parameter given and no rate anywhere: the sidecar is not a source.
    std::fs::remove_file(d.join("rec.yaml")).unwrap();
    let given = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(4), data_order: Some(DataOrder::Samples), ..Default::default() };
    let p = Reader::open(&path, &given).unwrap().provenance().clone();
    assert_eq!((p.dtype, p.data_order, p.sampling_rate), (Source::Options, Source::Options, None));

    // SpikeGLX (NI-DAQ: 2 MN channels at gain 200, one XD word): the .meta.
    let bin = write_fixture(d, "run_g0_t0.nidq.bin", Dtype::I16, 3, 10, DataOrder::Samples);
    let meta = d.join("run_g0_t0.nidq.meta");
    std::fs::write(
        &meta,
        "acqMnMaXaDw=2,0,0,1\nnSavedChans=3\nniAiRangeMax=5\nniMNGain=200\nniMaxInt=32768\nniSampRate=25000\nsnsMnMaXaDw=2,0,0,1\nsnsSaveChanSubset=all\ntypeThis=nidq\n",
    )
    .unwrap();
    let glx = || Source::Metadata(Format::SpikeGlx, meta.clone());
    let r = Reader::open(&bin, &OpenOptions { sampling_rate: Some(24000.0), ..Default::default() }).unwrap();
    let p = r.provenance().clone();
    assert_eq!(
        p,
        Provenance {
            dtype: glx(),
            n_channels: glx(),
            data_order: glx(),
            sampling_rate: Some(Source::Options),
            scales_uv: Some(glx()),
            channel_kinds: Some(glx())
        }
    );
    assert_eq!((p.scales_uv.as_ref().unwrap().kind(), p.dtype.path()), (".meta", Some(meta.as_path())));
    assert_eq!(p.sampling_rate.unwrap().to_string(), "the options given when opening");
    // Another channel count: the per-channel metadata no longer applies.
    let p = Reader::open(&bin, &OpenOptions { n_channels: Some(1), ..Default::default() }).unwrap().provenance().clone();
    assert_eq!((p.n_channels, p.dtype, p.sampling_rate, p.scales_uv, p.channel_kinds), (Source::Options, glx(), Some(glx()), None, None));

    // Open Ephys: structure.oebin, whether the .oebin or the .dat is opened.
    let stream = d.join("oe/continuous/Acq-100.0");
    std::fs::create_dir_all(&stream).unwrap();
    std::fs::copy(write_fixture(d, "oe.dat", Dtype::I16, 2, 10, DataOrder::Samples), stream.join("continuous.dat")).unwrap();
    let oebin = d.join("oe/structure.oebin");
    std::fs::write(
        &oebin,
        r#"{"continuous": [{"folder_name": "Acq-100.0/", "sample_rate": 30000.0, "num_channels": 2, "channels": [
            {"channel_name": "CH1", "description": "Headstage data channel", "bit_volts": 0.195, "units": "uV"},
            {"channel_name": "CH2", "description": "Headstage data channel", "bit_volts": 0.195, "units": "uV"}]}]}"#,
    )
    .unwrap();
    let oe = Some(Source::Metadata(Format::OpenEphys, oebin.clone()));
    for opened in [oebin.clone(), stream.join("continuous.dat")] {
        let p = Reader::open(&opened, &OpenOptions::default()).unwrap().provenance().clone();
        assert_eq!((Some(p.n_channels), p.sampling_rate, p.scales_uv.clone()), (oe.clone(), oe.clone(), oe.clone()));
        assert_eq!(p.scales_uv.unwrap().kind(), "structure.oebin");
    }

    // A session: its first file's.
    let a = write_fixture(d, "a.bin", Dtype::I16, 4, 5, DataOrder::Samples);
    let b = write_fixture(d, "b.bin", Dtype::I16, 4, 5, DataOrder::Samples);
    for f in ["a", "b"] {
        std::fs::write(d.join(format!("{f}.yaml")), "dtype: int16\nn_channels: 4\ndata_order: samples\n").unwrap();
    }
    let p = Reader::open_session(&[a, b], &OpenOptions::default()).unwrap().provenance().clone();
    assert_eq!((p.dtype, p.sampling_rate), (Source::Sidecar(d.join("a.yaml")), None));
}

#[test]
fn batches_large_enough_to_be_advised_read_the_same_with_read_ahead_seeks_and_workers() {
    // Batches of at least 16 MiB are advised to the system before they are
    // read (and the next one after): hints must never change a byte, in
    // either file order, for a channel subset, across seeks, or when the
    // workers of a parallel apply read them.
    let dir = tempfile::tempdir().unwrap();
    let (n_ch, n_obs) = (385, 45_000u64); // 34.6 MB: 17 MB batches give 3 (2 for 300 channels)
    for order in ORDERS {
        let path = write_fixture(dir.path(), &format!("advised-{order}.bin"), Dtype::I16, n_ch, n_obs, order);
        let r = Arc::new(open(&path, Dtype::I16, n_ch, order, Loader::Pread));
        r.will_need(n_obs - 10, n_obs + 1000, &[0, n_ch - 1]); // beyond the end: clamped, harmless
        for channels in [ChannelSel::All, ChannelSel::List((0..300).rev().collect())] {
            let cols = channels.resolve(n_ch).unwrap();
            let max_memory = 17_000_000;
            for read_ahead in [Some(true), Some(false)] {
                let opts = BatchOptions { max_memory, channels: channels.clone(), buffer: 3, read_ahead, ..Default::default() };
                let mut c = Cursor::new(r.clone(), &opts).unwrap();
                let last = c.plan().n_batches - 1;
                assert!(last >= 1);
                for start in [last, 0] {
                    c.seek(start).unwrap();
                    while let Some(b) = c.next_batch().unwrap() {
                        let rows = b.info.n_rows;
                        check_block(Dtype::I16, n_ch, n_obs, b.data, Layout::SampleMajor, rows, &cols, b.info.start, 3);
                    }
                }
            }
            let opts = BatchOptions { max_memory, channels: channels.clone(), ..Default::default() };
            let one = apply::apply(&r, &opts, &apply::ApplyOptions::default(), None, None, None).unwrap();
            let two = apply::apply(&r, &opts, &apply::ApplyOptions { n_threads: 2, ..Default::default() }, None, None, None).unwrap();
            assert_eq!(one.results, two.results);
        }
    }
}

/// A samples-order recording under the target directory, written to disk
/// so that it can be dropped from the page cache: a temporary directory may
/// be tmpfs, whose pages are always cached, so nothing there is ever read
/// uncached.
fn cold_fixture(name: &str, n_ch: usize, n_obs: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    // Only Linux reads past the cache; a cross-built test under Wine would
    // get the build machine's path here.
    let dir = if cfg!(target_os = "linux") { tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")) } else { tempfile::tempdir() }.unwrap();
    let path = write_fixture(dir.path(), name, Dtype::I16, n_ch, n_obs, DataOrder::Samples);
    // Dirty pages cannot be dropped. Windows flushes only a handle open for writing.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().sync_all().unwrap();
    (dir, path)
}

fn evict(path: &std::path::Path) {
    if cfg!(target_os = "linux") {
        neurobatch_core::platform::evict_from_page_cache(path).unwrap();
    }
}

/// Whether this system and file system read `path` past the page cache once
/// it is evicted; when not (macOS, Windows, tmpfs, a file system without
/// O_DIRECT) says why on stderr, and the tests check only the bytes.
fn reads_uncached_here(path: &std::path::Path) -> bool {
    use neurobatch_core::platform;
    evict(path);
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let why = match (platform::is_cached(&file, 0, len), platform::open_uncached(&file)) {
        (Some(false), Ok(_)) => return true,
        (None, _) => "this system cannot tell whether a range is cached".to_string(),
        (Some(true), _) => "the evicted file is still cached (a file system that always caches, e.g. tmpfs)".to_string(),
        (_, Err(e)) => format!("the file system refuses uncached reads: {e}"),
    };
    eprintln!("NOTE: uncached reads not exercised for {}: {why}; only the bytes are checked", path.display());
    false
}

#[test]
fn cold_batches_of_whole_rows_are_read_past_the_page_cache_and_read_the_same() {
    // A batch of at least 16 MiB of every channel in file order, found not
    // in the page cache, is read uncached (Linux O_DIRECT): whole 4 KiB
    // blocks around its rows land in the buffer. The batch must still be
    // exactly its rows: at every in-page offset, with buffer rows, at the
    // file's end (not a whole block), through the read-ahead thread and
    // through 2 and 4 workers.
    let n_ch = 385;
    let n_obs = 2 * 22_077 + 21_900; // 17 MB batches: 3, the last one 16.9 MB
    let (_dir, path) = cold_fixture("cold.bin", n_ch, n_obs);
    assert_ne!(std::fs::metadata(&path).unwrap().len() % 4096, 0);
    let uncached = reads_uncached_here(&path);
    let r = Arc::new(open(&path, Dtype::I16, n_ch, DataOrder::Samples, Loader::Pread));
    let cols: Vec<usize> = (0..n_ch).collect();
    for read_ahead in [Some(true), Some(false)] {
        for buffer in [0, 3] {
            evict(&path);
            let before = r.bytes_uncached();
            let opts = BatchOptions { max_memory: 17_000_000, buffer, read_ahead, ..Default::default() };
            let mut c = Cursor::new(r.clone(), &opts).unwrap();
            assert_eq!(c.plan().n_batches, 3);
            while let Some(b) = c.next_batch().unwrap() {
                check_block(Dtype::I16, n_ch, n_obs, b.data, Layout::SampleMajor, b.info.n_rows, &cols, b.info.start, buffer);
            }
            if uncached {
                // With buffer rows, the first and last batch reach past the
                // recording's edges and are read through the cache.
                let expected = if buffer == 0 { n_obs } else { 22_077 + 6 };
                assert_eq!(r.bytes_uncached() - before, expected * n_ch as u64 * 2, "read_ahead {read_ahead:?}, buffer {buffer}");
            }
        }
    }
    let opts = BatchOptions { max_memory: 17_000_000, ..Default::default() };
    let warm = apply::apply(&r, &opts, &apply::ApplyOptions::default(), None, None, None).unwrap();
    for n_threads in [2, 4] {
        evict(&path);
        let before = r.bytes_uncached();
        let cold = apply::apply(&r, &opts, &apply::ApplyOptions { n_threads, ..Default::default() }, None, None, None).unwrap();
        assert_eq!(warm.results, cold.results, "{n_threads} threads");
        if uncached {
            assert_eq!(r.bytes_uncached() - before, n_obs * n_ch as u64 * 2, "{n_threads} threads");
        }
    }
}

#[test]
fn a_cold_batch_cut_short_by_another_process_is_input_changed_not_stale_bytes() {
    // The uncached read stops where the file now ends; the rest of the
    // batch is not silently left as it was in the buffer.
    let n_ch = 385;
    let n_obs = 3 * 22_077;
    let (_dir, path) = cold_fixture("cut.bin", n_ch, n_obs);
    let r = Arc::new(open(&path, Dtype::I16, n_ch, DataOrder::Samples, Loader::Pread));
    let opts = BatchOptions { max_memory: 17_000_000, read_ahead: Some(false), ..Default::default() };
    let mut c = Cursor::new(r.clone(), &opts).unwrap();
    c.next_batch().unwrap().unwrap(); // the buffer now holds batch 0

    // Cut inside batch 1, off a block boundary.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(((22_077 + 10_000) * n_ch * 2 + 123) as u64).unwrap();
    evict(&path);
    match c.next_batch() {
        Err(Error::InputChanged { row, .. }) => assert_eq!(row, 22_077),
        other => panic!("expected InputChanged, got {:?}", other.map(|b| b.map(|b| b.info.index))),
    }
}

// Adversarial cases for cold reads past the page cache. Batches of 385
// int16 channels at max_memory 17 MB: 22_077 rows, 17 MB, past the 16 MiB
// from which a cold range is read uncached.

use neurobatch_core::result::ResultBlock;

const COLD_CH: usize = 385;
const COLD_ROWS: u64 = 22_077;
const COLD_MEM: u64 = 17_000_000;
const ROW_BYTES: u64 = COLD_CH as u64 * 2;

/// Runs `f` on a thread of its own and fails when it takes longer than
/// `secs` (a hang in the turns of cold reads would hang the test run).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("no answer after {secs} s: hung"),
        Err(e) => panic!("the test thread panicked: {e}"),
    }
}

/// The fixture's rows `[a, b)` of `COLD_CH` int16 channels, as in the file.
fn fixture_rows(a: u64, b: u64) -> Vec<u8> {
    (a..b).flat_map(|s| (0..COLD_CH).flat_map(move |c| encode(Dtype::I16, value(Dtype::I16, COLD_CH, s, c)))).collect()
}

fn cold_reader(path: &std::path::Path) -> Arc<Reader> {
    Arc::new(open(path, Dtype::I16, COLD_CH, DataOrder::Samples, Loader::Pread))
}

/// A cold fixture of COLD_CH channels (kept while `_dir` lives), whether
/// this system reads it uncached, and a reader of it.
struct Cold {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    uncached: bool,
    r: Arc<Reader>,
}

fn cold_recording(name: &str, n_obs: u64) -> Cold {
    let (dir, path) = cold_fixture(name, COLD_CH, n_obs);
    let uncached = reads_uncached_here(&path);
    let r = cold_reader(&path);
    Cold { _dir: dir, path, uncached, r }
}

fn copy_block(b: &Batch<'_>) -> apply::CallOutput {
    let rows = b.info.n_rows;
    let block = ResultBlock::from_bytes(b.dtype, rows, b.data.len() / rows / b.dtype.itemsize(), b.layout, b.data).unwrap();
    apply::CallOutput { code: 0, result: Some(block) }
}

#[test]
fn cold_session_batches_inside_one_file_are_read_uncached_and_one_across_files_through_the_cache() {
    // Two files of 33_000 rows: batch 0 in the first, batch 1 across the
    // boundary, batch 2 in the second from an offset off a page boundary.
    let n1 = 33_000;
    let (_d1, p1) = cold_fixture("s1.bin", COLD_CH, n1);
    let (_d2, p2) = cold_fixture("s2.bin", COLD_CH, n1);
    let uncached = reads_uncached_here(&p1) && reads_uncached_here(&p2);
    assert_ne!((COLD_ROWS * 2 - n1) * ROW_BYTES % 4096, 0);
    let opts = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(COLD_CH), data_order: Some(DataOrder::Samples), ..Default::default() };
    let r = Arc::new(Reader::open_session(&[p1.clone(), p2.clone()], &opts).unwrap());
    let local = |g: u64| if g < n1 { g } else { g - n1 };
    let check = |b: &Batch<'_>| {
        for (k, row) in b.data.chunks(ROW_BYTES as usize).enumerate() {
            assert_eq!(row, &fixture_rows(local(b.info.start + k as u64), local(b.info.start + k as u64) + 1)[..], "batch {} row {k}", b.info.index);
        }
    };
    for read_ahead in [Some(false), Some(true)] {
        evict(&p1);
        evict(&p2);
        let before = r.bytes_uncached();
        let mut c = Cursor::new(r.clone(), &BatchOptions { max_memory: COLD_MEM, read_ahead, ..Default::default() }).unwrap();
        assert_eq!(c.plan().n_batches, 3);
        while let Some(b) = c.next_batch().unwrap() {
            check(&b);
        }
        if uncached {
            assert_eq!(r.bytes_uncached() - before, (COLD_ROWS + (2 * n1 - 2 * COLD_ROWS)) * ROW_BYTES, "read_ahead {read_ahead:?}");
        }
    }
    let opts = BatchOptions { max_memory: COLD_MEM, ..Default::default() };
    let f = |b: &Batch<'_>, _: Option<&ResultBlock>| Ok(copy_block(b));
    let warm = apply::apply(&r, &opts, &apply::ApplyOptions::default(), Some(&f), None, None).unwrap();
    for n_threads in [2, 3] {
        evict(&p1);
        evict(&p2);
        let before = r.bytes_uncached();
        let cold = apply::apply(&r, &opts, &apply::ApplyOptions { n_threads, ..Default::default() }, Some(&f), None, None).unwrap();
        assert!(warm.results == cold.results, "{n_threads} threads");
        if uncached {
            assert_eq!(r.bytes_uncached() - before, (COLD_ROWS + (2 * n1 - 2 * COLD_ROWS)) * ROW_BYTES, "{n_threads} threads");
        }
    }
}

#[test]
fn cold_batches_of_a_time_range_off_page_boundaries_with_buffer_rows_and_edges_read_the_same() {
    let n_obs = 3 * COLD_ROWS + 1000;
    let Cold { _dir, path, uncached, r } = cold_recording("range.bin", n_obs);
    let cols: Vec<usize> = (0..COLD_CH).collect();
    // Starts off a page and off a row's page offset; the buffer reaches
    // past `to` inside the file (read), and past its end (edge rows).
    for (from, to, buffer, edge) in [(1001, n_obs - 7, 5, Edge::Reflect), (3, n_obs, 11, Edge::Replicate), (777, 2 * COLD_ROWS + 777, 0, Edge::Zeros)] {
        evict(&path);
        let before = r.bytes_uncached();
        let opts = BatchOptions { max_memory: COLD_MEM, from: Some(from), to: Some(to), buffer, edge, read_ahead: Some(true), ..Default::default() };
        let mut c = Cursor::new(r.clone(), &opts).unwrap();
        let mut inside = 0;
        while let Some(b) = c.next_batch().unwrap() {
            check_block_edge(Dtype::I16, COLD_CH, n_obs, b.data, Layout::SampleMajor, b.info.n_rows, &cols, b.info.start, buffer, edge);
            let (lo, hi) = (b.info.start as i64 - buffer as i64, b.info.start + b.info.n_rows as u64 - buffer);
            if lo >= 0 && hi <= n_obs && b.data.len() >= 16 << 20 {
                inside += b.data.len() as u64;
            }
        }
        if uncached {
            assert!(inside > 0);
            assert_eq!(r.bytes_uncached() - before, inside, "from {from} to {to} buffer {buffer}");
        }
    }
}

#[test]
fn cold_microvolts_are_the_warm_microvolts() {
    // SpikeGLX NI-DAQ (from its .meta documentation): 384 MN channels at
    // gain 200 and one digital word.
    let (dir, _) = cold_fixture("unused.bin", 1, 1);
    let bin = write_fixture(dir.path(), "run_g0_t0.nidq.bin", Dtype::I16, COLD_CH, 2 * COLD_ROWS + 500, DataOrder::Samples);
    std::fs::OpenOptions::new().write(true).open(&bin).unwrap().sync_all().unwrap();
    std::fs::write(
        dir.path().join("run_g0_t0.nidq.meta"),
        "acqMnMaXaDw=384,0,0,1\nnSavedChans=385\nniAiRangeMax=5\nniMNGain=200\nniMaxInt=32768\nniSampRate=25000\nsnsMnMaXaDw=384,0,0,1\nsnsSaveChanSubset=all\ntypeThis=nidq\n",
    )
    .unwrap();
    let uncached = reads_uncached_here(&bin);
    let r = Arc::new(Reader::open(&bin, &OpenOptions::default()).unwrap());
    assert_eq!(r.n_channels(), COLD_CH);
    let opts = BatchOptions { max_memory: COLD_MEM, microvolts: true, ..Default::default() };
    let f = |b: &Batch<'_>, _: Option<&ResultBlock>| Ok(copy_block(b));
    std::fs::read(&bin).unwrap(); // warm
    let before = r.bytes_uncached();
    let warm = apply::apply(&r, &opts, &apply::ApplyOptions::default(), Some(&f), None, None).unwrap();
    assert_eq!(r.bytes_uncached(), before, "a warm file is read through the cache");
    assert_eq!(warm.results[0].dtype, Dtype::F32);
    for n_threads in [1, 2] {
        evict(&bin);
        let before = r.bytes_uncached();
        let cold = apply::apply(&r, &opts, &apply::ApplyOptions { n_threads, ..Default::default() }, Some(&f), None, None).unwrap();
        assert!(warm.results == cold.results, "{n_threads} threads");
        if uncached {
            assert_eq!(r.bytes_uncached() - before, 2 * COLD_ROWS * ROW_BYTES, "{n_threads} threads");
        }
    }
}

#[test]
fn a_cold_parallel_apply_whose_callback_fails_panics_or_is_cancelled_returns_and_never_hangs() {
    let n_obs = 6 * COLD_ROWS;
    let Cold { _dir, path, r, .. } = cold_recording("fail.bin", n_obs);
    for n_threads in [3, 4] {
        for (bad, how) in [(1u64, "error"), (2, "panic"), (0, "error"), (3, "cancel")] {
            evict(&path);
            let (r, path) = (r.clone(), path.clone());
            let out = within(120, move || {
                let f = move |b: &Batch<'_>, _: Option<&ResultBlock>| {
                    if b.info.index == bad {
                        match how {
                            "error" => return Err(Error::InvalidArgument(format!("batch {bad} fails"))),
                            "panic" => panic!("batch {bad} panics"),
                            _ => {}
                        }
                    }
                    Ok(copy_block(b))
                };
                let mut progress = move |done: u64, _total: u64| how == "cancel" && done >= bad;
                let opts = BatchOptions { max_memory: COLD_MEM, ..Default::default() };
                let res = apply::apply(&r, &opts, &apply::ApplyOptions { n_threads, ..Default::default() }, Some(&f), None, Some(&mut progress));
                drop(path);
                res.map(|o| o.results.len())
            });
            match (how, out) {
                ("error", Err(Error::InvalidArgument(m))) => assert!(m.contains("fails"), "{m}"),
                ("panic", Err(Error::Panic(m))) => assert!(m.contains("panics"), "{m}"),
                ("cancel", Err(Error::Cancelled { done, .. })) => assert_eq!(done, bad),
                (how, other) => panic!("{how} at batch {bad}, {n_threads} threads: got {other:?}"),
            }
        }
    }
}

#[test]
fn a_file_truncated_during_a_cold_parallel_apply_is_input_changed_or_read_whole() {
    let n_obs = 5 * COLD_ROWS;
    let cut = (3 * COLD_ROWS + 5_000) * ROW_BYTES + 123;
    for delay_ms in [None, Some(0), Some(150), Some(400)] {
        let Cold { _dir, path, r, .. } = cold_recording("trunc.bin", n_obs);
        let truncate = {
            let path = path.clone();
            move || std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(cut).unwrap()
        };
        let cutter = delay_ms.map(|ms| {
            let truncate = truncate.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                truncate()
            })
        });
        let out = within(120, move || {
            let f = move |b: &Batch<'_>, _: Option<&ResultBlock>| {
                if delay_ms.is_none() && b.info.index == 0 {
                    truncate(); // while workers read batches 1.. cold
                }
                let cols: Vec<usize> = (0..COLD_CH).collect();
                check_block(Dtype::I16, COLD_CH, n_obs, b.data, Layout::SampleMajor, b.info.n_rows, &cols, b.info.start, 0);
                Ok(apply::CallOutput::default())
            };
            let opts = BatchOptions { max_memory: COLD_MEM, ..Default::default() };
            apply::apply(&r, &opts, &apply::ApplyOptions { n_threads: 3, ..Default::default() }, Some(&f), None, None).map(|_| ())
        });
        if let Some(c) = cutter {
            c.join().unwrap();
        }
        match out {
            Ok(()) => assert!(delay_ms.is_some(), "batch 3 is cut, yet the apply succeeded"),
            Err(Error::InputChanged { .. }) => {}
            Err(e) => panic!("delay {delay_ms:?}: {e:?}"),
        }
    }
}

#[test]
fn a_followed_file_growing_while_read_cold_reads_every_row_once() {
    let (dir, path) = cold_fixture("grow.bin", COLD_CH, COLD_ROWS + 10);
    let uncached = reads_uncached_here(&path);
    let total = 3 * COLD_ROWS + 1234;
    let opts = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(COLD_CH), data_order: Some(DataOrder::Samples), follow: true, ..Default::default() };
    let r = Arc::new(Reader::open(&path, &opts).unwrap());
    let writer = {
        let (path, r) = (path.clone(), r.clone());
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
            let stream = fixture_rows(COLD_ROWS + 10, total);
            let mut written = 0;
            while written < stream.len() {
                // Appends of 7_001 rows and 333 bytes: each leaves a partial row.
                let next = (written + 7_001 * ROW_BYTES as usize + 333).min(stream.len());
                f.write_all(&stream[written..next]).unwrap();
                f.sync_all().unwrap();
                evict(&path);
                written = next;
                std::thread::sleep(std::time::Duration::from_millis(60));
            }
            // The writer says when it is done, so a slow machine (Wine) does
            // not end the follow on its idle timeout first.
            r.end_follow();
        })
    };
    // A safety net only: the writer ends the follow.
    let bopts = BatchOptions { max_memory: COLD_MEM, follow: true, follow_idle: Some(std::time::Duration::from_secs(60)), ..Default::default() };
    let r2 = r.clone();
    let seen = within(120, move || {
        let mut c = Cursor::new(r2, &bopts).unwrap();
        let cols: Vec<usize> = (0..COLD_CH).collect();
        let mut next = 0;
        while let Some(b) = c.next_batch().unwrap() {
            assert_eq!(b.info.start, next);
            check_block(Dtype::I16, COLD_CH, total, b.data, Layout::SampleMajor, b.info.n_rows, &cols, b.info.start, 0);
            next += b.info.n_rows as u64;
        }
        next
    });
    writer.join().unwrap();
    assert_eq!(seen, total);
    if uncached {
        assert!(r.bytes_uncached() >= COLD_ROWS * ROW_BYTES, "the batch on disk before the cursor started is read uncached");
    }
    drop(dir);
}

#[test]
fn two_threads_reading_one_reader_cold_at_once_read_the_same() {
    let n_obs = 4 * COLD_ROWS + 99;
    let Cold { _dir, path, uncached, r } = cold_recording("shared.bin", n_obs);
    for _ in 0..2 {
        evict(&path);
        let before = r.bytes_uncached();
        std::thread::scope(|s| {
            for (read_ahead, buffer) in [(Some(true), 0), (Some(false), 3)] {
                let r = r.clone();
                s.spawn(move || {
                    let cols: Vec<usize> = (0..COLD_CH).collect();
                    let mut c = Cursor::new(r, &BatchOptions { max_memory: COLD_MEM, read_ahead, buffer, ..Default::default() }).unwrap();
                    let mut n = 0;
                    while let Some(b) = c.next_batch().unwrap() {
                        check_block(Dtype::I16, COLD_CH, n_obs, b.data, Layout::SampleMajor, b.info.n_rows, &cols, b.info.start, buffer);
                        n += 1;
                    }
                    assert_eq!(n, 5);
                });
            }
        });
        if uncached {
            assert!(r.bytes_uncached() > before);
        }
    }
}
