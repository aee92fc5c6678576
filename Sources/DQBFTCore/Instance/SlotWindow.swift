/// The slot window every instance type keeps, whatever its protocol: the stable
/// checkpoint (low watermark) and its certificate, the high watermark, where
/// delivery and the next proposal stand, and the checkpoint votes that move the
/// window. `PBFTInstance` and `HybridInstance` each embed one (`window`); what
/// they keep per slot, and how a slot commits, stays theirs.
///
/// Guarantees: `lowWatermark` and `stable` change together, only to a checkpoint
/// certified by a quorum (`adopt`), and never decrease there; a slot is `inWindow`
/// only between the watermarks, `windowSize` slots wide; `lastDelivered` and
/// `nextProposal` never fall to or below an adopted checkpoint.
struct SlotWindow: Sendable {
    /// The instance's tuning (window, checkpoints, timeouts, in-flight cap).
    let parameters: InstanceParameters
    /// The state digest before anything executed (slot 0).
    let genesis: Digest
    /// The stable checkpoint: slots at or below it are forgotten.
    var lowWatermark: SequenceNumber = .zero
    /// The certificate of the stable checkpoint (no proof at genesis, or when a
    /// hybrid NEW-VIEW's committed decision stands for it).
    var stable: CheckpointCertificate
    /// Next slot the primary proposes at.
    var nextProposal = SequenceNumber(1)
    /// Highest slot delivered to the owner (or covered by a state transfer).
    var lastDelivered: SequenceNumber = .zero
    /// Recent signed checkpoints per replica above the low watermark (≤ 4 each).
    var checkpointVotes = CheckpointVotes()

    init(parameters: InstanceParameters, genesis: Digest) {
        self.parameters = parameters
        self.genesis = genesis
        self.stable = CheckpointCertificate(sequence: .zero, digest: genesis, proof: [])
    }

    /// The highest slot accepted now.
    var highWatermark: SequenceNumber { lowWatermark.adding(slots: parameters.windowSize) }

    /// True if `seq` lies between the watermarks.
    func inWindow(_ seq: SequenceNumber) -> Bool { seq > lowWatermark && seq <= highWatermark }

    /// True if the window lets a primary propose at `nextProposal` now: inside the
    /// window, above what was delivered, and within the in-flight cap.
    var isOpen: Bool {
        nextProposal <= highWatermark && nextProposal > lastDelivered
            && nextProposal.slots(after: lastDelivered) <= parameters.maxInFlightProposals
    }

    /// Whether the owner takes a checkpoint after slot `sequence` (the same answer
    /// on every replica).
    func isCheckpoint(_ sequence: SequenceNumber) -> Bool {
        sequence.rawValue % parameters.checkpointInterval == 0
    }

    /// What a replica tells a peer about where it stands: the last view it was
    /// active in and its stable checkpoint (a peer ahead answers with what it missed).
    func statusReport(view: ViewNumber, isViewActive: Bool) -> ConsensusMessage {
        .status(view: isViewActive ? view : ViewNumber(view.rawValue &- 1), stableSequence: lowWatermark)
    }
}
