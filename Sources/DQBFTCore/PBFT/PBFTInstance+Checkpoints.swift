extension PBFTInstance {
    /// The owner executed through `sequence` (a multiple of the checkpoint interval)
    /// and its state digest is `stateDigest`: sign and broadcast a checkpoint.
    public mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect]) {
        guard sequence > lowWatermark, sequence.rawValue % parameters.checkpointInterval == 0 else { return }
        var c = SignedCheckpoint(sender: me, sequence: sequence, stateDigest: stateDigest, signature: [])
        c.signature = signer.sign(c.signedBytes(instance: id))
        out.append(.broadcast(.checkpoint(c)))
        record(c, into: &out)
    }

    /// Whether this replica should take a checkpoint after delivering `sequence`.
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool {
        sequence.rawValue % parameters.checkpointInterval == 0
    }

    mutating func onCheckpoint(_ c: SignedCheckpoint, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        // The signer need not be the sender: peers relay certificates to catch us up.
        guard c.sender.index < config.replicaCount, c.sequence > lowWatermark, isCheckpoint(c.sequence) else { return }
        record(c, into: &out)
    }

    mutating func record(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        var list = checkpointVotes[c.sender] ?? []
        guard !list.contains(where: { $0.sequence == c.sequence }) else { return }
        list.append(c)
        list.sort { $0.sequence < $1.sequence }
        if list.count > 4 { list.removeFirst(list.count - 4) }
        checkpointVotes[c.sender] = list
        var matching: [SignedCheckpoint] = []
        for (_, votes) in checkpointVotes {
            if let m = votes.first(where: { $0.sequence == c.sequence && $0.stateDigest == c.stateDigest }) {
                matching.append(m)
            }
        }
        guard matching.count >= config.quorum else { return }
        matching.sort { $0.sender < $1.sender }
        makeStable(CheckpointCertificate(sequence: c.sequence, digest: c.stateDigest,
                                         proof: Array(matching.prefix(config.quorum))), into: &out)
    }

    /// Checks a checkpoint certificate's structure (signatures were checked before
    /// the core): a quorum of distinct replicas signing the same state, or genesis.
    func isValid(_ cert: CheckpointCertificate) -> Bool {
        if cert.sequence == .zero { return cert.proof.isEmpty && cert.digest == genesisDigest }
        guard isCheckpoint(cert.sequence) else { return false }
        var signers = ReplicaSet()
        for c in cert.proof {
            guard c.sequence == cert.sequence, c.stateDigest == cert.digest, c.sender.index < config.replicaCount,
                  signers.insert(c.sender) else { return false }
        }
        return signers.count >= config.quorum
    }

    var genesisDigest: Digest { genesis }

    /// Adopts a stable checkpoint: advances the window and forgets what lies below.
    mutating func makeStable(_ cert: CheckpointCertificate, into out: inout [InstanceEffect]) {
        guard cert.sequence > lowWatermark else { return }
        let seq = cert.sequence
        lowWatermark = seq
        stable = cert
        slots = slots.filter { $0.key > seq }
        checkpointVotes = checkpointVotes.compactMapValues { votes in
            let kept = votes.filter { $0.sequence > seq }
            return kept.isEmpty ? nil : kept
        }
        let wanted = Set(slots.values.flatMap { [$0.acceptedDigest, $0.committedDigest].compactMap { $0 } })
        fetching = fetching.filter { wanted.contains($0.key) }
        if seq > lastDelivered {
            lastDelivered = seq
            out.append(.needsState(seq, cert.digest))
        }
        if nextProposal <= seq { nextProposal = seq.advanced(by: 1) }
        out.append(.checkpointStable(seq))
        tryDeliver(into: &out)
    }
}
