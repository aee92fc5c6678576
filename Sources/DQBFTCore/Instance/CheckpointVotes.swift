/// Signed checkpoints collected per replica until one state gathers a certificate.
///
/// Guarantees: memory stays bounded, at most 4 votes (the highest sequences) per
/// sender; a certificate comes only from `quorum` distinct senders signing the same
/// (sequence, state digest), and `isValid` accepts only such certificates or genesis;
/// no certificate lies above `SequenceNumber.highestStart`.
struct CheckpointVotes: Hashable, Sendable {
    var bySender: [ReplicaID: [SignedCheckpoint]] = [:]

    /// Records `c` (a sender's second vote at one sequence is ignored) and returns
    /// the certificate for `c`'s state once `quorum` senders signed it: the votes of
    /// the first `quorum` senders in id order.
    mutating func record(_ c: SignedCheckpoint, quorum: Int) -> CheckpointCertificate? {
        guard c.sequence <= .highestStart else { return nil }
        var list = bySender[c.sender] ?? []
        guard !list.contains(where: { $0.sequence == c.sequence }) else { return nil }
        list.append(c)
        list.sort { $0.sequence < $1.sequence }
        if list.count > 4 { list.removeFirst(list.count - 4) }
        bySender[c.sender] = list
        var matching: [SignedCheckpoint] = []
        for (_, votes) in bySender {
            if let m = votes.first(where: { $0.sequence == c.sequence && $0.stateDigest == c.stateDigest }) { matching.append(m) }
        }
        guard matching.count >= quorum else { return nil }
        matching.sort { $0.sender < $1.sender }
        return CheckpointCertificate(sequence: c.sequence, digest: c.stateDigest, proof: Array(matching.prefix(quorum)))
    }

    /// Forgets the votes at or below `seq` (a stable checkpoint).
    mutating func forget(through seq: SequenceNumber) {
        bySender = bySender.compactMapValues { votes in
            let kept = votes.filter { $0.sequence > seq }
            return kept.isEmpty ? nil : kept
        }
    }

    /// Checks a certificate's structure (signatures are checked before the core):
    /// the genesis state with no proof, or a checkpoint every `interval` slots signed
    /// by at least `quorum` distinct replicas below `replicaCount`, all for its state.
    static func isValid(_ cert: CheckpointCertificate, quorum: Int, genesis: Digest, interval: UInt64,
                        replicaCount: Int) -> Bool {
        if cert.sequence == .zero { return cert.proof.isEmpty && cert.digest == genesis }
        guard cert.sequence.rawValue % interval == 0, cert.sequence <= .highestStart else { return false }
        var signers = ReplicaSet()
        for c in cert.proof {
            guard c.sequence == cert.sequence, c.stateDigest == cert.digest, c.sender.index < replicaCount,
                  signers.insert(c.sender) else { return false }
        }
        return signers.count >= quorum
    }
}
