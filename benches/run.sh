#!/usr/bin/env bash
# The benchmark: builds neurobatch's side, installs the peers (numpy,
# SpikeInterface) into its own virtual environment, then runs benches/run.py.
#   bash benches/run.sh [--size-gb 2] [--reps 5] [--dir DIR] [--json PATH]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${NB_BENCH_VENV:-target/bench/venv}"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import numpy, spikeinterface' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check numpy==2.4.6 spikeinterface==0.105.3
fi
cargo build --release --locked --quiet --example nb_bench
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE slow numpy on some machines; the peers run without them.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" benches/run.py --python "$venv/bin/python" "$@"
