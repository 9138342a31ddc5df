#!/usr/bin/env python3
"""The Python package against YASS 0.9's own BatchProcessor and against a
plain numpy.memmap loop, in one run, on the same recording (int16, 385
channels, samples order, in the page cache). Prints seconds per case
(median of --reps after one warm-up) and the ratios.

    bash bindings/python/bench.sh [--size-gb 1] [--reps 5] [--dir DIR]

bench.sh makes a virtual environment with this package, numpy and YASS 0.9
(yass.batch loaded as tests/yass_original.py describes). Every
implementation opens the file anew in every repetition, as a script would.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import neurobatch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))
import yass_original  # noqa: E402

N_CH = 385
MAX_MEMORY = "300MB"
SUBSET = list(range(32))
WINDOW = 30_000  # one second at 30 kHz
N_WINDOWS = 200


def generate(path, n_obs):
    if os.path.exists(path) and os.path.getsize(path) == n_obs * N_CH * 2:
        return
    rng = np.random.default_rng(0)
    with open(path + ".partial", "wb") as f:
        for a in range(0, n_obs, 100_000):
            rng.integers(-300, 300, size=(min(100_000, n_obs - a), N_CH), dtype=np.int16).tofile(f)
    os.replace(path + ".partial", path)


def batch_max(batch):
    return batch.max(axis=0)


def identity(batch):
    return batch


def cases(path, n_obs, out_dir):
    yb = yass_original.load()
    rows_all = neurobatch.human_bytes(MAX_MEMORY) // (N_CH * 2)
    rows_sub = neurobatch.human_bytes(MAX_MEMORY) // (len(SUBSET) * 2)
    starts = np.random.default_rng(1).integers(0, n_obs - WINDOW, N_WINDOWS)
    out = os.path.join(out_dir, "out.bin")

    def nb():
        return neurobatch.BatchProcessor(path, "int16", N_CH, "samples", MAX_MEMORY, show_progress_bar=False)

    def yass():
        return yb.BatchProcessor(path, "int16", N_CH, "samples", MAX_MEMORY, show_progress_bar=False)

    def mm():
        return np.memmap(path, np.int16, "r", shape=(n_obs, N_CH))

    def mm_max(rows, cols):
        m = mm()
        return [m[a:a + rows, cols].max(axis=0) for a in range(0, n_obs, rows)]

    def mm_copy():
        m = mm()
        with open(out, "wb") as f:
            for a in range(0, n_obs, rows_all):
                m[a:a + rows_all].tofile(f)

    def windows(reader):
        return [reader[int(t):int(t) + WINDOW, :].max() for t in starts]

    return [
        ("multi_channel_apply max, 385 ch, memory", {
            "neurobatch": lambda: nb().multi_channel_apply(batch_max, "memory"),
            "YASS": lambda: yass().multi_channel_apply(batch_max, "memory"),
            "numpy.memmap": lambda: mm_max(rows_all, slice(None)),
        }),
        ("multi_channel_apply max, 32 ch, memory", {
            "neurobatch": lambda: nb().multi_channel_apply(batch_max, "memory", channels=SUBSET),
            "YASS": lambda: yass().multi_channel_apply(batch_max, "memory", channels=SUBSET),
            "numpy.memmap": lambda: mm_max(rows_sub, slice(0, len(SUBSET))),
        }),
        ("multi_channel_apply copy, 385 ch, disk", {
            "neurobatch": lambda: nb().multi_channel_apply(identity, "disk", output_path=out),
            "YASS": lambda: yass().multi_channel_apply(identity, "disk", output_path=out),
            "numpy.memmap": mm_copy,
        }),
        (f"{N_WINDOWS} windows reader[t:t+{WINDOW}, :].max()", {
            "neurobatch": lambda: windows(neurobatch.RecordingsReader(path, "int16", N_CH, "samples")),
            "YASS": lambda: windows(yb.RecordingsReader(path, "int16", N_CH, "samples")),
            "numpy.memmap": lambda: windows(mm()),
        }),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where the recording is written (default: a temporary folder)")
    args = ap.parse_args()
    folder = args.dir or tempfile.mkdtemp(prefix="nb-pybench-")
    n_obs = int(args.size_gb * 2**30) // (N_CH * 2)
    path = os.path.join(folder, "bench.bin")
    generate(path, n_obs)
    gb = n_obs * N_CH * 2 / 2**30
    print(f"recording: {n_obs} x {N_CH} int16, samples order, {gb:.2f} GiB, max_memory {MAX_MEMORY}; "
          f"median of {args.reps} after a warm-up; Python {sys.version.split()[0]}, numpy {np.__version__}")
    rows = []
    for name, impls in cases(path, n_obs, folder):
        times = {k: [] for k in impls}
        for f in impls.values():
            f()  # warm-up: page cache, imports
        for _ in range(args.reps):
            for k, f in impls.items():  # interleaved, so load on the machine hits all alike
                t0 = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append((name, med))
    print(f"\n| case | neurobatch s | YASS s | numpy.memmap s | YASS / neurobatch | memmap / neurobatch |")
    print("|---|---|---|---|---|---|")
    for name, med in rows:
        nb_t = med["neurobatch"]
        print(f"| {name} | {nb_t:.3f} | {med['YASS']:.3f} | {med['numpy.memmap']:.3f} | "
              f"{med['YASS'] / nb_t:.2f} | {med['numpy.memmap'] / nb_t:.2f} |")
    print("\ndisk: neurobatch publishes its output durably (written beside, fsynced, renamed into place, with its"
          "\nsidecar); YASS and the numpy loop write in place and leave the data in the page cache.")
    if not args.dir:
        for f in os.listdir(folder):
            os.remove(os.path.join(folder, f))
        os.rmdir(folder)


if __name__ == "__main__":
    main()
