#!/usr/bin/env bash
# The sharding examples against a single-process run, byte for byte:
# mpirun -np 2 and -np 4 (oversubscribed on small machines), a failing rank
# (the job fails and leaves nothing behind), and independent processes as
# Slurm job-array tasks would start them (NB_SHARD_* and SLURM_ARRAY_* variables).
#   run.sh MPIEXEC SHARD_APPLY MPI_APPLY
set -euo pipefail
mpiexec=$1 shard=$2 mpi=$3
# mpirun refuses to start as root without these (CI runs as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*" >&2; ls -A "$dir" >&2; exit 1; }
same() { cmp -s "$dir/single.bin" "$dir/$1.bin" && cmp -s "$dir/single.yaml" "$dir/$1.yaml" || fail "$1 differs from the single-process output"; }

"$shard" generate "$dir/rec.bin" 50000 >/dev/null         # 37 MB, 385 channels
"$shard" run "$dir/rec.bin" "$dir/single.bin" >/dev/null   # no sharding
for np in 2 4; do
  "$mpiexec" --oversubscribe -np "$np" "$mpi" "$dir/rec.bin" "$dir/mpi$np.bin" --max-memory 2MB
  same "mpi$np"
  echo "mpirun -np $np: byte-identical to the single-process output"
done

if "$mpiexec" --oversubscribe -np 4 "$mpi" "$dir/rec.bin" "$dir/fail.bin" --fail-rank 2 --max-memory 2MB 2>"$dir/job.log"; then
  fail "a failing rank must fail the job"
fi
grep -q "rank 2 failed" "$dir/job.log" || fail "the failing rank was not reported"
ls -A "$dir" | grep -qE "^fail\.|nbshard" && fail "pieces of the failed job were left behind"
echo "mpirun -np 4 with a failing rank: job failed, nothing left behind"

# Job-array style: independent processes, started together, told their shard.
pids=()
for k in 0 1 2; do NB_SHARD_INDEX=$k NB_SHARD_COUNT=3 "$shard" run "$dir/rec.bin" "$dir/env3.bin" >/dev/null & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a shard process failed"; done
"$shard" finish "$dir/env3.bin" 3 >/dev/null
same env3
pids=()
for id in 10 11 12 13 14; do
  SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_COUNT=5 "$shard" run "$dir/rec.bin" "$dir/slurm5.bin" >/dev/null & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a shard process failed"; done
"$shard" finish "$dir/slurm5.bin" 5 >/dev/null
same slurm5
echo "independent shard processes (NB_SHARD_*, SLURM_ARRAY_*): byte-identical"
echo "mpi and shard tests: 5 passed, 0 failed"
