#!/usr/bin/env bash
# Benchmarks the pure-Swift BLS12381 module against blst (via the pyblst PyPI
# package) on this machine and prints both sets of medians side by side.
#
# Usage: Scripts/bls/compare-blst.sh [iterations] [shares]
#        SKIP_BLST=1 Scripts/bls/compare-blst.sh ...   (reuse the last blst figures)
# Requires: python3; installs pyblst with pip if it is missing. The Swift side
# is measured by a temporary package that links Sources/BLS12381 and
# Benchmarks/BLS12381Benchmark and calls BLSBenchmark.run(). Both sides report
# median thread CPU time in µs.
set -euo pipefail
ITER="${1:-20}"
SHARES="${2:-49}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

python3 -c 'import pyblst' 2>/dev/null || python3 -m pip install --quiet pyblst

# The temporary package lives in a kept folder (covered by .gitignore's `.build*`)
# so repeated runs rebuild incrementally; BLSBENCH_DIR overrides its location.
WORK="${BLSBENCH_DIR:-$ROOT/.build-blsbench}"
mkdir -p "$WORK/Sources/blsbench"

echo "== blst (pyblst) =="
if [ -n "${SKIP_BLST:-}" ] && [ -s "$WORK/blst-bench.txt" ]; then
    cat "$WORK/blst-bench.txt"
else
    python3 "$ROOT/Scripts/bls/blst_bench.py" "$ITER" "$SHARES" | tee "$WORK/blst-bench.txt"
fi

echo "== Swift BLS12381 (release) =="
ln -sfn "$ROOT/Sources/BLS12381" "$WORK/Sources/BLS12381"
ln -sfn "$ROOT/Benchmarks/BLS12381Benchmark" "$WORK/Sources/BLS12381Benchmark"
CRYPTO="$(ls -d "$ROOT"/.build*/checkouts/swift-crypto 2>/dev/null | head -1 || true)"
if [ -n "$CRYPTO" ]; then DEP=".package(path: \"$CRYPTO\")"; else DEP='.package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0")'; fi
cat > "$WORK/Package.swift.new" <<PKG
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "blsbench",
    platforms: [.macOS(.v14)],
    dependencies: [$DEP],
    targets: [
        .target(name: "BLS12381", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "BLS12381Benchmark", dependencies: ["BLS12381"]),
        .executableTarget(name: "blsbench", dependencies: ["BLS12381Benchmark"]),
    ]
)
PKG
cat > "$WORK/Sources/blsbench/main.swift.new" <<'SWIFT'
import BLS12381Benchmark
let args = CommandLine.arguments
if args.count > 3 {
    // blsbench N SHARES NAME: run the case called NAME N times, untimed
    // (for instruction counting under callgrind, see count-instructions.sh).
    for c in BLSBenchmark.cases(shares: Int(args[2])!) where c.name == args[3] {
        for _ in 0..<Int(args[1])! { c.body() }
    }
} else {
    let results = BLSBenchmark.run(iterations: Int(args[1])!, shares: Int(args[2])!)
    for r in results { print("\(r.name): \(r.medianCPUMicroseconds) µs") }
}
SWIFT
# Replace the generated files only when they changed, so rebuilds stay incremental.
for f in Package.swift Sources/blsbench/main.swift; do
    if cmp -s "$WORK/$f.new" "$WORK/$f"; then rm "$WORK/$f.new"; else mv "$WORK/$f.new" "$WORK/$f"; fi
done
(cd "$WORK" && swift build -c release --product blsbench >/dev/null && .build/release/blsbench "$ITER" "$SHARES") | tee "$WORK/swift-bench.txt"

echo "== ratio (Swift / blst) =="
python3 - "$WORK/blst-bench.txt" "$WORK/swift-bench.txt" <<'PY'
import re, sys
def load(path):
    out = {}
    for line in open(path):
        m = re.match(r"(.+?): ([0-9.]+) µs", line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
blst, swift = load(sys.argv[1]), load(sys.argv[2])
pairs = [("pairing check (2 Miller loops + final exp)", "pairing check (2 Miller loops + final exp)"), ("Miller loop", "Miller loop"),
         ("hash-to-G2", "hash-to-G2"), ("sign", "sign"), ("verify", "verify"),
         ("public key decode (G1, with subgroup check)", "public key decode (G1, with subgroup check)"),
         ("signature decode (G2, with subgroup check)", "signature decode (G2, with subgroup check)")]
pairs += [(k, k) for k in blst if k.startswith("aggregate")]
for b, s in pairs:
    if b in blst and s in swift:
        print(f"{s}: swift {swift[s]:.1f} µs / blst {blst[b]:.1f} µs = {swift[s] / blst[b]:.2f}x")
PY
