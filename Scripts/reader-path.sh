#!/usr/bin/env bash
# Usage: Scripts/reader-path.sh [REPO_DIR]   (issue 23's acceptance: measure before and after)
#
# Reader path: the DQBFTCore files a reader opens to follow one request, client request →
# batch → instance → commit → execution → reply. Method: a fixed list of declarations met
# on that path (types: where `struct/enum/class/protocol/typealias NAME` is declared;
# `Type.func`: the file(s) declaring `func NAME` in an extension or body of Type). The
# same list is resolved before and after a change (a name not declared yet resolves to
# nothing; Destiny: plus the type of HybridParameters.base); we count distinct files,
# folders and lines.
cd "${1:-.}/Sources/DQBFTCore"
common="Replica Replica.onRequest Replica.proposeBatches Replica.absorb Replica.carryOut Replica.execute Replica.replied
ReplicaParameters ReplicaEffect ClientRequest ClientReply Batch ClientTable StateMachine KeyValueStore ExecutionMemo
Composition CompositionOutput ProtocolKind ConsensusInstance InstanceEffect InstanceTimer SlotWindow
Payload ConsensusMessage WireMessage SignedCheckpoint CheckpointCertificate CheckpointVotes PayloadFetcher
Digest SequenceNumber ClusterConfiguration ReplicaSet"
pbft="SinglePrimaryComposition PBFTInstance PBFTInstance.propose PBFTInstance.onPrePrepare PBFTInstance.checkPrepared
PBFTInstance.tryDeliver PBFTInstance.checkpoint PBFTInstance.makeStable PBFTSlot VoteTally PBFTParameters InstanceParameters PrePrepare Vote"
destiny="DQComposition DQComposition.absorbD DQComposition.proposeOrder DQComposition.absorbO DQComposition.executeReady
DQParameters OrderBatch HybridInstance HybridInstance.propose HybridInstance.onPrepare HybridInstance.shareInOrder
HybridInstance.tryCombine HybridInstance.tryDeliver HybridInstance.checkpoint HybridInstance.makeStable HybridSlot
HybridParameters CommitPattern HybridPrepare HybridCommit HybridCommitProof CounterCertifier ExecutionCertifier ReplyProof
$(grep -ho "var base: [A-Za-z]*" Hybrid/*.swift | cut -d" " -f3)"
resolve() {
  for d in $1; do
    if [[ $d == *.* ]]; then
      t=${d%%.*}; f=${d#*.}
      grep -lE "(struct|extension|enum) $t\b" -r . --include=*.swift | xargs grep -lE "func $f\b" 
    else
      grep -lE "^(public |package )?(final )?(struct|enum|class|protocol|typealias) $d\b" -r . --include=*.swift
    fi | sed 's|^\./||'
  done | sort -u
}
for name in pbft destiny; do
  files=$(resolve "$common ${!name}")
  n=$(echo "$files" | wc -l); lines=$(cat $files | wc -l)
  folders=$(echo "$files" | xargs -n1 dirname | sort -u | tr '\n' ' ')
  echo "$name: $n files, $lines lines, folders: $folders"
  echo "$files" | xargs wc -l | grep -v total | sed 's/^/   /'
done
