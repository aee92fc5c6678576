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
        guard c.view == view, isViewActive, c.certificate.signer == sender, c.sequence > lastDelivered,
              c.sequence <= highWatermark, c.certificate.value == value(view, .ordering, c.sequence),
              slots[c.sequence]?.committed == nil else { return }
        guard !(slots[c.sequence]?.rejected.contains(sender) ?? false) else { return }
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

    /// Combines f+1 shares matching the PREPARE of `seq` (collectors and Hybster
    /// replicas). Invalid shares are dropped and their signers remembered.
    mutating func tryCombine(_ seq: SequenceNumber, into out: inout [InstanceEffect]) {
        guard var slot = slots[seq], isCollecting || slot.askedToCollect, slot.committed == nil,
              let digest = slot.prepare?.payload.digest ?? slot.claimed, slot.shares.count >= config.f + 1 else { return }
        let shares = slot.shares.keys.sorted().prefix(config.f + 1).map { slot.shares[$0]! }
        switch crypto.scheme.combine(Array(shares), message: digest, instance: id) {
        case .combined(let qc):
            slot.committed = digest
            if slot.payload?.digest != digest { slot.payload = nil }
            slots[seq] = slot
            if parameters.pattern == .collector {
                let proof = HybridCommitProof(view: view, sequence: seq, digest: digest, proof: qc)
                proofs[seq] = proof
                out.append(.broadcast(.hybrid(.commitProof(proof))))
            }
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
        // A commit certificate of any view fixes the slot: f+1 replicas, one of them
        // correct, committed it there, so every later view keeps it.
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
        collectorWatch = waitingShares().first?.sequence ?? SequenceNumber(lastDelivered.rawValue + 1)
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
    /// answer in time: turn to the next one and re-send the shares it still misses.
    mutating func collectorTimedOut(into out: inout [InstanceEffect]) {
        let waiting = waitingShares()
        guard let oldest = waiting.first else { return }
        guard oldest.sequence <= collectorWatch else { return armCollectorTimer(into: &out) }
        collectorTurn += 1
        let c = collector(of: view, turn: collectorTurn)
        if c == me {
            for s in waiting { if let p = slots[s.sequence]?.prepare { addShare(p.certificate, seq: s.sequence, into: &out) } }
        } else {
            for s in waiting { out.append(.send(.hybrid(.commitRetry(s)), to: c)) }
        }
        armCollectorTimer(into: &out)
    }

    // MARK: - Fetching payloads

    mutating func startFetch(_ digest: Digest, into out: inout [InstanceEffect]) {
        guard fetching[digest] == nil else { return }
        var order: [ReplicaID] = [primary]
        for r in config.replicas where !order.contains(r) { order.append(r) }
        fetching[digest] = order.filter { $0 != me }
        askNext(digest, into: &out)
        out.append(.setTimer(.fetch, afterNanos: base.fetchRetryNanos))
    }

    mutating func askNext(_ digest: Digest, into out: inout [InstanceEffect]) {
        guard var order = fetching[digest], !order.isEmpty else { return }
        let ask = order.prefix(config.f + 1)
        for r in ask { out.append(.send(.fetch(digest), to: r)) }
        order.removeFirst(ask.count)
        order.append(contentsOf: ask)
        fetching[digest] = order
    }

    mutating func onFetch(_ digest: Digest, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        for (_, slot) in slots {
            if let p = slot.payload, p.digest == digest { out.append(.send(.payload(p), to: sender)); return }
            if let p = slot.prepare?.payload, p.digest == digest { out.append(.send(.payload(p), to: sender)); return }
        }
    }

    mutating func onPayload(_ payload: Payload, into out: inout [InstanceEffect]) {
        let digest = payload.digest
        guard fetching.removeValue(forKey: digest) != nil else { return }
        for (seq, slot) in slots where slot.committed == digest { slots[seq]!.payload = payload }
        tryDeliver(into: &out)
    }

    // MARK: - Checkpoints

    /// The owner executed through `sequence` (a checkpoint) with state `stateDigest`.
    public mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect]) {
        guard sequence > lowWatermark, isCheckpoint(sequence) else { return }
        var c = SignedCheckpoint(sender: me, sequence: sequence, stateDigest: stateDigest, signature: [])
        c.signature = signer.sign(c.signedBytes(instance: id))
        out.append(.broadcast(.checkpoint(c)))
        recordCheckpoint(c, into: &out)
    }

    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool {
        sequence.rawValue % base.checkpointInterval == 0
    }

    mutating func onCheckpoint(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        guard c.sender.index < config.replicaCount, c.sequence > lowWatermark, isCheckpoint(c.sequence) else { return }
        recordCheckpoint(c, into: &out)
    }

    mutating func recordCheckpoint(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        var list = checkpointVotes[c.sender] ?? []
        guard !list.contains(where: { $0.sequence == c.sequence }) else { return }
        list.append(c)
        list.sort { $0.sequence < $1.sequence }
        if list.count > 4 { list.removeFirst(list.count - 4) }
        checkpointVotes[c.sender] = list
        var matching: [SignedCheckpoint] = []
        for (_, votes) in checkpointVotes {
            if let m = votes.first(where: { $0.sequence == c.sequence && $0.stateDigest == c.stateDigest }) { matching.append(m) }
        }
        // f+1 matching signatures include a correct replica's.
        guard matching.count >= config.f + 1 else { return }
        matching.sort { $0.sender < $1.sender }
        makeStable(CheckpointCertificate(sequence: c.sequence, digest: c.stateDigest,
                                         proof: Array(matching.prefix(config.f + 1))), into: &out)
    }

    func isValid(_ cert: CheckpointCertificate) -> Bool {
        if cert.sequence == .zero { return cert.proof.isEmpty && cert.digest == genesis }
        guard isCheckpoint(cert.sequence) else { return false }
        var signers = ReplicaSet()
        for c in cert.proof {
            guard c.sequence == cert.sequence, c.stateDigest == cert.digest, c.sender.index < config.replicaCount,
                  signers.insert(c.sender) else { return false }
        }
        return signers.count >= config.f + 1
    }

    mutating func makeStable(_ cert: CheckpointCertificate, into out: inout [InstanceEffect]) {
        guard cert.sequence > lowWatermark else { return }
        let seq = cert.sequence
        lowWatermark = seq
        stable = cert
        slots = slots.filter { $0.key > seq }
        proofs = proofs.filter { $0.key > seq }
        checkpointVotes = checkpointVotes.compactMapValues { votes in
            let kept = votes.filter { $0.sequence > seq }
            return kept.isEmpty ? nil : kept
        }
        let wanted = Set(slots.values.compactMap(\.committed))
        fetching = fetching.filter { wanted.contains($0.key) }
        if seq > lastDelivered {
            lastDelivered = seq
            out.append(.needsState(seq, cert.digest))
        }
        if lastShared < seq { lastShared = seq }
        if nextProposal <= seq { nextProposal = seq.advanced(by: 1) }
        out.append(.checkpointStable(seq))
        shareInOrder(into: &out)
        tryDeliver(into: &out)
    }

    // MARK: - Catching up

    mutating func onStatus(view peerView: ViewNumber, stable peerStable: SequenceNumber, from sender: ReplicaID,
                           into out: inout [InstanceEffect]) {
        guard (isViewActive && peerView < view) || peerStable < lowWatermark else { return }
        guard helped[sender] != view || !isViewActive else { return }
        helped[sender] = view
        if isViewActive, let inst = installed {
            out.append(.send(.hybrid(.newViewProof(HybridNewViewProof(decision: inst.decision, certificate: inst.certificate,
                                                                      proof: inst.commitProof))), to: sender))
        }
        for c in stable.proof { out.append(.send(.checkpoint(c), to: sender)) }
    }
}
