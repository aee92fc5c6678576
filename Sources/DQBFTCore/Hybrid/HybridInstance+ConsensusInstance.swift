extension HybridInstance: ConsensusInstance {
    public var stableProof: [SignedCheckpoint] { stable.proof }
    public var rejections: RejectionCounts { window.rejections }
    /// Broadcasts this replica's STATUS: a peer that delivered past our checkpoint
    /// answers with its commit certificates above it (`onStatus`).
    public mutating func catchUp(to seq: SequenceNumber, into out: inout [InstanceEffect]) {
        guard seq > lastDelivered else { return }
        out.append(.broadcast(.status(view: isViewActive ? view : ViewNumber(view.rawValue &- 1), stableSequence: lowWatermark)))
    }
    public mutating func isRedundant(_ message: ConsensusMessage) -> Bool {
        guard case .hybrid(let h) = message else { return false }
        switch h {
        case .prepare(let p):
            return p.sequence <= lastDelivered || (p.view == view && slots[p.sequence]?.prepare != nil)
        case .commitProof(let p):
            return p.sequence <= lastDelivered || slots[p.sequence]?.committed != nil
        default: return false
        }
    }
    public static func proposal(in message: ConsensusMessage) -> InstanceProposal? {
        guard case .hybrid(.prepare(let p)) = message else { return nil }
        return InstanceProposal(view: p.view, sequence: p.sequence, payload: p.payload)
    }
    public static func requestedView(in message: ConsensusMessage) -> ViewNumber? {
        guard case .hybrid(.viewChange(let vc)) = message else { return nil }
        return vc.newView
    }
}
