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

    /// Accepts `digest` as view `view`'s proposal (led by `primary`) and counts the
    /// primary's and this replica's PREPAREs.
    mutating func accept(_ digest: Digest, view: ViewNumber, primary: ReplicaID, me: ReplicaID, payload: Payload?) {
        acceptedView = view
        acceptedDigest = digest
        sentCommit = false
        if let payload { payloads[digest] = payload }
        let key = VoteKey(view: view, digest: digest)
        prepares[key, default: ReplicaSet()].insert(primary)
        prepares[key, default: ReplicaSet()].insert(me)
    }

    /// If the proposal accepted in `view` has a quorum of PREPAREs and this replica
    /// has not yet committed to it: marks it prepared, counts this replica's
    /// COMMIT and returns the digest to COMMIT.
    mutating func prepareIfReady(view: ViewNumber, quorum: Int, me: ReplicaID) -> Digest? {
        guard acceptedView == view, let digest = acceptedDigest, !sentCommit else { return nil }
        let key = VoteKey(view: view, digest: digest)
        guard (prepares[key]?.count ?? 0) >= quorum else { return nil }
        preparedView = view
        preparedDigest = digest
        sentCommit = true
        commits[key, default: ReplicaSet()].insert(me)
        return digest
    }

    /// Marks the slot decided if `key` has a quorum of COMMITs; true if it just was.
    mutating func commitIfReady(_ key: VoteKey, quorum: Int) -> Bool {
        guard committedDigest == nil, (commits[key]?.count ?? 0) >= quorum else { return false }
        committedDigest = key.digest
        return true
    }

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
