#!/usr/bin/env bash
# The protocol core must stay pure: no networking, no clock, no unseeded randomness,
# no file I/O. Fails listing the offending lines.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='import (NIO|Network|Dispatch)|Date\(\)|DispatchTime|ContinuousClock|SuspendingClock|clock_gettime|gettimeofday|\.random\(|SystemRandomNumberGenerator|FileManager|FileHandle|fopen|URLSession|Thread\.|ProcessInfo'
if grep -rnE "$pattern" Sources/DQBFTCore; then
  echo "error: the protocol core (Sources/DQBFTCore) must not do I/O, read clocks or use unseeded randomness" >&2
  exit 1
fi
echo "core purity: ok"
