extension HybridInstance {
    /// Re-learns one record of this replica's durable log after a restart (oldest
    /// first, before `recover`): the messages its trusted counter certified
    /// (`Replica.mustPersist`) and those it vouched for (`InstanceEffect.persist`).
    ///
    /// The trusted counter, which outlives the process, already keeps the replica
    /// from certifying anything conflicting; the log lets it explain its counter.
    /// Its next VIEW-CHANGE must show every certified message up to the counter
    /// (`HybridRules.isValid`), so it needs back: the stable checkpoint and its
    /// certificate, the view it installed (NEW-VIEW proof), the PREPAREs of that
    /// view it shared, the NEW-VIEW it acknowledged, and its own last VIEW-CHANGE
    /// (the continuing-certificate chain extends it). With f+1 replicas restarting
    /// close together, nothing else could justify a view change.
    ///
    /// Guarantees: emits nothing and sets no timers; records from other views than
    /// the one they belong to, or not certified as they must be, are ignored, so
    /// any suffix of the log leaves the instance consistent (at worst it cannot
    /// build valid evidence and waits for its peers, as without a log). Slots are
    /// not delivered here: `recover` asks for the stable checkpoint's state.
    public mutating func restore(sent message: ConsensusMessage) {
        switch message {
        case .hybrid(.prepare(let p)): restorePrepare(p)
        case .hybrid(.commit(let c)), .hybrid(.commitRetry(let c)): restoreShare(c)
        case .hybrid(.viewChange(let vc)): restoreViewChange(vc)
        case .hybrid(.newView(let nv)): restoreNewView(nv)
        case .hybrid(.newViewAck(let a)): restoreAck(a)
        case .hybrid(.newViewProof(let p)): restoreInstalled(p)
        case .checkpoint(let c):
            if let cert = window.record(c, quorum: config.quorum, replicaCount: config.replicaCount) { restoreStable(cert) }
        case .hybrid(.commitProof), .prePrepare, .prepare, .commit, .viewChange, .newView, .fetch, .payload, .status:
            return
        }
    }

    /// A PREPARE of the active view this replica proposed or shared.
    mutating func restorePrepare(_ p: HybridPrepare) {
        guard p.view == view, isViewActive, p.sequence > lowWatermark, p.sequence > (installed?.decision.end ?? .zero),
              p.certificate.signer == primary, p.certificate.value == value(view, .ordering, p.sequence) else { return }
        slots[p.sequence, default: HybridSlot()].prepare = p
        slots[p.sequence]!.payload = p.payload
        if p.certificate.signer == me {
            nextProposal = max(nextProposal, p.sequence.advanced(by: 1))
            lastShared = max(lastShared, p.sequence)
        }
    }

    /// This replica's commit share in the active view.
    mutating func restoreShare(_ c: HybridCommit) {
        guard c.view == view, isViewActive, c.certificate.signer == me, c.sequence > lowWatermark,
              c.certificate.value == value(view, .ordering, c.sequence) else { return }
        slots[c.sequence, default: HybridSlot()].ownShare = c
        lastShared = max(lastShared, c.sequence)
    }

    /// This replica asked for `vc.newView`: it left its view with this evidence and
    /// chain, which its next VIEW-CHANGE extends.
    mutating func restoreViewChange(_ vc: HybridViewChange) {
        guard vc.sender == me, vc.newView > view || (vc.newView == view && isViewActive),
              vc.chain.last?.value == value(vc.newView, .viewChange, .zero) else { return }
        let e = vc.evidence
        if e.stableSequence > lowWatermark {
            let cert = CheckpointCertificate(sequence: e.stableSequence, digest: e.stableDigest, proof: vc.checkpointProof)
            if isValid(cert) { restoreStable(cert) }
        }
        view = vc.newView
        isViewActive = false
        leaving = (e, vc.checkpointProof, vc.chain)
        viewChanges[me] = vc
        pendingDecision = nil
        myAck = nil
        ackShares = [:]
    }

    /// A NEW-VIEW this replica acknowledged (or, as its primary, certified).
    mutating func restoreNewView(_ nv: HybridNewView) {
        guard nv.view > view || (nv.view == view && !isViewActive), nv.decision.isBounded,
              nv.certificate.signer == primary(of: nv.view),
              nv.certificate.value == value(nv.view, .viewChange, SequenceNumber(1)) else { return }
        view = nv.view
        isViewActive = false
        pendingDecision = (nv.decision, nv.certificate, nv.viewChanges.map(\.sender))
        acknowledgedNewView = nv
        pushedAcknowledgement = false
        myAck = nil
        ackShares = [:]
        if nv.certificate.signer == me { sentNewView = nv.view }
    }

    /// This replica's acknowledgement of the pending NEW-VIEW.
    mutating func restoreAck(_ a: HybridNewViewAck) {
        guard a.view == view, !isViewActive, a.certificate.signer == me, let p = pendingDecision,
              p.decision.digest == a.decisionDigest else { return }
        myAck = a
        ackShares[me] = a.certificate
    }

    /// A view this replica installed: its decision fixes the slots it covers, and
    /// its PREPAREs of older views no longer matter to any evidence.
    mutating func restoreInstalled(_ p: HybridNewViewProof) {
        let d = p.decision
        guard d.isBounded, d.view > view || (d.view == view && !isViewActive),
              p.certificate.signer == primary(of: d.view),
              p.certificate.value == value(d.view, .viewChange, SequenceNumber(1)),
              p.proof.value == value(d.view, .ordering, d.end) else { return }
        view = d.view
        isViewActive = true
        installed = InstalledView(decision: d, certificate: p.certificate, commitProof: p.proof)
        leaving = nil
        pendingDecision = nil
        myAck = nil
        ackShares = [:]
        viewChanges = [:]
        if d.startSequence > lowWatermark {
            lowWatermark = d.startSequence
            stable = CheckpointCertificate(sequence: d.startSequence, digest: d.startDigest, proof: [])
            window.checkpointVotes.forget(through: d.startSequence)
        }
        var next: [SequenceNumber: HybridSlot] = [:]
        for (i, digest) in d.proposals.enumerated() {
            let seq = d.startSequence.advanced(by: Int64(i + 1))
            guard seq > lowWatermark else { continue }
            var slot = HybridSlot()
            slot.committed = digest
            if let old = slots[seq], old.payload?.digest == digest { slot.payload = old.payload }
            next[seq] = slot
        }
        slots = next
        proofs = [:]
        lastShared = max(d.end, lowWatermark)
        nextProposal = max(d.end, lowWatermark).advanced(by: 1)
    }

    /// A checkpoint certificate this replica held: slots up to it are forgotten.
    mutating func restoreStable(_ cert: CheckpointCertificate) {
        guard window.adopt(cert) else { return }
        let seq = cert.sequence
        slots = slots.filter { $0.key > seq }
        proofs = proofs.filter { $0.key > seq }
        if lastShared < seq { lastShared = seq }
    }

    /// On `recover`: the counter says how far this replica certified in its active
    /// view (its log may end short of that only if it crashed between certifying
    /// and logging), and a restored checkpoint's state must be fetched before the
    /// slots above it are delivered.
    mutating func resumeFromCounter(into out: inout [InstanceEffect]) {
        let counter = crypto.counter.current(instance: id)
        if isViewActive, counter.phase == .ordering, counter.view == view, counter.sequence > lastShared {
            lastShared = counter.sequence
            if isPrimary { nextProposal = max(nextProposal, counter.sequence.advanced(by: 1)) }
        }
        if stable.sequence > lastDelivered {
            lastDelivered = stable.sequence
            out.append(.needsState(stable.sequence, stable.digest))
        }
        tryDeliver(into: &out)
    }
}
