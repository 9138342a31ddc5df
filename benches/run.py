#!/usr/bin/env python3
"""neurobatch benchmark: every case for neurobatch and for its peers, in one
run, on the same Neuropixels-shaped recording (int16, 385 channels) in both
data orders. Prints one table (GB/s of input, peak resident memory, ratio
neurobatch / peer, target) and writes the same as JSON.

    python3 benches/run.py [--size-gb 2] [--reps 5] [--dir DIR] [--json PATH]

Run it through `bash benches/run.sh`, which builds neurobatch and installs
the peers (numpy, SpikeInterface) into the benchmark's own virtual environment.
Each case runs in its own process and reports its peak RSS (VmHWM), and
timings are the median of --reps repetitions after one warm-up repetition.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

N_CH = 385
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NB = os.path.join(ROOT, "target", "release", "examples", "nb_bench")
MB300 = 300 * 1024 * 1024


def value_block(s0, s1, c0, c1):
    """The synthetic recording for samples [s0, s1) x channels [c0, c1): noise
    around a per-channel offset with spikes; identical in both data orders."""
    import numpy as np
    s = np.arange(s0, s1, dtype=np.uint64)[:, None]
    c = np.arange(c0, c1, dtype=np.uint64)[None, :]
    h = (s * np.uint64(2654435761) ^ c * np.uint64(40503)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(2246822519)) & np.uint64(0xFFFFFFFF)
    v = (c % np.uint64(17)).astype(np.int32) * 3 - 24 + (h & np.uint64(31)).astype(np.int32) - 16
    spikes = ((c % np.uint64(48)) == np.uint64(7)) & ((s % np.uint64(3000)) < np.uint64(20))
    v = np.where(spikes, v - 200, v)
    return v.astype(np.int16)


def generate(path, n_obs, order):
    if os.path.exists(path) and os.path.getsize(path) == n_obs * N_CH * 2:
        return
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        if order == "samples":
            step = 65536
            for a in range(0, n_obs, step):
                f.write(value_block(a, min(a + step, n_obs), 0, N_CH).tobytes())
        else:
            step = 1 << 22
            for c in range(N_CH):
                for a in range(0, n_obs, step):
                    f.write(value_block(a, min(a + step, n_obs), c, c + 1)[:, 0].tobytes())
    os.replace(tmp, path)


def warm(path):
    with open(path, "rb") as f:
        while f.read(64 << 20):
            pass


def run_case(cmd, reps):
    proc = subprocess.Popen(cmd + ["--reps", str(reps)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    if proc.wait() != 0:
        raise SystemExit(f"benchmark case failed: {' '.join(cmd)}\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result["median_s"] = statistics.median(result["seconds"])
    result["gbps"] = result["bytes"] / result["median_s"] / 1e9
    result["peak_rss_mib"] = result["peak_rss_kib"] / 1024
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dir", default=os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "neurobatch-bench"))
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench", "results.json"))
    ap.add_argument("--python", default=sys.executable, help="interpreter with numpy and spikeinterface")
    a = ap.parse_args()

    os.makedirs(a.dir, exist_ok=True)
    n_obs = int(a.size_gb * 1e9) // (N_CH * 2)
    samples = os.path.join(a.dir, f"np-{n_obs}-samples.bin")
    channels = os.path.join(a.dir, f"np-{n_obs}-channels.bin")
    print(f"recording: {n_obs} samples x {N_CH} channels of int16 = {n_obs * N_CH * 2 / 1e9:.2f} GB, in {a.dir}", flush=True)
    generate(samples, n_obs, "samples")
    generate(channels, n_obs, "channels")
    for p in (samples, channels):
        warm(p)
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else a.dir
    out_nb, out_si = os.path.join(shm, "nb-bench-f32.bin"), os.path.join(shm, "si-bench-f32.raw")
    py = [a.python, os.path.join(HERE, "peers.py")]
    reps = a.reps

    def nb(*args):
        return run_case([NB, *map(str, args)], reps)

    def peer(*args):
        return run_case(py + list(map(str, args)), reps)

    print("running ...", flush=True)
    floor_pread = nb("pread_floor", samples)
    floor_copy = nb("memcpy_floor", floor_pread["bytes"])
    numpy_multi = peer("numpy_multi", samples, MB300, "all")
    rows = []

    def row(case, mine, other, other_name, target, need, rss=False):
        ratio = mine["gbps"] / other["gbps"]
        rows.append({"case": case, "neurobatch_gbps": mine["gbps"], "neurobatch_rss_mib": mine["peak_rss_mib"],
                     "peer": other_name, "peer_gbps": other["gbps"], "peer_rss_mib": other["peak_rss_mib"],
                     "ratio": ratio, "target": target, "met": ratio >= need})

    multi = nb("multi", samples, "samples", "300MB", "all", "sample")
    row("multi-channel, all channels, samples file", multi, numpy_multi, "numpy.memmap", ">= 1.5", 1.5)
    row("multi-channel, all channels, samples file", multi, floor_pread, "pread floor", ">= 0.85", 0.85)
    row("multi-channel, all channels, samples file", multi, peer("si_get_traces", samples, MB300), "SpikeInterface get_traces", "(info)", 0)
    subset = nb("multi", samples, "samples", "300MB", "0,1,2", "sample")
    row("multi-channel, 3-channel subset", subset, peer("numpy_multi", samples, MB300, "0,1,2"), "numpy.memmap", ">= 1", 1.0)
    sweep = nb("single_sweep", samples, "300MB")
    numpy_single = peer("numpy_single", samples, 8)
    row("single-channel sweep, 385 channels, samples file", sweep, numpy_single, "numpy.memmap per channel (8 measured)", ">= 20", 20)
    whole_mb = floor_pread["bytes"] // 2 ** 20 + 1
    row(f"same sweep, max_memory {whole_mb}MB (the file fits: one pass)", nb("single_sweep", samples, f"{whole_mb}MB"), numpy_single,
        "numpy.memmap per channel (8 measured)", "(info)", 0)
    wide_rows = nb("multi", channels, "channels", "300MB", "all", "sample")
    row("channels file as sample-major [obs, ch] batches", wide_rows, peer("numpy_transpose", channels, MB300), "numpy transpose", ">= 3", 3)
    wide_cols = nb("multi", channels, "channels", "300MB", "all", "channel")
    row("channels file as channel-major batches", wide_cols, floor_pread, "pread floor", ">= 0.85", 0.85)
    f32 = nb("apply_f32", samples, "300MB", out_nb)
    row("apply: cast to float32, write to tmpfs", f32, peer("si_write_f32", samples, MB300, out_si), "SpikeInterface write_binary_recording", ">= 1.5", 1.5)
    write_floor = nb("write_floor", 2 * floor_pread["bytes"], out_nb)
    write_floor["gbps"] = write_floor["bytes"] / 2 / write_floor["median_s"] / 1e9  # per byte of int16 input
    row("apply: cast to float32, write to tmpfs", f32, write_floor, "write floor (float32 bytes to a new tmpfs file)", "(info)", 0)
    for p in (out_nb, out_nb.replace(".bin", ".yaml")):
        if os.path.exists(p):
            os.remove(p)
    serial = nb("threads", samples, "30MB", 1, 6)
    two = nb("threads", samples, "30MB", 2, 6)
    row("n_threads = 2, compute-bound callback", two, serial, "neurobatch serial", ">= 1.7", 1.7)

    rss_limit = 300 + 64
    rss = {"case": "peak RSS, multi-channel pass, max_memory 300MB", "neurobatch_rss_mib": multi["peak_rss_mib"],
           "numpy_rss_mib": numpy_multi["peak_rss_mib"], "target": f"<= {rss_limit} MiB",
           "met": multi["peak_rss_mib"] <= rss_limit}
    tiny = nb("tiny", samples, 1024)
    per_batch_us = tiny["median_s"] / tiny["batches"] * 1e6
    # the copy a batch needs: pread of the same 1024-row pieces into an aligned buffer
    batch_copy = nb("pread_floor", samples, 1024 * N_CH * 2)
    copy_us = batch_copy["median_s"] / batch_copy["reads"] * 1e6
    overhead = {"case": "tiny batches (1024 x 385), overhead beyond the copy", "per_batch_us": per_batch_us,
                "copy_us": copy_us, "overhead_us": per_batch_us - copy_us, "target": "<= 10 us",
                "met": per_batch_us - copy_us <= 10}

    machine = {
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor()),
        "cores": os.cpu_count(), "kernel": platform.release(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1),
    }
    report = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine,
              "file_gb": floor_pread["bytes"] / 1e9, "reps": reps,
              "floors": {"pread_gbps": floor_pread["gbps"], "memcpy_gbps": floor_copy["gbps"]},
              "rows": rows, "rss": rss, "tiny": overhead}
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(report, f, indent=2)

    print(f"\n{report['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
          f"Linux {machine['kernel']}; {report['file_gb']:.2f} GB file in page cache; median of {reps}")
    print(f"floors: pread {floor_pread['gbps']:.2f} GB/s, memcpy {floor_copy['gbps']:.2f} GB/s\n")
    print("| case | neurobatch | peer | peer | ratio | target | met |")
    print("|---|---:|---|---:|---:|---|---|")
    for r in rows:
        met = "" if r["target"] == "(info)" else ("yes" if r["met"] else "**no**")
        print(f"| {r['case']} | {r['neurobatch_gbps']:.2f} GB/s | {r['peer']} | {r['peer_gbps']:.2f} GB/s | {r['ratio']:.2f}× | {r['target']} | {met} |")
    print(f"| {rss['case']} | {rss['neurobatch_rss_mib']:.0f} MiB | numpy.memmap | {rss['numpy_rss_mib']:.0f} MiB | | {rss['target']} | "
          f"{'yes' if rss['met'] else '**no**'} |")
    print(f"| {overhead['case']} | {overhead['per_batch_us']:.1f} µs/batch | pread of the same rows | {overhead['copy_us']:.1f} µs | "
          f"{overhead['overhead_us']:+.1f} µs | {overhead['target']} | {'yes' if overhead['met'] else '**no**'} |")
    print(f"\nJSON: {a.json}")


if __name__ == "__main__":
    main()
