#!/usr/bin/env bash
# The test command the README names: core purity check, then the whole test suite
# (unit tests, codec fuzzing, crypto vectors, simulation seed sweeps).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/check-core-purity.sh
swift build --build-tests
swift test --skip-build --parallel
