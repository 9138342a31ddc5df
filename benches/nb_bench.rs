//! One benchmark case per run, for benches/run.py: warms up once, then
//! times `--reps` repetitions and prints one JSON line
//! `{"case": ..., "seconds": [...], "bytes": ..., ...}`. Peak memory is
//! measured by the driver (wait4), so every case runs in its own process.
//!
//!   nb_bench pread_floor FILE [CHUNK]
//!   nb_bench write_floor BYTES OUTPUT
//!   nb_bench memcpy_floor BYTES [CHUNK]
//!   nb_bench multi FILE ORDER MAX_MEMORY CHANNELS(all|0,1,2) LAYOUT(sample|channel)
//!   nb_bench single_sweep FILE MAX_MEMORY
//!   nb_bench apply_f32 FILE MAX_MEMORY OUTPUT
//!   nb_bench threads FILE MAX_MEMORY N_THREADS WORK
//!   nb_bench tiny FILE ROWS

use std::ffi::CString;
use std::fs::File;
use std::ptr::{null, null_mut};
use std::sync::Arc;
use std::time::Instant;

use neurobatch::ffi::*;
use neurobatch_core::apply::{apply, ApplyOptions, CallOutput, Mode};
use neurobatch_core::result::ResultBlock;
use neurobatch_core::*;

const N_CH: usize = 385;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("argument {i} ({what}) missing or invalid"))
}

fn open(path: &str, order: DataOrder) -> Arc<Reader> {
    Arc::new(Reader::open(path, &OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(N_CH), data_order: Some(order), ..Default::default() }).unwrap())
}

fn order_of(s: &str) -> DataOrder {
    DataOrder::parse(s).unwrap()
}

/// Runs `f` once to warm up, then `reps` times, timing each.
fn timed(reps: usize, mut f: impl FnMut()) -> Vec<f64> {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut reps = 5;
    if let Some(i) = args.iter().position(|a| a == "--reps") {
        reps = args[i + 1].parse().unwrap();
        args.drain(i..i + 2);
    }
    let case = args[0].clone();
    let mut extra = String::new();
    let (seconds, bytes): (Vec<f64>, u64) = match case.as_str() {
        "pread_floor" => {
            // The whole file into a reused page-aligned buffer, CHUNK bytes
            // (default 300 MB) at a time, each read placed at in-buffer
            // offset = file offset mod 4096.
            let file = File::open(&args[1]).unwrap();
            let size = file.metadata().unwrap().len();
            let chunk: usize = args.get(2).map_or(300 << 20, |c| c.parse().unwrap());
            let mut buf = memmap2::MmapMut::map_anon(chunk + 4096).unwrap();
            neurobatch_core::platform::advise_huge_pages(&buf);
            let mut reads = 0u64;
            let s = timed(reps, || {
                let mut off = 0u64;
                reads = 0;
                while off < size {
                    reads += 1;
                    let n = chunk.min((size - off) as usize);
                    let skew = (off % 4096) as usize;
                    neurobatch_core::platform::read_exact_at(&file, &mut buf[skew..skew + n], off).unwrap();
                    off += n as u64;
                }
            });
            extra = format!(", \"reads\": {reads}");
            (s, size)
        }
        "write_floor" => {
            // BYTES from a page-aligned buffer into a new file OUTPUT, 1 MiB per
            // write, as a float32 copy of a recording would be written.
            let total: u64 = arg(&args, 1, "bytes");
            let out = args[2].clone();
            let mut buf = memmap2::MmapMut::map_anon(1 << 20).unwrap();
            buf.fill(7);
            let s = timed(reps, || {
                let _ = std::fs::remove_file(&out);
                let mut f = File::create(&out).unwrap();
                let mut done = 0u64;
                while done < total {
                    let n = (1u64 << 20).min(total - done) as usize;
                    std::io::Write::write_all(&mut f, &buf[..n]).unwrap();
                    done += n as u64;
                }
            });
            let _ = std::fs::remove_file(&out);
            (s, total)
        }
        "memcpy_floor" => {
            let total: u64 = arg(&args, 1, "bytes");
            let chunk: usize = args.get(2).map_or(300 << 20, |c| c.parse().unwrap());
            let mut a = memmap2::MmapMut::map_anon(chunk).unwrap();
            let mut b = memmap2::MmapMut::map_anon(chunk).unwrap();
            neurobatch_core::platform::advise_huge_pages(&a);
            neurobatch_core::platform::advise_huge_pages(&b);
            a.fill(1);
            b.fill(2);
            let s = timed(reps, || {
                let mut done = 0u64;
                while done < total {
                    let n = chunk.min((total - done) as usize);
                    b[..n].copy_from_slice(&a[..n]);
                    done += n as u64;
                }
                std::hint::black_box(&b);
            });
            (s, total)
        }
        "multi" => {
            let r = open(&args[1], order_of(&args[2]));
            let max_memory = parse_max_memory(&args[3]).unwrap();
            let channels = if args[4] == "all" { ChannelSel::All } else { ChannelSel::List(args[4].split(',').map(|c| c.parse().unwrap()).collect()) };
            let layout = if args[5] == "channel" { Layout::ChannelMajor } else { Layout::SampleMajor };
            let opts = BatchOptions { max_memory, channels, layout, ..Default::default() };
            let mut cursor = Cursor::new(r.clone(), &opts).unwrap();
            let mut checksum = 0u64;
            let s = timed(reps, || {
                cursor.seek(0).unwrap();
                while let Some(b) = cursor.next_batch().unwrap() {
                    checksum = checksum.wrapping_add(b.data[b.data.len() / 2] as u64);
                }
            });
            extra = format!(", \"checksum\": {checksum}");
            (s, r.file_size())
        }
        "single_sweep" => {
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let opts = BatchOptions { max_memory, traversal: Traversal::SingleChannel { force_complete: true }, ..Default::default() };
            let mut n = 0;
            // A new cursor every time: a cursor keeps the channels it last read,
            // which would make a second sweep with a large budget read nothing.
            let s = timed(reps, || {
                let mut cursor = Cursor::new(r.clone(), &opts).unwrap();
                n = 0;
                while let Some(b) = cursor.next_batch().unwrap() {
                    std::hint::black_box(b.data[0]);
                    n += 1;
                }
            });
            extra = format!(", \"batches\": {n}");
            (s, r.file_size())
        }
        "apply_f32" => {
            // Cast every batch to float32 and write it to OUTPUT (with its sidecar).
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let out = std::path::PathBuf::from(&args[3]);
            let batch = BatchOptions { max_memory, ..Default::default() };
            let opts = ApplyOptions { mode: Mode::Disk { path: out, if_exists: Default::default() }, cast: Some(Dtype::F32), ..Default::default() };
            let f = |b: &Batch<'_>, _: Option<&ResultBlock>| {
                Ok(CallOutput { code: 0, result: Some(ResultBlock::from_bytes(b.dtype, b.info.n_rows, b.channels.len(), b.layout, b.data)?) })
            };
            let s = timed(reps, || {
                apply(&r, &batch, &opts, &f, None, None).unwrap();
            });
            (s, r.file_size())
        }
        "threads" => {
            // A compute-bound callback: `work` passes of arithmetic over every value.
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let n_threads: usize = arg(&args, 3, "n_threads");
            let work: usize = arg(&args, 4, "work");
            let batch = BatchOptions { max_memory, ..Default::default() };
            let opts = ApplyOptions { n_threads, ..Default::default() };
            let f = |b: &Batch<'_>, _: Option<&ResultBlock>| {
                let v: &[i16] = bytemuck::cast_slice(b.data);
                let mut acc = 0.0f64;
                for k in 0..work {
                    for (i, &x) in v.iter().enumerate().step_by(4) {
                        acc += (x as f64 * (k + 1) as f64).sqrt().abs() * (i & 7) as f64;
                    }
                }
                Ok(CallOutput { code: 0, result: Some(ResultBlock::from_bytes(Dtype::F64, 1, 1, Layout::SampleMajor, &acc.to_le_bytes())?) })
            };
            let s = timed(reps, || {
                apply(&r, &batch, &opts, &f, None, None).unwrap();
            });
            (s, r.file_size())
        }
        "tiny" => {
            // Through the C ABI, as a C user would: batches of ROWS x 385 int16.
            let rows: u64 = arg(&args, 2, "rows");
            let path = CString::new(args[1].clone()).unwrap();
            let mut reader = null_mut();
            unsafe {
                let mut o = std::mem::MaybeUninit::<nb_open_options>::uninit();
                nb_open_options_init(o.as_mut_ptr(), NB_OPEN_OPTIONS_VERSION);
                let mut o = o.assume_init();
                o.dtype = neurobatch::ffi::NB_DTYPE_INT16;
                o.n_channels = N_CH;
                o.data_order = neurobatch::ffi::NB_DATA_ORDER_SAMPLES;
                assert_eq!(nb_reader_open(path.as_ptr(), &o, &mut reader), NB_STATUS_OK);
            }
            let size = unsafe { nb_reader_n_observations(reader) } * (N_CH as u64) * 2;
            let mut bo = std::mem::MaybeUninit::<nb_batch_options>::uninit();
            let bo = unsafe {
                nb_batch_options_init(bo.as_mut_ptr(), NB_BATCH_OPTIONS_VERSION);
                let mut bo = bo.assume_init();
                bo.max_memory = rows * N_CH as u64 * 2;
                bo
            };
            let mut cursor = null_mut();
            assert_eq!(unsafe { nb_cursor_new(reader, &bo, &mut cursor) }, NB_STATUS_OK);
            let mut n_batches = 0u64;
            let s = timed(reps, || unsafe {
                nb_cursor_seek(cursor, 0);
                let mut b = null();
                n_batches = 0;
                while nb_cursor_next(cursor, &mut b) == NB_STATUS_OK {
                    n_batches += 1;
                }
            });
            unsafe {
                nb_cursor_free(cursor);
                nb_reader_free(reader);
            }
            extra = format!(", \"batches\": {n_batches}");
            (s, size)
        }
        other => panic!("unknown case {other}"),
    };
    let list: Vec<String> = seconds.iter().map(|s| format!("{s:.6}")).collect();
    println!("{{\"case\": \"{case}\", \"seconds\": [{}], \"bytes\": {bytes}, \"peak_rss_kib\": {}{extra}}}", list.join(", "), peak_rss_kib());
}

/// VmHWM: this process's peak resident memory. (getrusage would also count
/// the memory of the forked driver before exec.)
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}
