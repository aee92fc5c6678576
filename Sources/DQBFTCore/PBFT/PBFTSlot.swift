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
    var prepares = VoteTally()
    var commits = VoteTally()
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
        prepares.insert(primary, for: key)
        prepares.insert(me, for: key)
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
        commits.insert(me, for: key)
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

/// The voters of one phase of one slot, by `(view, digest)`. A slot almost always
/// sees one key, two after a view change or under an equivocating primary, so a
/// short list searched in order is cheaper than a hash table (no hashing of the
/// 40-byte key for every vote).
///
/// Guarantees: a voter counts once per key however often it votes.
struct VoteTally {
    private(set) var entries: [(key: PBFTSlot.VoteKey, voters: ReplicaSet)] = []

    /// The voters for `key`, nil if nobody voted for it.
    subscript(key: PBFTSlot.VoteKey) -> ReplicaSet? {
        for e in entries where e.key == key { return e.voters }
        return nil
    }

    /// Counts `voter` for `key`; true if it had not voted for it before.
    @discardableResult
    mutating func insert(_ voter: ReplicaID, for key: PBFTSlot.VoteKey) -> Bool {
        for i in entries.indices where entries[i].key == key { return entries[i].voters.insert(voter) }
        entries.append((key, ReplicaSet([voter])))
        return true
    }
}
