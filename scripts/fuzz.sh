#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (default 30 s each;
# FUZZ_SECONDS overrides) starting from the corpus kept in fuzz/corpus/, which
# is only read: new inputs go to a temporary directory. Uses the nightly
# toolchain with AddressSanitizer when it is installed, else stable without a
# sanitizer (`-s none`: still coverage-guided, still catches panics and
# aborts). Installs cargo-fuzz when missing. Exits non-zero on any crash; the
# crashing input is left in fuzz/artifacts/<target>/.
#   bash scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
seconds=${FUZZ_SECONDS:-30}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly); sanitizer=()
  echo "fuzzing with nightly ($(rustup run nightly rustc --version)), AddressSanitizer"
else
  toolchain=(+stable); sanitizer=(-s none)
  echo "no nightly toolchain: fuzzing with stable, no sanitizer"
fi
targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cargo "${toolchain[@]}" fuzz run "${sanitizer[@]}" "$t" "$work/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>"$work/$t.log" || { tail -40 "$work/$t.log"; echo "fuzz target $t FAILED" >&2; exit 1; }
  runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$t.log")
  echo "fuzz target $t: ${runs:-?} executions in ${seconds} s, no crash"
  total=$((total + ${runs:-0}))
done
echo "fuzzing: $total executions over ${#targets[@]} targets, no crash"
