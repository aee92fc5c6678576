extension PBFTInstance: ConsensusInstance {
    public var stableProof: [SignedCheckpoint] { stable.proof }
    /// Broadcasts this replica's STATUS: a peer that delivered past our checkpoint
    /// answers with its COMMITs above it (`help`).
    public mutating func catchUp(to seq: SequenceNumber, into out: inout [InstanceEffect]) {
        guard seq > lastDelivered else { return }
        out.append(.broadcast(statusReport))
    }
    public mutating func isRedundant(_ message: ConsensusMessage) -> Bool {
        guard case .prePrepare(let pp) = message else { return false }
        return pp.sequence <= lastDelivered || (pp.view == view && slots[pp.sequence]?.acceptedView == view)
    }
    public static func proposal(in message: ConsensusMessage) -> InstanceProposal? {
        guard case .prePrepare(let pp) = message else { return nil }
        return InstanceProposal(view: pp.view, sequence: pp.sequence, payload: pp.payload)
    }
    public static func requestedView(in message: ConsensusMessage) -> ViewNumber? {
        guard case .viewChange(let vc) = message else { return nil }
        return vc.signed.viewChange.newView
    }
    public var rejections: RejectionCounts { window.rejections }

    public var status: String {
        "view=\(view.rawValue) active=\(isViewActive) low=\(lowWatermark.rawValue) delivered=\(lastDelivered.rawValue)"
    }
}
