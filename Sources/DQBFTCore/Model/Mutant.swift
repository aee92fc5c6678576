/// Deliberate protocol bugs, to check that the test suite catches each one (a
/// mutation check of the tests, not a feature): with `ClusterConfiguration.mutant`
/// set, exactly one rule of one protocol is broken as its case describes. Every
/// real deployment leaves it nil; `Scripts/mutants.sh` runs the suite's killing
/// tests once per mutant (the simulator reads `DQBFT_MUTANT`) and expects each to fail.
///
/// Guarantees: with `mutant == nil` no behaviour changes; each case changes only
/// the one check it names.
public enum Mutant: String, Sendable, Hashable, CaseIterable {
    /// PBFT: a slot is prepared with one PREPARE fewer than a quorum.
    case pbftPrepareQuorum = "pbft-prepare-quorum"
    /// PBFT: a slot commits with one COMMIT fewer than a quorum.
    case pbftCommitQuorum = "pbft-commit-quorum"
    /// PBFT: a backup accepts a PRE-PREPARE from any replica, not only the primary.
    case pbftProposalFromBackup = "pbft-proposal-from-backup"
    /// PBFT: a VIEW-CHANGE reports no prepared slot (forgets what it prepared).
    case pbftForgetPrepared = "pbft-forget-prepared"
    /// PBFT: a checkpoint becomes stable with f+1 signatures instead of a quorum.
    case pbftCheckpointWeakQuorum = "pbft-checkpoint-weak-quorum"
    /// PBFT: the NEW-VIEW rule re-proposes a prepared digest without f+1 replicas vouching for it.
    case newViewUnvouched = "new-view-unvouched"
    /// Hybrid: quorums of f+1 whatever N (the even-N bug).
    case hybridWeakQuorum = "hybrid-weak-quorum"
    /// Hybrid: a VIEW-CHANGE's continuing chain is not checked link by link.
    case hybridSkipChain = "hybrid-skip-chain"
    /// Hybrid: a backup accepts a PREPARE certified by any replica, not only the primary.
    case hybridPrepareFromBackup = "hybrid-prepare-from-backup"
    /// Hybrid: a replica does not log its checkpoint states, so a restart loses them.
    case hybridVolatileCheckpoints = "hybrid-volatile-checkpoints"
    /// DQ: an O-slot executes without the batches of D-slots that have not committed here.
    case dqExecuteWithoutBatch = "dq-execute-without-batch"
    /// DQ: D-slots that were ordered but never disseminated are not filled with no-ops.
    case dqNoNoopFill = "dq-no-noop-fill"
    /// DQ: an O-primary's queue does not step over D-slots that executed before it saw them.
    case dqQueueWaitsForExecuted = "dq-queue-waits-for-executed"
    /// DQ: execution blocked on a D-slot nobody re-sends never suspects its coordinator.
    case dqBlockedSlotUnsuspected = "dq-blocked-slot-unsuspected"
    /// State transfer: a replica that moves on to another source drops the chunks it holds.
    case stateTransferRestartsChunks = "state-transfer-restarts-chunks"
    /// State transfer: after a state that failed its digest check, no source is distrusted.
    case stateTransferForgetsLiars = "state-transfer-forgets-liars"
}
