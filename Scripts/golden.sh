#!/usr/bin/env bash
# Golden simulation reports: behaviour must not change across a refactor.
#
#   Scripts/golden.sh record [NAME...]   run every line of Tests/Golden/runs.txt (or the
#                                        named ones) and write Tests/Golden/NAME.json
#   Scripts/golden.sh check  [NAME...]   run them again and compare byte by byte; prints
#                                        the first differing lines and the replay command
#                                        of each mismatch, exits 1 on any difference
#
# Each run is `dqbft simulate FLAGS --json`. The stored report is the JSON line with the
# fields that do not come from the options and seed removed:
#   - wall_s   (wall-clock time of the run; events/sec is derived from it and is not in
#               the JSON),
#   - version  (DQBFTVersion.current: a version bump must not fail the check).
# Every other field is a function of the flags and seed (SimulationReport's contract).
# The line is then broken after `{` and `,` before each key so that a diff names the
# field; the Swift test (GoldenReportTests) applies the same transformation.
# The binary is .build-tests/release/dqbft (override with DQBFT=path).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case "$mode" in record|check) shift ;; *) echo "usage: Scripts/golden.sh record|check [NAME...]" >&2; exit 64 ;; esac
bin=${DQBFT:-.build-tests/release/dqbft}
[ -x "$bin" ] || { echo "error: $bin not built (swift build -c release ... --scratch-path .build-tests)" >&2; exit 2; }
runs=Tests/Golden/runs.txt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A deliberate bug or a trace must not leak into the reports.
unset DQBFT_MUTANT DQBFT_TRACE DQBFT_TRACE_CLIENT DQBFT_DEBUG

canonical() {
  sed -e 's/"version":"[^"]*",//' -e 's/,"wall_s":[^,}]*//' -e 's/,"/,\n"/g' -e 's/{"/{\n"/g'
}

set -f  # flags hold '|' and '*'-free text; no globbing, split on blanks only
failed=0 ran=0 start=$SECONDS
declare -A wanted=()
for n in "$@"; do wanted[$n]=1; done
while read -r name flags; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  [[ $# -gt 0 && -z "${wanted[$name]:-}" ]] && continue
  ran=$((ran + 1))
  replay="$bin simulate $flags --json"
  rc=0
  # shellcheck disable=SC2086
  nice -n 10 "$bin" simulate $flags --json >"$out/$name.raw" 2>"$out/$name.err" </dev/null || rc=$?
  # 0 safe and live, 1 safety violation, 4 stalled: all are reports worth pinning.
  if [[ $rc -ne 0 && $rc -ne 1 && $rc -ne 4 ]] || ! grep -q '"wall_s"' "$out/$name.raw"; then
    echo "FAIL $name: exit $rc, no report"; head -5 "$out/$name.err"; echo "  replay: $replay"
    failed=$((failed + 1)); continue
  fi
  canonical <"$out/$name.raw" >"$out/$name.json"
  if [[ $mode == record ]]; then
    cp "$out/$name.json" "Tests/Golden/$name.json"
    echo "recorded $name (exit $rc)"
  elif [[ ! -f "Tests/Golden/$name.json" ]]; then
    echo "FAIL $name: no Tests/Golden/$name.json (run Scripts/golden.sh record $name)"
    failed=$((failed + 1))
  elif ! cmp -s "Tests/Golden/$name.json" "$out/$name.json"; then
    echo "FAIL $name: report differs from Tests/Golden/$name.json"
    diff -u "Tests/Golden/$name.json" "$out/$name.json" | sed -n '3,200p' | grep '^[-+]' | head -12 | sed 's/^/  /' || true
    echo "  replay: $replay"
    failed=$((failed + 1))
  else
    echo "ok $name"
  fi
done <"$runs"
echo "golden $mode: $ran runs, $failed failed, $((SECONDS - start)) s"
[[ $ran -gt 0 ]] || { echo "error: no run matched" >&2; exit 1; }
[[ $failed -eq 0 ]]
