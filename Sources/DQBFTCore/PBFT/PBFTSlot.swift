/// Everything one replica knows about one slot of a PBFT instance.
struct PBFTSlot {
    struct VoteKey: Hashable {
        var view: ViewNumber
        var digest: Digest
    }

    /// The proposal accepted in `acceptedView` (a PRE-PREPARE or a NEW-VIEW entry).
    var acceptedView: ViewNumber?
    var acceptedDigest: Digest?
    /// Payloads seen for this slot, by digest (a faulty primary may send several).
    var payloads: [Digest: Payload] = [:]
    var prepares: [VoteKey: ReplicaSet] = [:]
    var commits: [VoteKey: ReplicaSet] = [:]
    /// Highest view in which this replica prepared the slot, and the digest.
    var preparedView: ViewNumber?
    var preparedDigest: Digest?
    /// Set once a quorum of COMMITs matched: the slot's value is decided.
    var committedDigest: Digest?
    /// Whether this replica sent COMMIT in `acceptedView`.
    var sentCommit = false

    func payload(for digest: Digest) -> Payload? {
        if digest == Payload.noop.digest { return .noop }
        return payloads[digest]
    }
}

/// A checkpoint certificate: a quorum of signed checkpoints for one state.
public struct CheckpointCertificate: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var digest: Digest
    public var proof: [SignedCheckpoint]
}
