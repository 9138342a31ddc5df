#!/usr/bin/env bash
# How a sharded apply scales with MPI ranks on this machine: a common
# average reference (int16 -> float32, 385 channels) over a generated
# recording, single process vs mpirun -np 1, 2, 4 (oversubscribed beyond the
# cores). The recording is read from the page cache (generated just before),
# and both it and the output live in NB_BENCH_DIR (default /dev/shm, RAM),
# so this measures the apply and its writes, not the disk. Ranks are not
# bound to cores (--bind-to none): each rank runs two threads (the apply
# and its output writer), which Open MPI's default binding would squeeze
# onto one core.
#   bash benches/mpi_scaling.sh [size_mb]     (default 2000; needs build/ from test-all.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
size_mb=${1:-2000}
shard=build/example_shard_apply mpi=build/example_mpi_apply
[[ -x $shard && -x $mpi ]] || { echo "build the examples first: bash scripts/test-all.sh (or cmake --build build)" >&2; exit 1; }
dir=$(mktemp -d "${NB_BENCH_DIR:-/dev/shm}/nb-mpi-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
n_obs=$((size_mb * 1048576 / 770))
calc() { awk "BEGIN { print $* }"; }
"$shard" generate "$dir/rec.bin" "$n_obs" >/dev/null
cat "$dir/rec.bin" >/dev/null  # into the page cache
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
reps=${NB_BENCH_REPS:-5}
single=$(for rep in $(seq "$reps"); do
  t0=$(date +%s.%N)
  "$shard" run "$dir/rec.bin" "$dir/single.bin" >/dev/null
  calc "$(date +%s.%N) - $t0"
  rm -f "$dir/single.bin" "$dir/single.yaml"
done | median)
printf '| processes | wall time (s, median) | input MB/s | vs single process |\n|---|---|---|---|\n'
printf '| 1 (no MPI, no sharding) | %.2f | %.0f | 1.00 |\n' "$single" "$(calc "$size_mb / $single")"
for np in 1 2 4; do
  best=$(for rep in $(seq "$reps"); do
    line=$(mpirun --oversubscribe --bind-to none -np "$np" "$mpi" "$dir/rec.bin" "$dir/out.bin")
    sed -n 's/^ranks [0-9]*: \([0-9.]*\) s.*/\1/p' <<<"$line"
    rm -f "$dir/out.bin" "$dir/out.yaml"
  done | median)
  printf '| mpirun -np %d | %.2f | %.0f | %.2f |\n' "$np" "$best" "$(calc "$size_mb / $best")" "$(calc "$single / $best")"
done
echo "($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, ${size_mb} MB recording, median of $reps runs each, output on $(df -T "$dir" | awk 'NR==2 {print $2}'))"
