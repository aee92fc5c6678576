/// The new primary's choice of what to re-propose after a view change (Castro–
/// Liskov's rule for MAC-authenticated PBFT), as a pure function so that backups
/// recompute it from the same view changes and reject a primary that lies.
///
/// Guarantees: if a payload may have committed at slot s in an earlier view, the
/// decision re-proposes exactly its digest at s (a quorum of view changes contains
/// f+1 correct replicas that prepared it); a no-op is chosen only when a quorum
/// reports nothing prepared; `nil` means "wait for more view changes".
public enum NewViewDecision {
    public struct Result: Hashable, Sendable {
        public var startSequence: SequenceNumber
        public var startDigest: Digest
        public var proposals: [Digest]
    }

    public static func decide(_ viewChanges: [SignedViewChange], config: ClusterConfiguration,
                              windowSize: UInt64) -> Result? {
        guard viewChanges.count >= config.quorum,
              let best = viewChanges.max(by: { $0.viewChange.stableSequence < $1.viewChange.stableSequence })
        else { return nil }
        let start = best.viewChange.stableSequence
        let limit = start.adding(slots: windowSize)
        var prepared: [[SequenceNumber: SlotClaim]] = []
        var prePrepared: [[SequenceNumber: [SlotClaim]]] = []
        var maxSeq = start
        for signed in viewChanges {
            var p: [SequenceNumber: SlotClaim] = [:]
            for c in signed.viewChange.prepared where c.sequence > start && c.sequence <= limit {
                if let old = p[c.sequence], !Self.precedes(old, c) { continue }
                p[c.sequence] = c
                maxSeq = max(maxSeq, c.sequence)
            }
            var q: [SequenceNumber: [SlotClaim]] = [:]
            for c in signed.viewChange.prePrepared where c.sequence > start && c.sequence <= limit {
                q[c.sequence, default: []].append(c)
            }
            prepared.append(p)
            prePrepared.append(q)
        }
        var proposals: [Digest] = []
        // Counted, not `while seq <= maxSeq`: maxSeq may be the largest slot there is.
        for k in 0..<maxSeq.slots(after: start) {
            let seq = start.adding(slots: k + 1)
            let claims = prepared.map { $0[seq] }
            var candidates = Array(Set(claims.compactMap { $0 }.map { Candidate(view: $0.view, digest: $0.digest) }))
            candidates.sort { ($0.view, $0.digest.w0, $0.digest.w1) > ($1.view, $1.digest.w0, $1.digest.w1) }
            var chosen: Digest?
            for cand in candidates {
                // A1: a quorum did not prepare anything that contradicts (view, digest).
                let consistent = claims.count { claim in
                    guard let claim else { return true }
                    return claim.view < cand.view || (claim.view == cand.view && claim.digest == cand.digest)
                }
                // A2: f+1 pre-prepared it in this view or later, so a correct replica has it.
                let vouched = viewChanges.indices.count { i in
                    if let p = prepared[i][seq], p.digest == cand.digest, p.view >= cand.view { return true }
                    return prePrepared[i][seq]?.contains { $0.digest == cand.digest && $0.view >= cand.view } ?? false
                }
                let enough = vouched >= config.weakQuorum || config.mutated(.newViewUnvouched)
                if consistent >= config.quorum && enough { chosen = cand.digest; break }
            }
            if chosen == nil {
                guard claims.count(where: { $0 == nil }) >= config.quorum else { return nil }
                chosen = Payload.noop.digest
            }
            proposals.append(chosen!)
        }
        return Result(startSequence: start, startDigest: best.viewChange.stableDigest, proposals: proposals)
    }

    struct Candidate: Hashable {
        var view: ViewNumber
        var digest: Digest
    }

    /// Orders two claims for the same slot: higher view wins, then the smaller digest.
    static func precedes(_ a: SlotClaim, _ b: SlotClaim) -> Bool {
        (a.view, a.digest.w0, a.digest.w1) < (b.view, b.digest.w0, b.digest.w1)
    }
}
