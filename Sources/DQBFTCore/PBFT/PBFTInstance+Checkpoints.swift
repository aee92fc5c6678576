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
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool { window.isCheckpoint(sequence) }

    mutating func onCheckpoint(_ c: SignedCheckpoint, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        // The signer need not be the sender: peers relay certificates to catch us up.
        guard c.sender.index < config.replicaCount, c.sequence > lowWatermark, isCheckpoint(c.sequence) else { return }
        record(c, into: &out)
    }

    mutating func record(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        let quorum = config.mutated(.pbftCheckpointWeakQuorum) ? config.weakQuorum : config.quorum
        if let cert = checkpointVotes.record(c, quorum: quorum) { makeStable(cert, into: &out) }
    }

    /// Checks a checkpoint certificate's structure (signatures were checked before
    /// the core): a quorum of distinct replicas signing the same state, or genesis.
    func isValid(_ cert: CheckpointCertificate) -> Bool {
        CheckpointVotes.isValid(cert, quorum: config.quorum, genesis: window.genesis,
                                interval: parameters.checkpointInterval, replicaCount: config.replicaCount)
    }

    /// Adopts a stable checkpoint: advances the window and forgets what lies below.
    mutating func makeStable(_ cert: CheckpointCertificate, into out: inout [InstanceEffect]) {
        guard cert.sequence > lowWatermark else { return }
        let seq = cert.sequence
        lowWatermark = seq
        stable = cert
        slots = slots.filter { $0.key > seq }
        checkpointVotes.forget(through: seq)
        fetching.keep(only: Set(slots.values.flatMap { [$0.acceptedDigest, $0.committedDigest].compactMap { $0 } }))
        if seq > lastDelivered {
            lastDelivered = seq
            out.append(.needsState(seq, cert.digest))
        }
        if nextProposal <= seq { nextProposal = seq.advanced(by: 1) }
        out.append(.checkpointStable(seq))
        tryDeliver(into: &out)
    }
}
