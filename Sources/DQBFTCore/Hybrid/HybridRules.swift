/// The structural rules of hybrid view changes, as pure functions (certificates
/// themselves are verified by the shell before the core sees a message).
///
/// Guarantees: `isValid` accepts a VIEW-CHANGE only if its continuing-certificate
/// chain links the value its evidence is complete for to `(newView, 0, 0)` and the
/// evidence holds a PREPARE for every slot up to that value — so a replica that
/// committed a slot cannot leave it out — and speaks only for slots within
/// `maxClaimSpan` of where it starts, so `decide` covers at most that many slots.
/// `decide` is deterministic: every correct replica computes the same decision from
/// the same view changes.
public enum HybridRules {
    /// Most slots a view change's evidence may speak for beyond the highest start it
    /// shows (its checkpoint, its NEW-VIEWs' starts), and so the most proposals a
    /// NEW-VIEW built from valid view changes carries. A correct replica's claims lie
    /// within its window (`InstanceParameters.maxWindowSize` at most) of its checkpoint,
    /// and its NEW-VIEWs' decisions within this span of their starts. Without the
    /// bound, one Byzantine replica could claim a PREPARE its primary certified near
    /// the last countable slot and make every replica that checks its view change
    /// build a decision of 2^39 slots.
    public static let maxClaimSpan = InstanceParameters.maxWindowSize

    /// Whether `vc` is well-formed for instance `primaryOf` (primary of each view).
    public static func isValid(_ vc: HybridViewChange, config: ClusterConfiguration,
                               primaryOf: (ViewNumber) -> ReplicaID) -> Bool {
        let e = vc.evidence
        guard vc.sender.index < config.replicaCount, let last = vc.chain.last,
              last.value == CounterValue(view: vc.newView, phase: .viewChange, sequence: .zero) else { return false }
        // The chain: each link is a continuing certificate of the sender that left
        // the previous link's value (or a view-change-phase value of the same view,
        // such as the NEW-VIEW a primary certified but that never committed).
        var expected = e.counter
        for (i, c) in vc.chain.enumerated() where !config.mutated(.hybridSkipChain) {
            guard c.signer == vc.sender, let prev = c.previous, c.value > prev else { return false }
            if i == 0 {
                guard prev == expected else { return false }
            } else {
                guard prev == expected || (prev.view == expected.view && prev.phase == .viewChange && prev > expected)
                else { return false }
            }
            expected = c.value
        }
        // The evidence's counter is where the sender left an installed view.
        guard e.counter == .zero || (e.counter.phase == .ordering && e.counter.view == e.view) else { return false }
        var low = e.stableSequence
        if let inst = e.installed {
            let d = inst.decision
            guard d.view > .zero, inst.certificate.signer == primaryOf(d.view),
                  inst.certificate.value == CounterValue(view: d.view, phase: .viewChange, sequence: SequenceNumber(1)),
                  inst.commitProof.value == CounterValue(view: d.view, phase: .ordering, sequence: d.end)
            else { return false }
            low = max(low, d.end)
        }
        if let nv = e.acknowledged {
            // Acknowledged, never seen committed: the counter stopped at the
            // acknowledgement, nothing was prepared in that view, and the decision
            // is the one its view changes force.
            let d = nv.decision
            guard d.view > (e.installed?.decision.view ?? .zero), d.view < vc.newView, e.prepares.isEmpty,
                  e.counter == CounterValue(view: d.view, phase: .ordering, sequence: d.end),
                  isJustified(nv, config: config, primaryOf: primaryOf)
            else { return false }
            low = max(low, d.end)
        } else if e.installed == nil && e.counter.view != .zero {
            return false
        }
        // Every claim lies within `maxClaimSpan` of the highest start the evidence shows.
        guard e.stableSequence <= .highestStart else { return false }
        var reach = e.stableSequence
        for d in [e.installed?.decision, e.acknowledged?.decision].compactMap({ $0 }) {
            guard d.isBounded else { return false }
            reach = max(reach, d.startSequence)
        }
        guard e.prepares.allSatisfy({ $0.sequence.slots(after: reach) <= maxClaimSpan }) else { return false }
        // PREPAREs of the installed view: increasing, certified by its primary, and
        // complete up to the counter's sequence. Claims above the counter (PREPAREs
        // received but never shared) may have gaps, but only once every slot up to
        // the counter is covered: otherwise a replica could hide the slots it
        // committed below by showing one PREPARE above them.
        let primary = primaryOf(e.view)
        var next = low.advanced(by: 1)
        for p in e.prepares {
            guard p.sequence > low, p.certificate.signer == primary,
                  p.certificate.value == CounterValue(view: e.view, phase: .ordering, sequence: p.sequence) else { return false }
            if p.sequence <= e.counter.sequence {
                guard p.sequence == next else { return false }
            } else {
                guard p.sequence >= next, next > e.counter.sequence else { return false }
            }
            next = p.sequence.advanced(by: 1)
        }
        if e.counter.sequence > low && next <= e.counter.sequence { return false }
        return true
    }

    /// Whether `nv` is a NEW-VIEW its view's primary certified, built from a quorum of valid
    /// view changes of distinct replicas, whose decision is the one they force.
    public static func isJustified(_ nv: HybridNewView, config: ClusterConfiguration,
                                   primaryOf: (ViewNumber) -> ReplicaID) -> Bool {
        isJustified(nv, config: config, primaryOf: primaryOf, accepts: { isValid($0, config: config, primaryOf: primaryOf) })
    }

    /// `isJustified` with the view changes' check given (a replica also checks their
    /// checkpoint proofs).
    public static func isJustified(_ nv: HybridNewView, config: ClusterConfiguration,
                                   primaryOf: (ViewNumber) -> ReplicaID,
                                   accepts: (HybridViewChange) -> Bool) -> Bool {
        let v = nv.view
        guard nv.certificate.signer == primaryOf(v),
              nv.certificate.value == CounterValue(view: v, phase: .viewChange, sequence: SequenceNumber(1)) else { return false }
        var senders = ReplicaSet()
        for vc in nv.viewChanges {
            guard vc.newView == v, senders.insert(vc.sender),
                  accepts(vc) else { return false }
        }
        return senders.count >= config.quorum && decide(nv.viewChanges, view: v) == nv.decision
    }

    /// The decision a NEW-VIEW for `view` must carry given a quorum of valid view changes:
    /// start at the highest checkpoint any of them proves; for every later slot take
    /// the digest of the highest view that prepared or decided it; no-op for gaps.
    public static func decide(_ viewChanges: [HybridViewChange], view: ViewNumber) -> HybridDecision {
        var start: (SequenceNumber, Digest) = (.zero, Digest.zero)
        var startSet = false
        func consider(_ s: SequenceNumber, _ d: Digest) {
            if !startSet || s > start.0 || (s == start.0 && d.precedes(start.1)) { start = (s, d); startSet = true }
        }
        for vc in viewChanges {
            consider(vc.evidence.stableSequence, vc.evidence.stableDigest)
            if let inst = vc.evidence.installed { consider(inst.decision.startSequence, inst.decision.startDigest) }
            if let nv = vc.evidence.acknowledged { consider(nv.decision.startSequence, nv.decision.startDigest) }
        }
        var best: [SequenceNumber: (view: ViewNumber, digest: Digest)] = [:]
        func claim(_ s: SequenceNumber, _ v: ViewNumber, _ d: Digest) {
            // Valid view changes claim nothing beyond the span (`isValid`); the bound
            // here only keeps unchecked input from building an unbounded decision.
            guard s > start.0, s.slots(after: start.0) <= maxClaimSpan else { return }
            if let b = best[s], b.view > v || (b.view == v && !d.precedes(b.digest)) { return }
            best[s] = (v, d)
        }
        for vc in viewChanges {
            let e = vc.evidence
            for decision in [e.installed?.decision, e.acknowledged?.decision].compactMap({ $0 }) {
                for (i, d) in decision.proposals.enumerated() {
                    claim(decision.startSequence.advanced(by: Int64(i + 1)), decision.view, d)
                }
            }
            for p in e.prepares { claim(p.sequence, e.view, p.digest) }
        }
        let top = best.keys.max() ?? start.0
        var proposals: [Digest] = []
        for k in 0..<top.slots(after: start.0) {
            proposals.append(best[start.0.adding(slots: k + 1)]?.digest ?? Payload.noop.digest)
        }
        return HybridDecision(view: view, startSequence: start.0, startDigest: start.1, proposals: proposals)
    }
}

extension HybridDecision {
    /// Starts at or below `SequenceNumber.highestStart` and covers at most
    /// `HybridRules.maxClaimSpan` slots, so its end is its start plus its proposals
    /// (no wrap-around). Every decision `decide` builds from valid view changes is.
    public var isBounded: Bool {
        startSequence <= .highestStart && UInt64(proposals.count) <= HybridRules.maxClaimSpan
    }
}

extension Digest {
    /// A total order on digests, used only to break ties deterministically.
    func precedes(_ other: Digest) -> Bool { (w0, w1, w2, w3) < (other.w0, other.w1, other.w2, other.w3) }
}
