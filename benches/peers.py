"""The peers of the benchmark, one case per run (a fresh process, no warm-up
unless --warmup), printing the same JSON line as nb_bench: numpy.memmap used as YASS uses it (batches copied out of a
whole-file map), and SpikeInterface (read_binary().get_traces and
write_binary_recording). Run by run.py inside its virtual environment.

    python peers.py CASE FILE [ARGS...] --reps N
"""
import json
import os
import sys
import threading
import time

import numpy as np

N_CH = 385
WARMUP = False
PEAK_ANON_KIB = [0]


def sample_anon_memory():
    """The largest RssAnon, sampled every 2 ms (file-backed pages of a
    memmap are page cache, not the program's memory)."""
    def loop():
        while True:
            for line in open("/proc/self/status"):
                if line.startswith("RssAnon:"):
                    PEAK_ANON_KIB[0] = max(PEAK_ANON_KIB[0], int(line.split()[1]))
            time.sleep(0.002)
    threading.Thread(target=loop, daemon=True).start()


def timed(reps, f):
    if WARMUP:
        f()
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return out


def rows_for(max_memory, n_sel, itemsize=2):
    return max_memory // (n_sel * itemsize)


def main(argv):
    global WARMUP
    reps = 1
    if "--reps" in argv:
        i = argv.index("--reps")
        reps = int(argv[i + 1])
        del argv[i:i + 2]
    if "--warmup" in argv:
        argv.remove("--warmup")
        WARMUP = True
    sample_anon_memory()
    case, path = argv[0], argv[1]
    size = os.path.getsize(path)
    n_obs = size // (N_CH * 2)
    extra = {}
    sink = [0]

    if case == "numpy_multi":          # YASS multi_channel: np.array(mm[a:b]) per batch
        max_memory, channels = int(argv[2]), argv[3]
        sel = None if channels == "all" else [int(c) for c in channels.split(",")]
        mm = np.memmap(path, dtype="int16", mode="r", shape=(n_obs, N_CH))
        rows = rows_for(max_memory, N_CH if sel is None else len(sel))

        def run():
            for a in range(0, n_obs, rows):
                block = np.array(mm[a:a + rows]) if sel is None else np.array(mm[a:a + rows, sel])
                sink[0] += int(block[len(block) // 2, 0])
        seconds = timed(reps, run)
    elif case == "numpy_single":        # YASS single_channel: one channel at a time, K channels measured
        k = int(argv[2])
        mm = np.memmap(path, dtype="int16", mode="r", shape=(n_obs, N_CH))
        picks = np.linspace(0, N_CH - 1, k).astype(int)

        def run():
            for c in picks:
                sink[0] += int(np.array(mm[:, c])[0])
        measured = timed(reps, run)
        # time for all 385 channels, from the measured channels
        seconds = [s * N_CH / k for s in measured]
        extra = {"channels_measured": k}
    elif case == "numpy_transpose":     # a channels-order file delivered as [obs, ch] batches
        max_memory = int(argv[2])
        mm = np.memmap(path, dtype="int16", mode="r", shape=(N_CH, n_obs))
        rows = rows_for(max_memory, N_CH)

        def run():
            for a in range(0, n_obs, rows):
                block = np.ascontiguousarray(mm[:, a:a + rows].T)
                sink[0] += int(block[0, 0])
        seconds = timed(reps, run)
    elif case == "si_get_traces":
        import spikeinterface.core as si
        max_memory = int(argv[2])
        rec = si.read_binary(path, sampling_frequency=30000.0, dtype="int16", num_channels=N_CH)
        rows = rows_for(max_memory, N_CH)

        def run():
            for a in range(0, n_obs, rows):
                # get_traces returns a view of a mapping: copy it out, as YASS's batches are
                block = np.array(rec.get_traces(start_frame=a, end_frame=min(a + rows, n_obs)))
                sink[0] += int(block[0, 0])
        seconds = timed(reps, run)
    elif case == "si_write_f32":        # cast to float32 and write, n_jobs=1
        import spikeinterface.core as si
        max_memory, out = int(argv[2]), argv[3]
        rec = si.read_binary(path, sampling_frequency=30000.0, dtype="int16", num_channels=N_CH)
        rows = rows_for(max_memory, N_CH)

        def run():
            si.write_binary_recording(rec, file_paths=[out], dtype="float32", n_jobs=1, chunk_size=int(rows),
                                      progress_bar=False)
        seconds = timed(reps, run)
        os.remove(out)
    else:
        raise SystemExit(f"unknown case {case}")
    time.sleep(0.005)
    print(json.dumps({"case": case, "seconds": seconds, "bytes": size, "sink": sink[0], "peak_rss_kib": peak_rss_kib(),
                      "peak_anon_kib": PEAK_ANON_KIB[0], **extra}))


def peak_rss_kib():
    """VmHWM: this process's peak resident memory (getrusage would also count
    the forked driver's memory before exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main(sys.argv[1:])
