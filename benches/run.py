#!/usr/bin/env python3
"""neurobatch benchmark: every case for neurobatch and for its peers, in one
run, on the same Neuropixels-shaped recording (int16, 385 channels) in both
data orders. Prints one table (GB/s of input or seconds, peak resident and
anonymous memory, ratio against the peer or floor measured in the same run,
target) and writes the same as JSON.

    python3 benches/run.py [--size-gb 2] [--reps 5] [--dir DIR] [--json PATH]

Run it through `bash benches/run.sh`, which builds neurobatch and installs
the peers (numpy, SpikeInterface) into the benchmark's own virtual environment.
Every repetition of every case is a fresh process that runs the case once,
as a user's program does (warm-ups inside one process hide first-touch
costs); timings are the median of --reps processes, memory their maximum:
peak RSS (VmHWM) and peak RssAnon (file-backed mapped pages are page cache,
not the program's memory). "cold" cases drop the file's pages from the page
cache (posix_fadvise DONTNEED) before each process; the others run with the
file in the page cache, dropped and read back in sequentially just before
(see warm). Before every process, `nb_bench settle` touches and
frees 1.5 GiB, so each starts with the same free memory (see SETTLE_BYTES).
"""
import argparse
import glob
import shutil
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
    """Puts the file in the page cache as a sequential read brings it in.
    It is dropped first: pages cached by other access (a generator's writes,
    numpy's page faults on a cold file) stay in the units that access made,
    and copies from small ones ran at half the speed (6.3 against 12-13 GB/s
    here), so which case ran before decided the warm rows."""
    run_once([NB, "evict", path], settle=False)
    with open(path, "rb") as f:
        while f.read(64 << 20):
            pass


# Fresh memory on a VM costs what the host and the guest's free lists make
# it cost: the same 600 MB in huge pages took 0.05 s or 0.7 s to first-touch,
# depending on what the previous process had freed. Every case therefore
# runs after `nb_bench settle`, which touches and frees this much memory, so
# each process (neurobatch's and its peers') finds the same state. It still
# pays for its own fresh memory (the kernel zeroes every page it gets).
SETTLE_BYTES = 1536 << 20


def run_once(cmd, settle=True):
    if settle:
        subprocess.run([NB, "settle", str(SETTLE_BYTES)], check=True, stdout=subprocess.DEVNULL)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    if proc.wait() != 0:
        raise SystemExit(f"benchmark case failed: {' '.join(cmd)}\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def summarize(runs):
    """One case's fresh-process runs: the median time, the largest memory."""
    result = dict(runs[-1])
    result["seconds"] = [r["seconds"][0] for r in runs]
    result["median_s"] = statistics.median(result["seconds"])
    result["gbps"] = result["bytes"] / result["median_s"] / 1e9
    result["peak_rss_mib"] = max(r["peak_rss_kib"] for r in runs) / 1024
    result["peak_anon_mib"] = max(r.get("peak_anon_kib", 0) for r in runs) / 1024
    if "callback_s" in result:
        result["callback_s"] = statistics.median(r["callback_s"] for r in runs)
    return result


def run_case(cmd, reps, evict=None):
    """`reps` fresh processes of one case; `evict(path)` before each when cold."""
    runs = []
    for _ in range(reps):
        if evict:
            evict()
        runs.append(run_once(cmd + ["--reps", "1"]))
    return summarize(runs)


def run_rounds(cases, reps, evict, warm):
    """`reps` rounds of fresh processes, every case once per round, the order
    rotated from round to round; `cases` maps a name to (command, the file to
    evict first or None for a warm case). Returns each case's runs by round."""
    names = list(cases)
    runs = {k: [] for k in names}
    for i in range(reps):
        for k in names[i % len(names):] + names[:i % len(names)]:
            command, cold = cases[k]
            evict(cold) if cold else warm()
            runs[k].append(run_once(command + ["--reps", "1"]))
    return runs


def worker_cap(batch_rows, workers):
    """The best speedup `workers` threads can reach over batches of these
    sizes, handed out in order to whichever worker is free."""
    free = [0.0] * workers
    for rows in batch_rows:
        k = free.index(min(free))
        free[k] += rows
    return sum(batch_rows) / max(free)


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

    def evict(path):
        return lambda: (run_once([NB, "evict", path], settle=False), None)[1]

    def nb(*args, cold=None):
        return run_case([NB, *map(str, args)], reps, evict(cold) if cold else lambda: warm_all())

    def peer(*args, cold=None):
        return run_case(py + list(map(str, args)), reps, evict(cold) if cold else lambda: warm_all())

    def warm_all():
        # Warm cases start with the file in the page cache (a cold case may have dropped it).
        warm(samples)

    print("running ...", flush=True)
    rows = []

    def row(case, mine, other, other_name, target, ratio, met, unit="GB/s"):
        rows.append({"case": case, "unit": unit, "neurobatch": mine["gbps"] if unit == "GB/s" else mine["median_s"],
                     "neurobatch_rss_mib": mine["peak_rss_mib"], "neurobatch_anon_mib": mine["peak_anon_mib"],
                     "peer": other_name, "peer_value": None if other is None else (other["gbps"] if unit == "GB/s" else other["median_s"]),
                     "peer_rss_mib": None if other is None else other["peak_rss_mib"], "ratio": ratio, "target": target, "met": met})

    def vs(case, mine, other, other_name, need):
        ratio = mine["gbps"] / other["gbps"]
        row(case, mine, other, other_name, f">= {need}" if need else "(info)", ratio, ratio >= need if need else None)

    # ---- the compute-bound applies and the cold rows, measured in rounds:
    # each round runs every case once, in a rotated order, and each ratio is
    # taken within a round (a case against the bound measured minutes apart
    # on this kind of VM swung 2-3x with the host's disk and memory).
    def cmd(*args):
        return [NB, *map(str, args)]
    block = {
        "cold_floor": (cmd("pread_floor", samples), samples),
        "cold_multi": (cmd("multi", samples, "samples", "300MB", "all", "sample"), samples),
        "warm_serial": (cmd("compute", samples, "300MB", 1, 1), None),
        "serial_cold": (cmd("compute", samples, "300MB", 1, 1), samples),
        "serial_cold_off": (cmd("compute", samples, "300MB", 1, 1, "off"), samples),
        "two_cold": (cmd("compute", samples, "300MB", 2, 1), samples),
        "two_warm": (cmd("compute", samples, "300MB", 2, 1), None),
        "serial_warm_off": (cmd("compute", samples, "300MB", 1, 1, "off"), None),
        "control_serial": (cmd("compute_control", samples, "300MB", 1, 1), None),
        "control_two": (cmd("compute_control", samples, "300MB", 2, 1), None),
    }
    rounds = run_rounds(block, reps, lambda p: run_once([NB, "evict", p], settle=False), warm_all)
    m = {k: summarize(v) for k, v in rounds.items()}
    cap = worker_cap(m["warm_serial"]["batch_rows"], 2)
    per_round = []
    for i in range(reps):
        r = {k: v[i] for k, v in rounds.items()}
        cold_pass, compute = r["cold_multi"]["seconds"][0], r["warm_serial"]["callback_s"]
        bound, bound2 = max(cold_pass, compute), max(cold_pass, compute / cap)
        per_round.append({
            "pass_vs_floor": r["cold_floor"]["seconds"][0] / cold_pass,
            "serial_cold": r["serial_cold"]["seconds"][0] / bound,
            "serial_cold_off": r["serial_cold_off"]["seconds"][0] / bound,
            "two_cold": r["two_cold"]["seconds"][0] / bound2,
            "speedup": r["serial_warm_off"]["seconds"][0] / r["two_warm"]["seconds"][0],
            "speedup_ra": r["warm_serial"]["seconds"][0] / r["two_warm"]["seconds"][0],
            "control": r["control_serial"]["seconds"][0] / r["control_two"]["seconds"][0],
        })
    ratio = {k: statistics.median(x[k] for x in per_round) for k in per_round[0]}
    cold_pass, compute = m["cold_multi"]["median_s"], m["warm_serial"]["callback_s"]
    row("cold multi-channel pass (cursor)", m["cold_multi"], m["cold_floor"], "cold pread floor (300 MB requests)", ">= 0.9",
        ratio["pass_vs_floor"], ratio["pass_vs_floor"] >= 0.9)
    vs("cold multi-channel pass (cursor)", m["cold_multi"], peer("numpy_multi", samples, MB300, "all", cold=samples), "numpy.memmap, cold", 0)
    row("compute-bound apply, serial, cold (read-ahead)", m["serial_cold"], None, f"max(cold pass {cold_pass:.2f} s, compute {compute:.2f} s)",
        "<= 1.15", ratio["serial_cold"], ratio["serial_cold"] <= 1.15, unit="s")
    row("compute-bound apply, serial, cold, read-ahead off", m["serial_cold_off"], None, "(the same bound)", "(info)",
        ratio["serial_cold_off"], None, unit="s")
    row("compute-bound apply, n_threads = 2, cold", m["two_cold"], None, f"max(cold pass, compute / {cap:.2f})",
        "<= 1.15", ratio["two_cold"], ratio["two_cold"] <= 1.15, unit="s")
    row("compute-bound apply, n_threads = 2, warm: speedup over serial without read-ahead", m["two_warm"], m["serial_warm_off"], "serial, read-ahead off",
        f">= {0.93 * cap:.2f} (0.93 × cap {cap:.2f})", ratio["speedup"], ratio["speedup"] >= 0.93 * cap, unit="s")
    row("compute-bound apply, n_threads = 2, warm: speedup over serial with read-ahead", m["two_warm"], m["warm_serial"], "serial, read-ahead on",
        "(info)", ratio["speedup_ra"], None, unit="s")
    # What the machine gives the same work on two threads, without the library
    # or any reading: the callback alone on the plan's batches already in memory.
    row("control: the callback alone on in-memory batches, 2 threads, speedup over 1", m["control_two"], m["control_serial"],
        "the same, 1 thread", f"(info; cap {cap:.2f})", ratio["control"], None, unit="s")
    two_warm, cold_floor = m["two_warm"], m["cold_floor"]
    mem2 = 2 * 300 + 64
    rows.append({"case": "peak RSS, n_threads = 2 compute-bound apply, max_memory 300MB", "memory": True,
                 "neurobatch_rss_mib": two_warm["peak_rss_mib"], "neurobatch_anon_mib": two_warm["peak_anon_mib"],
                 "target": f"<= {mem2} MiB", "met": two_warm["peak_rss_mib"] <= mem2})
    floor_pread = nb("pread_floor", samples)
    floor_copy = nb("memcpy_floor", floor_pread["bytes"])
    # The writes run in rounds too: a write to tmpfs takes fresh memory, whose
    # cost moved 1.8-6 s for the same 4 GB convert between consecutive processes.
    def clean_outputs():
        for p in glob.glob(out_nb.replace(".bin", ".*")) + glob.glob(out_si + "*"):
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
        warm_all()
    writes = run_rounds({
        "write_floor": (cmd("write_floor", 2 * floor_pread["bytes"], out_nb), None),
        "convert": (cmd("convert", samples, "300MB", out_nb), None),
        "si_write": (py + ["si_write_f32", samples, str(MB300), out_si], None),
    }, reps, None, clean_outputs)
    clean_outputs()
    w = {k: summarize(v) for k, v in writes.items()}
    write_floor, conv, si_write = w["write_floor"], w["convert"], w["si_write"]
    write_floor["gbps"] = write_floor["bytes"] / 2 / write_floor["median_s"] / 1e9  # per byte of int16 input
    per_write = [{"floor": writes["write_floor"][i]["seconds"][0] / writes["convert"][i]["seconds"][0],
                  "si": writes["si_write"][i]["seconds"][0] / writes["convert"][i]["seconds"][0]} for i in range(reps)]
    wr = {k: statistics.median(x[k] for x in per_write) for k in ("floor", "si")}
    row("convert: cast to float32, write to tmpfs (no callback)", conv, write_floor, "write floor (float32 bytes to a new tmpfs file)", ">= 0.9",
        wr["floor"], wr["floor"] >= 0.9)
    row("convert: cast to float32, write to tmpfs (no callback)", conv, si_write, "SpikeInterface write_binary_recording", "(info)", wr["si"], None)
    rows.append({"case": "peak RSS, convert, max_memory 300MB", "memory": True, "neurobatch_rss_mib": conv["peak_rss_mib"],
                 "neurobatch_anon_mib": conv["peak_anon_mib"], "target": f"<= {300 + 64} MiB", "met": conv["peak_rss_mib"] <= 300 + 64})
    f32 = nb("apply_f32", samples, "300MB", out_nb)
    vs("apply: a callback returning the batch, cast to float32, to tmpfs", f32, si_write, "SpikeInterface write_binary_recording", 0)
    for p in (out_nb, out_nb.replace(".bin", ".yaml")):
        if os.path.exists(p):
            os.remove(p)
    # ---- warm reading
    numpy_multi = peer("numpy_multi", samples, MB300, "all")
    multi = nb("multi", samples, "samples", "300MB", "all", "sample")
    vs("multi-channel, all channels, samples file", multi, numpy_multi, "numpy.memmap", 1.5)
    vs("multi-channel, all channels, samples file", multi, floor_pread, "pread floor", 0.85)
    vs("multi-channel, all channels, samples file", multi, peer("si_get_traces", samples, MB300), "SpikeInterface get_traces", 0)
    subset = nb("multi", samples, "samples", "300MB", "0,1,2", "sample")
    vs("multi-channel, 3-channel subset", subset, peer("numpy_multi", samples, MB300, "0,1,2"), "numpy.memmap", 1.0)
    sweep = nb("single_sweep", samples, "300MB")
    numpy_single = peer("numpy_single", samples, 8)
    vs("single-channel sweep, 385 channels, samples file", sweep, numpy_single, "numpy.memmap per channel (8 measured)", 20)
    warm(channels)
    wide_rows = nb("multi", channels, "channels", "300MB", "all", "sample")
    vs("channels file as sample-major [obs, ch] batches", wide_rows, peer("numpy_transpose", channels, MB300), "numpy transpose", 3)
    wide_cols = nb("multi", channels, "channels", "300MB", "all", "channel")
    vs("channels file as channel-major batches", wide_cols, floor_pread, "pread floor", 0.85)
    rss_limit = 300 + 64
    rows.append({"case": "peak RSS, multi-channel pass, max_memory 300MB", "memory": True, "neurobatch_rss_mib": multi["peak_rss_mib"],
                 "neurobatch_anon_mib": multi["peak_anon_mib"], "peer": "numpy.memmap", "peer_rss_mib": numpy_multi["peak_rss_mib"],
                 "target": f"<= {rss_limit} MiB", "met": multi["peak_rss_mib"] <= rss_limit})
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
              "floors": {"pread_gbps": floor_pread["gbps"], "cold_pread_gbps": cold_floor["gbps"], "memcpy_gbps": floor_copy["gbps"],
                         "write_gbps_of_input": write_floor["gbps"]},
              "compute_s": compute, "worker_cap": cap, "rounds": per_round, "write_rounds": per_write, "rows": rows, "tiny": overhead}
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(report, f, indent=2)

    print(f"\n{report['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
          f"Linux {machine['kernel']}; {report['file_gb']:.2f} GB file; every case a fresh process, median of {reps}")
    print(f"floors: pread {floor_pread['gbps']:.2f} GB/s warm, {cold_floor['gbps']:.2f} GB/s cold; memcpy {floor_copy['gbps']:.2f} GB/s; "
          f"float32 write to tmpfs {write_floor['gbps']:.2f} GB/s of int16 input; compute {compute:.2f} s per pass; 2-worker cap {cap:.2f}×\n")
    print("| case | neurobatch | RSS / anon MiB | compared with | its value | ratio | target | met |")
    print("|---|---:|---:|---|---:|---:|---|---|")
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        mem = f"{r['neurobatch_rss_mib']:.0f} / {r['neurobatch_anon_mib']:.0f}"
        if r.get("memory"):
            peer_mem = f"{r['peer']}: {r['peer_rss_mib']:.0f} MiB" if r.get("peer") else ""
            print(f"| {r['case']} | | {mem} | {peer_mem} | | | {r['target']} | {met} |")
            continue
        value = f"{r['neurobatch']:.2f} {r['unit']}"
        peer_value = "" if r["peer_value"] is None else f"{r['peer_value']:.2f} {r['unit']}"
        print(f"| {r['case']} | {value} | {mem} | {r['peer']} | {peer_value} | {r['ratio']:.2f}× | {r['target']} | {met} |")
    print(f"| {overhead['case']} | {overhead['per_batch_us']:.1f} µs/batch | | pread of the same rows | {overhead['copy_us']:.1f} µs | "
          f"{overhead['overhead_us']:+.1f} µs | {overhead['target']} | {'yes' if overhead['met'] else '**no**'} |")
    print(f"\nJSON: {a.json}")


if __name__ == "__main__":
    main()
