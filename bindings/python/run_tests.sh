#!/usr/bin/env bash
# The Python package's tests, as CI runs them: a fresh virtual environment
# in a temporary folder, `pip install` of this package (maturin builds the
# extension with cargo), pytest, numpy, tqdm and YASS 0.9's yass.batch for
# the differential tests; then pytest with every optional test required.
#
#   bash bindings/python/run_tests.sh            # with python3
#   PYTHON=python3.9 bash bindings/python/run_tests.sh
#
# Needs: a Python >= 3.9 with venv, cargo, and the package registry.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
SECONDS=0

"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install --root-user-action=ignore "$here" pytest numpy tqdm
# YASS 0.9 itself, for test_yass_differential.py: only what yass.batch imports
# (its package also declares tensorflow, scipy, scikit-learn...: not needed).
"${pip[@]}" install --root-user-action=ignore pyyaml multiprocess python-dateutil
"${pip[@]}" install --root-user-action=ignore --no-deps yass-algorithm==0.9
echo "installed in ${SECONDS}s"

# Run from the tests folder, so the installed package (not the source tree) is imported.
cd "$here/tests"
NEUROBATCH_STRICT_TESTS=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
echo "python tests: ${SECONDS}s in all"
