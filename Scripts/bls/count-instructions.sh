#!/usr/bin/env bash
# Counts the instructions one run of a BLSBenchmark case executes, under
# valgrind's callgrind (repeatable on a noisy machine, unlike timings).
#
# Usage: Scripts/bls/count-instructions.sh "case name" [shares] [more case names…]
# Needs the release binary built by compare-blst.sh (in .build-blsbench). The
# count is instr(2 runs) − instr(1 run), so the shared setup cancels out.
set -euo pipefail
SHARES="${2:-49}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${BLSBENCH_DIR:-$ROOT/.build-blsbench}"
# Valgrind cannot read the DWARF the Swift toolchain emits; symbols suffice.
BIN="$WORK/blsbench-stripped"
strip -g -o "$BIN" "$WORK/.build/release/blsbench"
NAMES=("$1")
if [ $# -gt 2 ]; then NAMES+=("${@:3}"); fi
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$1" "$SHARES" "$NAME" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for NAME in "${NAMES[@]}"; do
    one="$(count 1)"
    two="$(count 2)"
    echo "$NAME: $((two - one)) instructions"
done
