extension PBFTInstance {
    /// The owner executed through `sequence` (a multiple of the checkpoint interval)
    /// and its state digest is `stateDigest`: sign and broadcast a checkpoint.
    public mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect]) {
        guard let c = window.vote(at: sequence, stateDigest: stateDigest, instance: id, signer: signer) else { return }
        out.append(.broadcast(.checkpoint(c)))
        record(c, into: &out)
    }

    /// Whether this replica should take a checkpoint after delivering `sequence`.
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool { window.isCheckpoint(sequence) }

    /// Records a checkpoint vote (this replica's, or a peer's, perhaps relayed); a
    /// quorum of them makes the checkpoint stable.
    mutating func record(_ c: SignedCheckpoint, into out: inout [InstanceEffect]) {
        let quorum = config.mutated(.pbftCheckpointWeakQuorum) ? config.weakQuorum : config.quorum
        if let cert = window.record(c, quorum: quorum, replicaCount: config.replicaCount) { makeStable(cert, into: &out) }
    }

    /// Checks a checkpoint certificate's structure (`SlotWindow.isValid`).
    func isValid(_ cert: CheckpointCertificate) -> Bool { window.isValid(cert, config: config) }

    /// Adopts a stable checkpoint: advances the window and forgets what lies below.
    mutating func makeStable(_ cert: CheckpointCertificate, into out: inout [InstanceEffect]) {
        guard window.adopt(cert) else { return }
        let seq = cert.sequence
        slots = slots.filter { $0.key > seq }
        window.fetching.keep(only: Set(slots.values.flatMap { [$0.acceptedDigest, $0.committedDigest].compactMap { $0 } }))
        window.reportAdopted(into: &out)
        tryDeliver(into: &out)
    }
}
