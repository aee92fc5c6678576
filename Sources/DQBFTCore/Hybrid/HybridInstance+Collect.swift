extension HybridInstance {
    // MARK: - Commit shares and collectors

    /// Sends this replica's share where the commit pattern says.
    mutating func sendShare(_ commit: HybridCommit, into out: inout [InstanceEffect]) {
        switch parameters.pattern {
        case .allToAll: out.append(.broadcast(.hybrid(.commit(commit))))
        case .collector:
            let c = collector(of: view, turn: collectorTurn)
            if c != me { out.append(.send(.hybrid(.commit(commit)), to: c)) }
            armCollectorTimer(into: &out)
        }
    }

    mutating func onShare(_ c: HybridCommit, from sender: ReplicaID, retry: Bool, into out: inout [InstanceEffect]) {
        if retry, parameters.pattern == .collector, let proof = proofs[c.sequence], proof.digest == c.digest {
            // Already committed: a late share from a replica that missed the certificate.
            out.append(.send(.hybrid(.commitProof(proof)), to: sender))
            return
        }
        guard c.view == view, isViewActive else { return reject(c.view < view ? .staleView : .notActiveView) }
        guard c.certificate.signer == sender else { return reject(.foreignSender) }
        guard c.sequence > lastDelivered, c.sequence <= highWatermark else { return reject(.outsideWindow) }
        guard c.certificate.value == value(view, .ordering, c.sequence) else { return reject(.invalidProof) }
        guard slots[c.sequence]?.committed == nil else { return reject(.duplicate) }
        guard !(slots[c.sequence]?.rejected.contains(sender) ?? false) else { return reject(.invalidProof) }
        slots[c.sequence, default: HybridSlot()].shares[sender] = c.certificate
        slots[c.sequence]!.askedToCollect = true
        if slots[c.sequence]!.claimed == nil { slots[c.sequence]!.claimed = c.digest }
        tryCombine(c.sequence, into: &out)
    }

    /// Records a share (own or the primary's PREPARE certificate) and combines if possible.
    mutating func addShare(_ cert: CounterCertificate, seq: SequenceNumber, into out: inout [InstanceEffect]) {
        guard slots[seq]?.committed == nil else { return }
        slots[seq, default: HybridSlot()].shares[cert.signer] = cert
        tryCombine(seq, into: &out)
    }

    /// Combines a quorum of shares matching the PREPARE of `seq` (collectors and Hybster
    /// replicas). Invalid shares are dropped and their signers remembered.
    mutating func tryCombine(_ seq: SequenceNumber, into out: inout [InstanceEffect]) {
        guard var slot = slots[seq], isCollecting || slot.askedToCollect, slot.committed == nil,
              let digest = slot.prepare?.payload.digest ?? slot.claimed, slot.shares.count >= config.quorum else { return }
        let shares = slot.shares.keys.sorted().prefix(config.quorum).map { slot.shares[$0]! }
        switch crypto.scheme.combine(Array(shares), message: digest, instance: id) {
        case .combined(let qc):
            slot.committed = digest
            if slot.payload?.digest != digest { slot.payload = nil }
            slots[seq] = slot
            // Kept in both patterns: a peer that missed the slot gets it from here
            // (`resendProofs`). Only a collector broadcasts it; all-to-all peers
            // combine their own.
            let proof = HybridCommitProof(view: view, sequence: seq, digest: digest, proof: qc)
            proofs[seq] = proof
            if parameters.pattern == .collector { out.append(.broadcast(.hybrid(.commitProof(proof)))) }
            tryDeliver(into: &out)
        case .invalidShares(let culprits):
            for r in culprits {
                slot.shares[r] = nil
                slot.rejected.insert(r)
                invalidShareCount[r, default: 0] += 1
            }
            slots[seq] = slot
            if !culprits.isEmpty { tryCombine(seq, into: &out) }
        }
    }

    mutating func onCommitProof(_ p: HybridCommitProof, into out: inout [InstanceEffect]) {
        // A commit certificate of any view fixes the slot: a quorum committed it
        // there, and every later view-change quorum includes one of them.
        guard p.sequence > lastDelivered, p.sequence > lowWatermark, p.sequence <= highWatermark,
              p.proof.value == value(p.view, .ordering, p.sequence), slots[p.sequence]?.committed == nil else { return }
        slots[p.sequence, default: HybridSlot()].committed = p.digest
        proofs[p.sequence] = p  // so this replica can answer late shares as a collector too
        if slots[p.sequence]!.payload?.digest != p.digest { slots[p.sequence]!.payload = nil }
        tryDeliver(into: &out)
        armProgressTimer(into: &out)
    }

    mutating func armCollectorTimer(into out: inout [InstanceEffect]) {
        guard parameters.pattern == .collector, !collectorTimerRunning else { return }
        collectorTimerRunning = true
        collectorWatch = waitingShares().first?.sequence ?? lastDelivered.advanced(by: 1)
        out.append(.setTimer(.collector, afterNanos: parameters.collectorTimeoutNanos))
    }

    /// This replica's shares (the primary's: its PREPARE certificates) for slots of
    /// the current view that have no commit certificate yet, lowest slot first.
    func waitingShares() -> [HybridCommit] {
        var waiting: [HybridCommit] = []
        for (seq, slot) in slots where seq > lastDelivered && slot.committed == nil {
            if let s = slot.ownShare, s.view == view { waiting.append(s) }
            else if let p = slot.prepare, p.view == view, p.certificate.signer == me {
                waiting.append(HybridCommit(view: view, sequence: seq, digest: p.payload.digest, certificate: p.certificate))
            }
        }
        return waiting.sorted { $0.sequence < $1.sequence }
    }

    /// The collector timer fired. If the slot it watched has been certified since,
    /// the collector is working (a busy pipeline always has fresh slots waiting), so
    /// it only watches the oldest waiting slot anew. Otherwise the collector did not
    /// answer in time: turn to the next one and re-send the shares it still misses
    /// (the primary also re-sends its uncertified PREPAREs, in case a backup lost one).
    mutating func collectorTimedOut(into out: inout [InstanceEffect]) {
        let waiting = waitingShares()
        guard let oldest = waiting.first else { return }
        guard oldest.sequence <= collectorWatch else { return armCollectorTimer(into: &out) }
        collectorTurn += 1
        if isPrimary && base.retransmitsProposals {
            // A backup that lost one PREPARE shares nothing above it (shares go in
            // slot order), so with N = 2f+1 and one replica silent no slot after the
            // gap could commit until a view change: re-send the uncertified ones.
            // (Single-primary only: inside DQ, where peers flood D-PREPAREs, the
            // re-sent copies were measured to turn destiny/3 seed 44 and destiny/7
            // seeds 18 and 47 into stalls.)
            for s in waiting { if let p = slots[s.sequence]?.prepare, p.view == view { out.append(.broadcast(.hybrid(.prepare(p)))) } }
        }
        let c = collector(of: view, turn: collectorTurn)
        if c == me {
            for s in waiting { if let p = slots[s.sequence]?.prepare { addShare(p.certificate, seq: s.sequence, into: &out) } }
        } else {
            for s in waiting { out.append(.send(.hybrid(.commitRetry(s)), to: c)) }
        }
        armCollectorTimer(into: &out)
    }

    // MARK: - Fetching payloads

    mutating func onFetch(_ digest: Digest, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        for (_, slot) in slots {
            if let p = slot.payload, p.digest == digest { out.append(.send(.payload(p), to: sender)); return }
            if let p = slot.prepare?.payload, p.digest == digest { out.append(.send(.payload(p), to: sender)); return }
        }
        // Not here: most likely discarded below the stable checkpoint. A peer still
        // asking for it lags, so show it the checkpoint to state-transfer from.
        guard stable.sequence > .zero, pointedToCheckpoint[sender] != stable.sequence else { return }
        pointedToCheckpoint[sender] = stable.sequence
        for c in stable.proof { out.append(.send(.checkpoint(c), to: sender)) }
    }

    mutating func onPayload(_ payload: Payload, into out: inout [InstanceEffect]) {
        let digest = payload.digest
        guard window.fetching.finish(digest) else { return reject(.unrequestedPayload) }
        for (seq, slot) in slots where slot.committed == digest { slots[seq]!.payload = payload }
        tryDeliver(into: &out)
    }

    // MARK: - Checkpoints

    /// The owner executed through `sequence` (a checkpoint) with state `stateDigest`.
    public mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect]) {
        guard let c = window.vote(at: sequence, stateDigest: stateDigest, instance: id, signer: signer) else { return }
        out.append(.broadcast(.checkpoint(c)))
        recordCheckpoint(c, into: &out)
    }

    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool { window.isCheckpoint(sequence) }

    /// Makes a checkpoint stable once a quorum signed it (⌊N/2⌋+1: f+1 when N = 2f+1;
    /// a quorum includes a correct replica and meets every view-change quorum).
    mutating func recordCheckpoint(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        if let cert = window.record(c, quorum: config.quorum, replicaCount: config.replicaCount) { makeStable(cert, into: &out) }
    }

    /// Checks a checkpoint certificate's structure (`SlotWindow.isValid`).
    func isValid(_ cert: CheckpointCertificate) -> Bool { window.isValid(cert, config: config) }

    mutating func makeStable(_ cert: CheckpointCertificate, into out: inout [InstanceEffect]) {
        // `adopt` emits nothing, so the records below still precede every effect
        // of the window's move.
        guard window.adopt(cert) else { return }
        let seq = cert.sequence
        // Later VIEW-CHANGEs prove their checkpoint with this certificate (this
        // replica's own vote is logged as sent), and show the installed view, which
        // is logged again here so that a log cut at a stable checkpoint (keeping
        // the window of slots above it) still explains the counter.
        for c in cert.proof where c.sender != me { out.append(.persist(.checkpoint(c))) }
        if let inst = installed {
            out.append(.persist(.hybrid(.newViewProof(HybridNewViewProof(decision: inst.decision, certificate: inst.certificate,
                                                                           proof: inst.commitProof)))))
        }
        slots = slots.filter { $0.key > seq }
        proofs = proofs.filter { $0.key > seq }
        window.fetching.keep(only: Set(slots.values.compactMap(\.committed)))
        if lastShared < seq { lastShared = seq }
        window.reportAdopted(into: &out)
        shareInOrder(into: &out)
        tryDeliver(into: &out)
    }

    // MARK: - Catching up

    /// A peer says where it stands (it restarted, or its view change is stuck): the
    /// last view it was active in and its stable checkpoint.
    ///
    /// Behind our view or checkpoint: it gets the proof of our view and of our
    /// checkpoint. Behind what we delivered (even in our view, with our checkpoint):
    /// it gets our commit certificates above its checkpoint. A replica that was down
    /// while slots committed never sees their shares or certificates again, and it
    /// delivers in slot order, so without them it stays stuck below the first slot it
    /// missed; a restarted primary then fills its proposal window with slots it can
    /// never deliver and forces a view change on a healthy cluster.
    mutating func onStatus(view peerView: ViewNumber, stable peerStable: SequenceNumber, from sender: ReplicaID,
                           into out: inout [InstanceEffect]) {
        resendProofs(toLagging: sender, above: peerStable, into: &out)
        guard (isViewActive && peerView < view) || peerStable < lowWatermark else { return }
        // The view's proof once per view; the checkpoint's also once per stable
        // checkpoint of ours, so a peer that fell behind again (see `noteAhead`) is
        // shown the newer one.
        let helpsView = helped[sender] != view || !isViewActive
        let showsCheckpoint = peerStable < lowWatermark && pointedToCheckpoint[sender] != stable.sequence
        guard helpsView || showsCheckpoint else { return }
        if helpsView {
            helped[sender] = view
            if isViewActive, let inst = installed {
                out.append(.send(.hybrid(.newViewProof(HybridNewViewProof(decision: inst.decision, certificate: inst.certificate,
                                                                          proof: inst.commitProof))), to: sender))
            }
        }
        if stable.sequence > .zero { pointedToCheckpoint[sender] = stable.sequence }
        for c in stable.proof { out.append(.send(.checkpoint(c), to: sender)) }
    }

    /// A peer sent a PREPARE or commit certificate for slot `sequence`, beyond this
    /// replica's window: the others made checkpoints stable that this replica never
    /// saw a quorum of votes for (it was down, or the votes of a Byzantine peer never
    /// come), so it can neither deliver those slots nor know which state to fetch.
    /// It tells `sender` where it stands, which answers with its stable checkpoint's
    /// proof (`onStatus`). On the 1st, 17th, 33rd… such message: the peer answers
    /// once per checkpoint of its own, and a lost status is repeated.
    ///
    /// Why: with N = 2f+1 a replica that lags by a window while one peer withholds
    /// its messages from it sees only one vote per checkpoint; it asked its peers
    /// for its own last stable state, which they had pruned, and executed nothing
    /// again (linearhybster/3 seed 25, `--byzantine 2:drop-to --pause 1@2.8-5.0`:
    /// replica 1 waited for state 48 from 5.1 s to the end).
    mutating func noteAhead(_ sequence: SequenceNumber, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard sequence > highWatermark else { return }
        aheadOfWindow &+= 1
        guard aheadOfWindow % 16 == 1 else { return }
        out.append(.send(statusReport, to: sender))
    }

    /// A peer whose checkpoint `above` lies below what we delivered gets our commit
    /// certificates above it (a certificate of any view fixes its slot, so the peer
    /// may use them whichever view it is in). Once per peer, view and stable
    /// checkpoint of ours, so a peer repeating its status cannot make us resend the
    /// window again and again.
    mutating func resendProofs(toLagging peer: ReplicaID, above: SequenceNumber, into out: inout [InstanceEffect]) {
        let mark = ResendMark(view: view, stable: lowWatermark)
        guard above < lastDelivered, resentOnStatus[peer] != mark else { return }
        resentOnStatus[peer] = mark
        sendProofs(above: above, to: peer, into: &out)
    }

    /// Sends `peer` every commit certificate we hold for a slot above `above`.
    func sendProofs(above: SequenceNumber, to peer: ReplicaID, into out: inout [InstanceEffect]) {
        for seq in proofs.keys.sorted() where seq > above {
            out.append(.send(.hybrid(.commitProof(proofs[seq]!)), to: peer))
        }
    }
}
