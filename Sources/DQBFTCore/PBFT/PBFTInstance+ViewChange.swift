extension PBFTInstance {
    /// Leaves the current view and asks for `target`, reporting what this replica
    /// prepared and pre-prepared above its stable checkpoint.
    mutating func startViewChange(to target: ViewNumber, into out: inout [InstanceEffect]) {
        guard target > view else { return }
        view = target
        isViewActive = false
        window.stopProgressTimer(into: &out)
        var prepared: [SlotClaim] = []
        var prePrepared: [SlotClaim] = []
        for (seq, slot) in slots.sorted(by: { $0.key < $1.key }) where seq > lowWatermark {
            if let v = slot.preparedView, let d = slot.preparedDigest, !config.mutated(.pbftForgetPrepared) {
                prepared.append(SlotClaim(sequence: seq, view: v, digest: d))
            }
            if let v = slot.acceptedView, let d = slot.acceptedDigest {
                prePrepared.append(SlotClaim(sequence: seq, view: v, digest: d))
            }
        }
        var signed = SignedViewChange(
            sender: me,
            viewChange: ViewChange(newView: target, stableSequence: stable.sequence, stableDigest: stable.digest,
                                   prepared: prepared, prePrepared: prePrepared),
            signature: [])
        signed.signature = signer.sign(signed.signedBytes(instance: id))
        let message = ViewChangeMessage(signed: signed, checkpointProof: stable.proof)
        viewChanges[me] = message
        out.append(.broadcast(.viewChange(message)))
        out.append(.setTimer(.viewChange, afterNanos: parameters.viewChangeBackoffNanos(failures: failedViewChanges)))
        tryBecomePrimary(into: &out)
    }

    /// No NEW-VIEW arrived in time. If f+1 replicas also want this view its primary
    /// failed, so move to the next; otherwise this replica is alone in suspecting
    /// and re-sends its view change (it keeps learning commits meanwhile).
    mutating func viewChangeTimedOut(into out: inout [InstanceEffect]) {
        failedViewChanges += 1
        let supporters = viewChanges.values.count { $0.signed.viewChange.newView >= view }
        if supporters >= config.weakQuorum {
            startViewChange(to: view.next, into: &out)
        } else {
            if let mine = viewChanges[me] { out.append(.broadcast(.viewChange(mine))) }
            out.append(.setTimer(.viewChange, afterNanos: parameters.viewChangeTimeoutNanos))
        }
    }

    mutating func onViewChange(_ message: ViewChangeMessage, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        let vc = message.signed.viewChange
        guard message.signed.sender == sender,
              isValid(CheckpointCertificate(sequence: vc.stableSequence, digest: vc.stableDigest,
                                            proof: message.checkpointProof)) else { return reject(.invalidProof) }
        if vc.stableSequence > lowWatermark {
            makeStable(CheckpointCertificate(sequence: vc.stableSequence, digest: vc.stableDigest,
                                             proof: message.checkpointProof), into: &out)
        }
        // A sender in an older view, or one that missed slots we delivered (it may
        // have timed out waiting for them while the cluster went idle), gets help.
        let older = vc.newView <= view && (isViewActive || vc.newView < view)
        if let held = viewChanges[sender], held.signed.viewChange == vc {
            // The very view change we hold, re-sent (`viewChangeTimedOut`: the sender
            // is still alone a whole timeout later): what we sent it last time did not
            // let it catch up (one COMMIT lost on the wire strands a slot, and with N−1
            // replicas a quorum goes on without it), so help once more. The sender's
            // own timer paces this, not anything cheaper.
            resentCommits[sender] = nil
        }
        if older || vc.stableSequence < lastDelivered { help(sender, above: vc.stableSequence, into: &out) }
        if older { return }
        if let old = viewChanges[sender], old.signed.viewChange.newView >= vc.newView { return }
        viewChanges[sender] = message
        if parameters.retransmitsProposals, isViewActive, sender == primary, vc.newView == view.next {
            // The primary itself left this view (its proposals did not commit even
            // after it re-sent them): nothing more will be ordered here, and waiting
            // for f+1 suspicions would only idle. A Byzantine primary gains nothing:
            // it can only depose itself, which silence would achieve as well. Only a
            // move to the next view is followed: a jump further (`requestView`, e.g.
            // reinstating a coordinator) still needs f+1 replicas asking for it.
            startViewChange(to: view.next, into: &out)
        }
        // Join rule (P4): f+1 replicas want a view above ours, so one correct does.
        let higher = viewChanges.values.map(\.signed.viewChange.newView).filter { $0 > view }
        if higher.count >= config.weakQuorum, let target = higher.min() {
            startViewChange(to: target, into: &out)
        }
        tryBecomePrimary(into: &out)
    }

    /// The primary of the pending view announces it once a quorum of view changes
    /// lets it decide every slot.
    mutating func tryBecomePrimary(into out: inout [InstanceEffect]) {
        guard !isViewActive, isPrimary else { return }
        let messages = viewChanges.values.filter { $0.signed.viewChange.newView == view }
            .sorted { $0.signed.sender < $1.signed.sender }
        guard messages.count >= config.quorum,
              let decision = NewViewDecision.decide(messages.map(\.signed), config: config,
                                                    windowSize: parameters.windowSize),
              let startMessage = messages.first(where: { $0.signed.viewChange.stableSequence == decision.startSequence })
        else { return }
        let newView = NewView(view: view, viewChanges: messages.map(\.signed),
                              checkpointProof: startMessage.checkpointProof,
                              startSequence: decision.startSequence, startDigest: decision.startDigest,
                              proposals: decision.proposals)
        out.append(.broadcast(.newView(newView)))
        install(newView, into: &out)
    }

    mutating func onNewView(_ nv: NewView, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard nv.view > view || (nv.view == view && !isViewActive) else { return reject(.staleView) }
        guard sender == config.primary(of: nv.view, initial: initialPrimary) else { return reject(.notFromPrimary) }
        guard isValid(nv) else { return reject(.invalidProof) }
        install(nv, into: &out)
    }

    /// Structural validation of a NEW-VIEW: a quorum of distinct view changes for
    /// its view, a valid certificate for its start, and the same decision.
    func isValid(_ nv: NewView) -> Bool {
        var senders = ReplicaSet()
        for vc in nv.viewChanges {
            guard vc.viewChange.newView == nv.view, vc.sender.index < config.replicaCount,
                  vc.viewChange.stableSequence <= nv.startSequence, senders.insert(vc.sender) else { return false }
        }
        guard senders.count >= config.quorum,
              isValid(CheckpointCertificate(sequence: nv.startSequence, digest: nv.startDigest, proof: nv.checkpointProof)),
              let decision = NewViewDecision.decide(nv.viewChanges, config: config, windowSize: parameters.windowSize)
        else { return false }
        return decision.startSequence == nv.startSequence && decision.startDigest == nv.startDigest
            && decision.proposals == nv.proposals
    }

    /// Enters `nv.view`: adopts its checkpoint and accepts its proposals.
    mutating func install(_ nv: NewView, into out: inout [InstanceEffect]) {
        view = nv.view
        isViewActive = true
        failedViewChanges = 0
        lastNewView = nv
        out.append(.cancelTimer(.viewChange))
        viewChanges = viewChanges.filter { $0.value.signed.viewChange.newView > view }
        if nv.startSequence > lowWatermark {
            makeStable(CheckpointCertificate(sequence: nv.startSequence, digest: nv.startDigest,
                                             proof: nv.checkpointProof), into: &out)
        }
        for seq in Array(slots.keys) where seq > nv.startSequence {
            slots[seq]!.acceptedView = nil
            slots[seq]!.acceptedDigest = nil
            slots[seq]!.sentCommit = false
        }
        for (i, digest) in nv.proposals.enumerated() {
            let seq = nv.startSequence.advanced(by: Int64(i + 1))
            guard window.inWindow(seq) else { break }
            acceptDigest(digest, at: seq, payload: nil, into: &out)
        }
        nextProposal = max(nv.startSequence.advanced(by: Int64(nv.proposals.count + 1)), lowWatermark.advanced(by: 1))
        out.append(.viewChanged(view, primary: primary))
        armProgressTimer(into: &out)
    }

    /// A peer is behind (older view or checkpoint): send it what lets it catch up —
    /// the NEW-VIEW of this view, the stable checkpoint's proof, and this replica's
    /// own COMMITs for the slots it delivered above the peer's checkpoint `above`
    /// (a restarted replica dropped those while they lay beyond its window; with
    /// f+1 or more helpers it gathers a commit quorum and fetches the payloads).
    mutating func help(_ peer: ReplicaID, above: SequenceNumber, into out: inout [InstanceEffect]) {
        if helped[peer] != view || !isViewActive {
            helped[peer] = view
            if isViewActive, let nv = lastNewView, nv.view == view { out.append(.send(.newView(nv), to: peer)) }
        }
        if above < lowWatermark, provedStable[peer] != lowWatermark {
            provedStable[peer] = lowWatermark
            for c in stable.proof { out.append(.send(.checkpoint(c), to: peer)) }
        }
        let mark = ResendMark(view: view, above: above)
        guard above < lastDelivered, resentCommits[peer] != mark else { return }
        resentCommits[peer] = mark
        var seq = max(above, lowWatermark).advanced(by: 1)
        while seq <= lastDelivered {
            // A replica COMMITs exactly when it prepares, so its last COMMIT for the
            // slot is the one of its prepared view.
            if let slot = slots[seq], let digest = slot.committedDigest, let v = slot.preparedView,
               slot.preparedDigest == digest {
                out.append(.send(.commit(Vote(view: v, sequence: seq, digest: digest)), to: peer))
            }
            seq = seq.advanced(by: 1)
        }
    }

    /// Where this replica stands: the last view it was active in and its stable
    /// checkpoint (a peer ahead answers with what it missed).
    var statusReport: ConsensusMessage { window.statusReport(view: view, isViewActive: isViewActive) }

    /// Someone is ahead of us: tell it where we are, so it sends what we missed.
    mutating func noteAhead(_ peer: ReplicaID, into out: inout [InstanceEffect]) {
        guard askedAhead[peer] != view else { return }
        askedAhead[peer] = view
        out.append(.send(statusReport, to: peer))
    }

    /// A peer sent a message for a slot beyond our window: it has passed checkpoints
    /// we have not seen (we were down, or its messages were lost). Tell it where we
    /// are, once per peer and stable checkpoint of ours, so that it sends the proof
    /// of its stable checkpoint and its COMMITs above ours — an idle cluster sends
    /// nothing else that would let us catch up.
    mutating func noteBeyondWindow(_ seq: SequenceNumber, from peer: ReplicaID, into out: inout [InstanceEffect]) {
        reject(.outsideWindow)
        guard seq > highWatermark, askedBeyond[peer] != lowWatermark else { return }
        askedBeyond[peer] = lowWatermark
        out.append(.send(statusReport, to: peer))
    }

    mutating func onStatus(view peerView: ViewNumber, stable peerStable: SequenceNumber, from sender: ReplicaID,
                           into out: inout [InstanceEffect]) {
        // lowWatermark ≤ lastDelivered, so this also covers a peer behind our checkpoint.
        if (isViewActive && peerView < view) || peerStable < lastDelivered {
            help(sender, above: peerStable, into: &out)
        }
    }
}
