#!/usr/bin/env bash
# Runs bench.py in a fresh virtual environment holding this package, numpy
# and YASS 0.9's yass.batch (see tests/yass_original.py). Arguments go to
# bench.py: --size-gb, --reps, --dir.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
"${PYTHON:-python3}" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install --root-user-action=ignore "$here" numpy pyyaml tqdm multiprocess python-dateutil
"${pip[@]}" install --root-user-action=ignore --no-deps yass-algorithm==0.9
"$venv/bin/python" "$here/bench.py" "$@"
