#!/usr/bin/env bash
# Mutation check of the test suite: runs, for every deliberate protocol bug in
# `Mutant` (Sources/DQBFTCore/Model/Mutant.swift), the tests that must catch it,
# with DQBFT_MUTANT set (the simulator breaks that one rule in every run), and
# reports each mutant as killed (some test failed) or SURVIVED.
# Usage: Scripts/mutants.sh [MUTANT ...]   (default: all; exit status 1 if one survives)
set -uo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing --scratch-path .build-tests)
swift build "${flags[@]}" --build-tests >/dev/null || exit 2

# mutant → the test filter expected to kill it
declare -A killers=(
  [pbft-prepare-quorum]="ProtocolRuleTests"
  [pbft-commit-quorum]="ProtocolRuleTests"
  [pbft-proposal-from-backup]="ProtocolRuleTests"
  [pbft-forget-prepared]="ProtocolRuleTests"
  [pbft-checkpoint-weak-quorum]="ProtocolRuleTests"
  [new-view-unvouched]="ProtocolRuleTests"
  [hybrid-weak-quorum]="EvenHybridClusterTests"
  [hybrid-skip-chain]="ProtocolRuleTests"
  [hybrid-prepare-from-backup]="ProtocolRuleTests"
  [hybrid-volatile-checkpoints]="HybridStallScenarioTests"
  [dq-execute-without-batch]="DQScenarioTests"
  [dq-no-noop-fill]="ProtocolRuleTests"
  [dq-queue-waits-for-executed]="DQStallScenarioTests"
  [dq-blocked-slot-unsuspected]="DQStallScenarioTests"
  [state-transfer-restarts-chunks]="StateTransferTests"
  [state-transfer-forgets-liars]="StateTransferTests"
)
mutants=("$@")
[ ${#mutants[@]} -eq 0 ] && mutants=($(printf '%s\n' "${!killers[@]}" | sort))
survived=0
for m in "${mutants[@]}"; do
  filter="${killers[$m]:-}"
  [ -z "$filter" ] && { echo "unknown mutant $m"; exit 2; }
  start=$(date +%s)
  if DQBFT_MUTANT="$m" swift test "${flags[@]}" --skip-build --parallel --filter "$filter" >"/tmp/mutant-$m.log" 2>&1; then
    verdict="SURVIVED"; survived=1
  else
    verdict="killed"
  fi
  printf '%-30s %-9s by %-28s (%ss, log /tmp/mutant-%s.log)\n' "$m" "$verdict" "$filter" "$(( $(date +%s) - start ))" "$m"
done
exit $survived
