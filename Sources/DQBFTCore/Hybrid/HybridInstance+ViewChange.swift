extension HybridInstance {
    // MARK: - Leaving a view

    /// Moves to `target`: certifies a VIEW-CHANGE with a continuing certificate
    /// (after which the trusted counter refuses anything for older views).
    mutating func startViewChange(to target: ViewNumber, into out: inout [InstanceEffect]) {
        guard target > view || (target == view && isViewActive) else { return }
        let counter = crypto.counter.current(instance: id)
        if let l = leaving, counter.phase == .ordering, counter > (l.chain.last?.value ?? .zero) {
            // This replica acknowledged a NEW-VIEW since: its old evidence no longer
            // describes where its counter is.
            leaving = nil
        }
        if leaving == nil {
            guard let e = currentEvidence() else {
                // Acknowledged a NEW-VIEW whose commit certificate has not arrived:
                // the evidence needs it. Ask peers and retry later.
                out.append(.broadcast(.status(view: ViewNumber(view.rawValue &- 1), stableSequence: lowWatermark)))
                out.append(.setTimer(.viewChange, afterNanos: base.viewChangeTimeoutNanos))
                return
            }
            leaving = (e, stable.proof, [])
        }
        guard var l = leaving, let target0 = value(target, .viewChange, .zero),
              let link = crypto.counter.certifyContinuing(l.evidence.digest, instance: id, value: target0) else {
            refusedCertifications += 1
            return
        }
        l.chain.append(link)
        leaving = l
        view = target
        isViewActive = false
        pendingDecision = nil
        myAck = nil
        ackShares = [:]
        ackRejected = ReplicaSet()
        collectorTurn = 0
        if window.progressTimerRunning { window.stopProgressTimer(into: &out) }
        let vc = HybridViewChange(sender: me, newView: target, evidence: l.evidence, chain: l.chain, checkpointProof: l.proof)
        viewChanges[me] = vc
        out.append(.broadcast(.hybrid(.viewChange(vc))))
        out.append(.setTimer(.viewChange, afterNanos: base.viewChangeBackoffNanos(failures: failedViewChanges)))
        tryBecomePrimary(into: &out)
    }

    /// What this replica knows about its installed view, complete up to its counter:
    /// if it acknowledged a later NEW-VIEW it never saw committed, that NEW-VIEW (the
    /// decision may have committed elsewhere); nil if the counter is somewhere the
    /// evidence cannot describe.
    func currentEvidence() -> HybridEvidence? {
        let counter = crypto.counter.current(instance: id)
        let installedView = installed?.decision.view ?? .zero
        if let nv = acknowledgedNewView, nv.view > installedView, counter == value(nv.view, .ordering, nv.decision.end) {
            guard Self.nesting(of: nv) <= HybridEvidence.maxNesting else { return nil }
            return HybridEvidence(counter: counter, stableSequence: stable.sequence, stableDigest: stable.digest,
                                  installed: installed, prepares: [], acknowledged: nv)
        }
        guard counter == .zero || (counter.phase == .ordering && counter.view == installedView) else { return nil }
        let low = max(lowWatermark, installed?.decision.end ?? .zero)
        var claims: [PrepareClaim] = []
        for seq in slots.keys.sorted() where seq > low {
            guard let p = slots[seq]?.prepare, p.view == installedView else { continue }
            claims.append(PrepareClaim(sequence: seq, digest: p.payload.digest, certificate: p.certificate))
        }
        return HybridEvidence(counter: counter, stableSequence: stable.sequence, stableDigest: stable.digest,
                              installed: installed, prepares: claims)
    }

    /// How many NEW-VIEWs `nv` nests through acknowledged evidence, itself included.
    static func nesting(of nv: HybridNewView) -> Int {
        1 + nv.viewChanges.reduce(0) { max($0, $1.evidence.acknowledged.map(nesting(of:)) ?? 0) }
    }

    /// The view change did not complete: move on, to the lowest later view another
    /// replica already asked for if there is one (so replicas whose timers drifted
    /// apart meet in one view; a Byzantine replica's certified counter cannot go
    /// back, so it can only pull replicas forward to a view it has left itself).
    mutating func viewChangeTimedOut(into out: inout [InstanceEffect]) {
        if let p = pendingDecision, p.decision.view == view, let ack = myAck, !pushedAcknowledgement {
            // Acknowledged but not yet committed: push it to completion once (re-send
            // the NEW-VIEW and acknowledgements, ask for the commit certificate);
            // if that fails too, leave, showing the acknowledged NEW-VIEW.
            pushedAcknowledgement = true
            if let nv = acknowledgedNewView, nv.view == view { out.append(.broadcast(.hybrid(.newView(nv)))) }
            sendAck(ack, into: &out)
            out.append(.broadcast(.status(view: ViewNumber(view.rawValue &- 1), stableSequence: lowWatermark)))
            out.append(.setTimer(.viewChange, afterNanos: base.viewChangeTimeoutNanos))
            return
        }
        failedViewChanges += 1
        startViewChange(to: lowestViewAsked ?? view.next, into: &out)
    }

    /// Whether `vc` may be used: its rules hold and its checkpoint is proven.
    func isUsable(_ vc: HybridViewChange) -> Bool {
        guard HybridRules.isValid(vc, config: config, primaryOf: { primary(of: $0) }) else { return false }
        let e = vc.evidence
        if let nv = e.acknowledged, !nv.viewChanges.allSatisfy({ isUsable($0) }) { return false }
        if let inst = e.installed, inst.decision.startSequence == e.stableSequence, inst.decision.startDigest == e.stableDigest {
            return true  // the committed NEW-VIEW proves its start
        }
        return isValid(CheckpointCertificate(sequence: e.stableSequence, digest: e.stableDigest, proof: vc.checkpointProof))
    }

    mutating func onViewChange(_ vc: HybridViewChange, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard vc.sender == sender else { return }
        if vc.newView <= view && isViewActive {
            helpPeer(sender, into: &out)
            return
        }
        if isViewActive { resendProofs(to: sender, above: vc.evidence.stableSequence, asking: vc.newView, into: &out) }
        guard vc.newView >= view, (viewChanges[sender]?.newView ?? .zero) < vc.newView || viewChanges[sender] == nil,
              isUsable(vc) else { return }
        viewChanges[sender] = vc
        if isViewActive, sender == primary, vc.newView > view {
            // The primary itself left: its trusted counter has moved past this view,
            // so it can never certify another PREPARE here. Nothing more can be
            // ordered in this view; waiting for f+1 requests would only idle.
            startViewChange(to: lowestViewAsked ?? vc.newView, into: &out)
            tryBecomePrimary(into: &out)
            return
        }
        // f+1 replicas (one of them correct) want a later view: join the lowest.
        let ahead = viewChanges.values.filter { $0.newView > view || ($0.newView == view && isViewActive) }
        if ahead.count >= config.f + 1, let lowest = ahead.map(\.newView).min(), lowest > view || isViewActive {
            startViewChange(to: lowest, into: &out)
        }
        tryBecomePrimary(into: &out)
    }

    mutating func tryBecomePrimary(into out: inout [InstanceEffect]) {
        guard !isViewActive, primary == me, sentNewView != view, pendingDecision == nil else { return }
        let chosen = viewChanges.values.filter { $0.newView == view }.sorted { $0.sender < $1.sender }
        guard chosen.count >= config.quorum else { return }
        let used = Array(chosen.prefix(config.quorum))
        let decision = HybridRules.decide(used, view: view)
        guard let v = value(view, .viewChange, SequenceNumber(1)),
              let cert = crypto.counter.certify(decision.digest, instance: id, value: v) else {
            refusedCertifications += 1
            return
        }
        sentNewView = view
        let nv = HybridNewView(decision: decision, viewChanges: used, checkpointProof: [], certificate: cert)
        out.append(.broadcast(.hybrid(.newView(nv))))
        acknowledge(nv, into: &out)
    }

    // MARK: - Entering a view

    mutating func onNewView(_ nv: HybridNewView, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        let v = nv.view
        // Any replica may forward a NEW-VIEW: the primary's certificate and the
        // recomputed decision make it self-proving.
        guard v > view || (v == view && !isViewActive && pendingDecision == nil),
              HybridRules.isJustified(nv, config: config, primaryOf: { primary(of: $0) }, accepts: { isUsable($0) })
        else { return }
        acknowledge(nv, into: &out)
    }

    /// Acknowledges a valid NEW-VIEW: certifies its decision at `(view, ordering,
    /// end)`, which commits its proposals once a quorum did so.
    mutating func acknowledge(_ nv: HybridNewView, into out: inout [InstanceEffect]) {
        let d = nv.decision
        // Evidence after a restart shows the acknowledged NEW-VIEW (the primary's
        // own is logged as sent).
        if nv.certificate.signer != me { out.append(.persist(.hybrid(.newView(nv)))) }
        guard let v = value(d.view, .ordering, d.end),
              let cert = crypto.counter.certify(d.digest, instance: id, value: v) else {
            refusedCertifications += 1
            return
        }
        if d.view > view { ackShares = [:]; ackRejected = ReplicaSet() }
        view = d.view
        isViewActive = false
        pendingDecision = (d, nv.certificate, nv.viewChanges.map(\.sender))
        let ack = HybridNewViewAck(view: d.view, decisionDigest: d.digest, certificate: cert)
        myAck = ack
        acknowledgedNewView = nv
        pushedAcknowledgement = false
        sendAck(ack, into: &out)
        out.append(.setTimer(.viewChange, afterNanos: base.viewChangeTimeoutNanos))
        ackShares = ackShares.filter { $0.value.value == v }
        ackShares[me] = cert
        tryCombineAcks(into: &out)
    }

    /// Acknowledgements go to every one of the view's f+1 collectors (at least one is
    /// correct), so a lying or silent collector cannot leave the view uncommitted.
    mutating func sendAck(_ ack: HybridNewViewAck, into out: inout [InstanceEffect]) {
        switch parameters.pattern {
        case .allToAll: out.append(.broadcast(.hybrid(.newViewAck(ack))))
        case .collector:
            for turn in 0...config.f {
                let c = collector(of: view, turn: turn)
                if c != me { out.append(.send(.hybrid(.newViewAck(ack)), to: c)) }
            }
        }
    }

    mutating func onAck(_ a: HybridNewViewAck, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard a.view == view, !isViewActive, a.certificate.signer == sender, !ackRejected.contains(sender) else { return }
        if let p = pendingDecision, a.decisionDigest != p.decision.digest { return }
        ackShares[sender] = a.certificate
        tryCombineAcks(into: &out)
    }

    mutating func tryCombineAcks(into out: inout [InstanceEffect]) {
        guard let p = pendingDecision, !isViewActive, p.decision.view == view,
              let v = value(view, .ordering, p.decision.end) else { return }
        let matching = ackShares.filter { $0.value.value == v }
        guard matching.count >= config.quorum else { return }
        let shares = matching.keys.sorted().prefix(config.quorum).map { matching[$0]! }
        switch crypto.scheme.combine(Array(shares), message: p.decision.digest, instance: id) {
        case .combined(let qc):
            let proof = HybridNewViewProof(decision: p.decision, certificate: p.certificate, proof: qc)
            if parameters.pattern == .collector { out.append(.broadcast(.hybrid(.newViewProof(proof)))) }
            install(proof, into: &out)
        case .invalidShares(let culprits):
            for r in culprits {
                ackShares[r] = nil
                ackRejected.insert(r)
                invalidShareCount[r, default: 0] += 1
            }
            if !culprits.isEmpty { tryCombineAcks(into: &out) }
        }
    }

    mutating func onNewViewProof(_ p: HybridNewViewProof, into out: inout [InstanceEffect]) {
        let d = p.decision
        guard d.isBounded, p.certificate.signer == primary(of: d.view),
              p.certificate.value == value(d.view, .viewChange, SequenceNumber(1)),
              p.proof.value == value(d.view, .ordering, d.end),
              d.view > view || (d.view == view && !isViewActive) else { return }
        install(p, into: &out)
    }

    /// The NEW-VIEW committed: adopt its decision and resume normal operation.
    mutating func install(_ p: HybridNewViewProof, into out: inout [InstanceEffect]) {
        let d = p.decision
        // The installed view is part of every later VIEW-CHANGE's evidence.
        out.append(.persist(.hybrid(.newViewProof(p))))
        // Bind the counter to the installed view even if this replica never
        // acknowledged it, so its next evidence is complete for it.
        if let v = value(d.view, .ordering, d.end), crypto.counter.current(instance: id) < v {
            _ = crypto.counter.certify(d.digest, instance: id, value: v)
        }
        view = d.view
        isViewActive = true
        installed = InstalledView(decision: d, certificate: p.certificate, commitProof: p.proof)
        leaving = nil
        pendingDecision = nil
        myAck = nil
        ackShares = [:]
        ackRejected = ReplicaSet()
        failedViewChanges = 0
        collectorTurn = 0
        viewChanges = viewChanges.filter { $0.value.newView > view }
        out.append(.cancelTimer(.viewChange))
        var next: [SequenceNumber: HybridSlot] = [:]
        // Slots delivered here above the checkpoint stay (payload and commit proof
        // only): a peer that lags asks for them, and no newer checkpoint may come
        // to state-transfer from until it catches up.
        for (seq, old) in slots where seq <= lastDelivered && seq > lowWatermark {
            var slot = HybridSlot()
            slot.committed = old.committed
            slot.payload = old.payload ?? old.prepare?.payload
            next[seq] = slot
        }
        for (i, digest) in d.proposals.enumerated() {
            let seq = d.startSequence.advanced(by: Int64(i + 1))
            guard seq > lastDelivered, seq > lowWatermark else { continue }
            var slot = HybridSlot()
            slot.committed = digest
            if let old = slots[seq] {
                if old.payload?.digest == digest { slot.payload = old.payload }
                else if old.prepare?.payload.digest == digest { slot.payload = old.prepare?.payload }
            }
            next[seq] = slot
        }
        slots = next
        proofs = proofs.filter { $0.key <= lastDelivered && $0.key > lowWatermark }
        if d.startSequence > lastDelivered {
            lastDelivered = d.startSequence
            lowWatermark = max(lowWatermark, d.startSequence)
            stable = CheckpointCertificate(sequence: d.startSequence, digest: d.startDigest, proof: [])
            out.append(.needsState(d.startSequence, d.startDigest))
        }
        lastShared = max(d.end, lowWatermark)
        nextProposal = max(d.end, lowWatermark).advanced(by: 1)
        out.append(.viewChanged(view, primary: primary))
        tryDeliver(into: &out)
        armProgressTimer(into: &out)
    }

    /// A peer asks for a view above our active one while its checkpoint lies below
    /// what we delivered: it may have left our view because it missed those slots,
    /// and alone it cannot change views. Commit certificates hold in every view, so
    /// ours let it deliver the slots (and execute) whichever view it waits in; our
    /// checkpoint certificate lets it skip the slots we have forgotten.
    mutating func resendProofs(to peer: ReplicaID, above stableSequence: SequenceNumber, asking newView: ViewNumber,
                               into out: inout [InstanceEffect]) {
        guard stableSequence < lastDelivered, resentProofs[peer] != newView else { return }
        resentProofs[peer] = newView
        // Slots up to our checkpoint are forgotten here: the peer skips them with it.
        if stableSequence < lowWatermark { for c in stable.proof { out.append(.send(.checkpoint(c), to: peer)) } }
        sendProofs(above: stableSequence, to: peer, into: &out)
    }

    /// A peer is behind: send it the proof of the current view and our checkpoint.
    mutating func helpPeer(_ peer: ReplicaID, into out: inout [InstanceEffect]) {
        guard isViewActive, helped[peer] != view else { return }
        helped[peer] = view
        if let inst = installed {
            out.append(.send(.hybrid(.newViewProof(HybridNewViewProof(decision: inst.decision, certificate: inst.certificate,
                                                                      proof: inst.commitProof))), to: peer))
        }
        for c in stable.proof { out.append(.send(.checkpoint(c), to: peer)) }
    }
}
