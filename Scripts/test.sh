#!/usr/bin/env bash
# The test command the README names: core purity check, then the whole test suite
# (unit tests, codec fuzzing, crypto vectors, simulation seed sweeps).
# Tests are built optimised (the seed sweeps run thousands of simulated seconds);
# -enable-testing keeps @testable imports working. A separate build folder keeps
# this configuration from invalidating the normal release build.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/check-core-purity.sh
python3 Scripts/check-core-layers.py
flags=(-c release -Xswiftc -enable-testing --scratch-path .build-tests)
swift build "${flags[@]}" --build-tests
swift test "${flags[@]}" --skip-build --parallel "$@"
