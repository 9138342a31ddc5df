//! One benchmark case per run, for benches/run.py: times `--reps`
//! repetitions (default 1: a fresh process runs the case once, as a user's
//! program would; `--warmup` adds an untimed run first) and prints one JSON
//! line `{"case": ..., "seconds": [...], "bytes": ..., ...}` with the
//! process's peak resident memory (VmHWM) and peak anonymous memory
//! (RssAnon, sampled every 2 ms: file-backed mapped pages are page cache,
//! not the library's memory). `--cold FILE` drops FILE's pages from the
//! page cache before each repetition (platform::evict_from_page_cache).
//!
//!   nb_bench evict FILE
//!   nb_bench settle BYTES
//!   nb_bench pread_floor FILE [CHUNK]
//!   nb_bench write_floor BYTES OUTPUT
//!   nb_bench memcpy_floor BYTES [CHUNK]
//!   nb_bench multi FILE ORDER MAX_MEMORY CHANNELS(all|0,1,2) LAYOUT(sample|channel) [READ_AHEAD(on|off)]
//!   nb_bench single_sweep FILE MAX_MEMORY
//!   nb_bench apply_f32 FILE MAX_MEMORY OUTPUT
//!   nb_bench convert FILE MAX_MEMORY OUTPUT
//!   nb_bench compute FILE MAX_MEMORY N_THREADS WORK [READ_AHEAD(on|off)]
//!   nb_bench compute_control FILE MAX_MEMORY N_THREADS WORK
//!   nb_bench tiny FILE ROWS

use std::ffi::CString;
use std::fs::File;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// How repetitions run: how many, whether an untimed one comes first, and
/// which file is evicted from the page cache before each.
struct Reps {
    n: usize,
    warmup: bool,
    cold: Option<String>,
}

fn evict(path: &str) {
    neurobatch_core::platform::evict_from_page_cache(std::path::Path::new(path)).unwrap_or_else(|e| panic!("evicting {path} from the page cache: {e}"));
}

/// Runs `f` `reps.n` times (after an untimed run with `warmup`), timing each.
fn timed(reps: &Reps, mut f: impl FnMut()) -> Vec<f64> {
    if reps.warmup {
        f();
    }
    (0..reps.n)
        .map(|_| {
            if let Some(p) = &reps.cold {
                evict(p);
            }
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect()
}

/// The largest RssAnon seen by a thread sampling /proc/self/status.
static PEAK_ANON_KIB: AtomicU64 = AtomicU64::new(0);

fn sample_anon_memory() {
    std::thread::spawn(|| loop {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(kib) = status.lines().find_map(|l| l.strip_prefix("RssAnon:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()) {
            PEAK_ANON_KIB.fetch_max(kib, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(2));
    });
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut reps = Reps { n: 1, warmup: false, cold: None };
    if let Some(i) = args.iter().position(|a| a == "--reps") {
        reps.n = args[i + 1].parse().unwrap();
        args.drain(i..i + 2);
    }
    if let Some(i) = args.iter().position(|a| a == "--warmup") {
        reps.warmup = true;
        args.remove(i);
    }
    if let Some(i) = args.iter().position(|a| a == "--cold") {
        reps.cold = Some(args[i + 1].clone());
        args.drain(i..i + 2);
    }
    let reps = &reps;
    sample_anon_memory();
    let case = args[0].clone();
    let mut extra = String::new();
    let (seconds, bytes): (Vec<f64>, u64) = match case.as_str() {
        "evict" => {
            evict(&args[1]);
            (vec![0.0], 0)
        }
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
        "settle" => {
            // Takes BYTES of fresh memory in huge pages, touches and frees it:
            // the next process then finds that much memory the host backs,
            // in free 2 MiB blocks. Run before every case (benches/run.py).
            let bytes: usize = arg(&args, 1, "bytes");
            let mut m = memmap2::MmapMut::map_anon(bytes).unwrap();
            neurobatch_core::platform::advise_huge_pages(&m);
            let t = Instant::now();
            m.iter_mut().step_by(4096).for_each(|b| *b = 1);
            (vec![t.elapsed().as_secs_f64()], bytes as u64)
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
            let read_ahead = args.get(6).map(|a| a == "on");
            let opts = BatchOptions { max_memory, channels, layout, read_ahead, ..Default::default() };
            let mut cursor = Cursor::new(r.clone(), &opts).unwrap();
            let mut checksum = 0u64;
            let s = timed(reps, || {
                cursor.seek(0).unwrap();
                while let Some(b) = cursor.next_batch().unwrap() {
                    checksum = checksum.wrapping_add(b.data[b.data.len() / 2] as u64);
                }
            });
            extra = format!(", \"checksum\": {checksum}, \"uncached_bytes\": {}", r.bytes_uncached());
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
                apply(&r, &batch, &opts, Some(&f), None, None).unwrap();
            });
            (s, r.file_size())
        }
        "convert" => {
            // No function: every batch itself, cast to float32, written to OUTPUT.
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let out = std::path::PathBuf::from(&args[3]);
            let batch = BatchOptions { max_memory, ..Default::default() };
            let opts = ApplyOptions { mode: Mode::Disk { path: out.clone(), if_exists: Default::default() }, cast: Some(Dtype::F32), ..Default::default() };
            let s = timed(reps, || {
                apply(&r, &batch, &opts, None, None, None).unwrap();
            });
            let _ = std::fs::remove_file(&out);
            let _ = std::fs::remove_file(out.with_extension("yaml"));
            (s, r.file_size())
        }
        "compute" => {
            // A compute-bound callback: `work` passes of arithmetic over every
            // value. Reports the time spent inside the callbacks (the compute
            // alone) and the plan, from which the driver computes what the
            // workers could at best gain.
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let n_threads: usize = arg(&args, 3, "n_threads");
            let work: usize = arg(&args, 4, "work");
            let read_ahead = args.get(5).map(|a| a == "on");
            let batch = BatchOptions { max_memory, read_ahead, ..Default::default() };
            let opts = ApplyOptions { n_threads, ..Default::default() };
            let inside_ns = AtomicU64::new(0);
            let f = |b: &Batch<'_>, _: Option<&ResultBlock>| {
                let t = Instant::now();
                let acc = compute_on(b.data, work);
                inside_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                Ok(CallOutput { code: 0, result: Some(ResultBlock::from_bytes(Dtype::F64, 1, 1, Layout::SampleMajor, &acc.to_le_bytes())?) })
            };
            let s = timed(reps, || {
                inside_ns.store(0, Ordering::Relaxed);
                apply(&r, &batch, &opts, Some(&f), None, None).unwrap();
            });
            let plan = Plan::new(&r, &batch).unwrap();
            let rows: Vec<String> = (0..plan.n_batches).map(|i| plan.batch(i)).map(|b| (b.stop - b.start).to_string()).collect();
            extra = format!(
                ", \"callback_s\": {:.6}, \"batch_rows\": [{}], \"uncached_bytes\": {}",
                inside_ns.load(Ordering::Relaxed) as f64 / 1e9,
                rows.join(", "),
                r.bytes_uncached()
            );
            (s, r.file_size())
        }
        "compute_control" => {
            // The machine's own limit for the "compute" case: the same callback
            // on batches of the same plan, without the library, on data already
            // in memory (read and first-touched before the clock starts), handed
            // to N_THREADS threads in order as an apply hands them out. Its
            // 2-thread speedup is what this machine gives that work at best.
            let r = open(&args[1], DataOrder::Samples);
            let max_memory = parse_max_memory(&args[2]).unwrap();
            let n_threads: usize = arg(&args, 3, "n_threads");
            let work: usize = arg(&args, 4, "work");
            let plan = Plan::new(&r, &BatchOptions { max_memory, ..Default::default() }).unwrap();
            let lens: Vec<usize> = (0..plan.n_batches).map(|i| plan.batch(i)).map(|b| (b.stop - b.start) as usize * N_CH * 2).collect();
            let longest = lens.iter().copied().max().unwrap_or(0);
            let file = File::open(&args[1]).unwrap();
            let buffers: Vec<memmap2::MmapMut> = (0..n_threads)
                .map(|_| {
                    let mut buf = memmap2::MmapMut::map_anon(longest.max(1)).unwrap();
                    neurobatch_core::platform::advise_huge_pages(&buf);
                    neurobatch_core::platform::read_exact_at(&file, &mut buf[..longest], 0).unwrap();
                    buf
                })
                .collect();
            let next = AtomicU64::new(0);
            let s = timed(reps, || {
                next.store(0, Ordering::Relaxed);
                std::thread::scope(|scope| {
                    for buf in &buffers {
                        let (next, lens) = (&next, &lens);
                        scope.spawn(move || loop {
                            let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                            let Some(&len) = lens.get(i) else { return };
                            std::hint::black_box(compute_on(&buf[..len], work));
                        });
                    }
                });
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
    std::thread::sleep(Duration::from_millis(5)); // a last sample of RssAnon
    println!(
        "{{\"case\": \"{case}\", \"seconds\": [{}], \"bytes\": {bytes}, \"peak_rss_kib\": {}, \"peak_anon_kib\": {}{extra}}}",
        list.join(", "),
        peak_rss_kib(),
        PEAK_ANON_KIB.load(Ordering::Relaxed)
    );
}

/// The compute-bound callback's work: `work` passes of arithmetic over every
/// fourth int16 value of `data`.
fn compute_on(data: &[u8], work: usize) -> f64 {
    let v: &[i16] = bytemuck::cast_slice(data);
    let mut acc = 0.0f64;
    for k in 0..work {
        for (i, &x) in v.iter().enumerate().step_by(4) {
            acc += (x as f64 * (k + 1) as f64).sqrt().abs() * (i & 7) as f64;
        }
    }
    acc
}

/// VmHWM: this process's peak resident memory. (getrusage would also count
/// the memory of the forked driver before exec.)
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}
