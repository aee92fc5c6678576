#!/usr/bin/env bash
# Benchmarks the pure-Swift BLS12381 module against blst (via the pyblst PyPI
# package) on this machine and prints both sets of medians side by side.
#
# Usage: Scripts/bls/compare-blst.sh [iterations] [shares]
# Requires: python3; installs pyblst with pip if it is missing. The Swift side
# is measured by a temporary package that links Sources/BLS12381 and calls
# BLSBenchmark.run(). Both sides report median thread CPU time in µs.
set -euo pipefail
ITER="${1:-20}"
SHARES="${2:-49}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

python3 -c 'import pyblst' 2>/dev/null || python3 -m pip install --quiet pyblst

echo "== blst (pyblst) =="
python3 "$ROOT/Scripts/bls/blst_bench.py" "$ITER" "$SHARES" | tee /tmp/blst-bench.txt

echo "== Swift BLS12381 (release) =="
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/Sources/blsbench"
ln -s "$ROOT/Sources/BLS12381" "$WORK/Sources/BLS12381"
CRYPTO="$(ls -d "$ROOT"/.build*/checkouts/swift-crypto 2>/dev/null | head -1 || true)"
if [ -n "$CRYPTO" ]; then DEP=".package(path: \"$CRYPTO\")"; else DEP='.package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0")'; fi
cat > "$WORK/Package.swift" <<PKG
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "blsbench",
    platforms: [.macOS(.v14)],
    dependencies: [$DEP],
    targets: [
        .target(name: "BLS12381", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "blsbench", dependencies: ["BLS12381"]),
    ]
)
PKG
cat > "$WORK/Sources/blsbench/main.swift" <<'SWIFT'
import BLS12381
let args = CommandLine.arguments
let results = BLSBenchmark.run(iterations: Int(args[1])!, shares: Int(args[2])!)
for r in results { print("\(r.name): \(r.medianCPUMicroseconds) µs") }
SWIFT
(cd "$WORK" && swift build -c release --product blsbench >/dev/null && .build/release/blsbench "$ITER" "$SHARES") | tee /tmp/swift-bls-bench.txt

echo "== ratio (Swift / blst) =="
python3 - <<'PY'
import re
def load(path):
    out = {}
    for line in open(path):
        m = re.match(r"(.+?): ([0-9.]+) µs", line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
blst, swift = load("/tmp/blst-bench.txt"), load("/tmp/swift-bls-bench.txt")
pairs = [("pairing check (2 Miller loops + final exp)", "pairing check (2 Miller loops + final exp)"), ("Miller loop", "Miller loop"),
         ("hash-to-G2", "hash-to-G2"), ("sign", "sign"), ("verify", "verify"),
         ("public key decode (G1, with subgroup check)", "public key decode (G1, with subgroup check)"),
         ("signature decode (G2, with subgroup check)", "signature decode (G2, with subgroup check)")]
pairs += [(k, k) for k in blst if k.startswith("aggregate")]
for b, s in pairs:
    if b in blst and s in swift:
        print(f"{s}: swift {swift[s]:.1f} µs / blst {blst[b]:.1f} µs = {swift[s] / blst[b]:.2f}x")
PY
