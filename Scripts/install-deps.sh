#!/usr/bin/env bash
# Installs what the build and tests need beyond a Swift 6 toolchain.
# The Swift build itself needs no system packages; the BLS cross-check test uses
# the py-ecc Python package when it is available (it is skipped otherwise).
set -euo pipefail
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 from https://swift.org" >&2; exit 1; }
if command -v python3 >/dev/null; then
  python3 -c 'import py_ecc' 2>/dev/null || python3 -m pip install --quiet py_ecc || echo "note: py_ecc not installed; the BLS cross-check will be skipped" >&2
fi
