extension PBFTInstance {
    // MARK: - Retransmission (Castro–Liskov: messages lost on the wire are re-sent)

    /// The primary's progress timer fired: its own proposals have not been delivered
    /// for a whole timeout. The usual cause is lost messages (a partition that has
    /// healed since, a lossy link), in one of two directions:
    /// - its PRE-PREPAREs never reached the backups: those have no pending work and so
    ///   no timer, and a primary leaving the view alone would strand the slots until
    ///   clients retransmit. It re-sends the PRE-PREPAREs of its lowest undelivered
    ///   slots of this view (at most `maxInFlightProposals`);
    /// - its proposals prepared here but the backups' COMMITs were lost: then it
    ///   also broadcasts its status, and peers that delivered more re-send theirs
    ///   (`help`, rate-limited there).
    /// Once per view and delivery position, driven by its own timer only: nothing a
    /// peer sends triggers it. If the next timeout finds it at the same position it
    /// leaves the view, and its backups follow it (`onViewChange`). True if it
    /// re-sent (the caller re-arms the timer), false if it should leave. Only with
    /// `PBFTParameters.retransmitsProposals` (single-primary PBFT).
    mutating func retransmitProposals(into out: inout [InstanceEffect]) -> Bool {
        guard parameters.retransmitsProposals, isPrimary, isViewActive else { return false }
        if let r = retransmitted, r.view == view, r.at == lastDelivered { return false }
        retransmitted = RetransmitMark(view: view, at: lastDelivered)
        var seq = lastDelivered.advanced(by: 1)
        var sent: UInt64 = 0
        while seq <= highWatermark, seq < nextProposal, sent < parameters.maxInFlightProposals {
            if let slot = slots[seq], slot.acceptedView == view, let digest = slot.acceptedDigest,
               let payload = slot.payload(for: digest) {
                out.append(.broadcast(.prePrepare(PrePrepare(view: view, sequence: seq, payload: payload))))
                sent += 1
            }
            seq = seq.advanced(by: 1)
        }
        // Its proposals prepared but did not commit here: the backups' COMMITs were
        // lost; its status makes peers that delivered more re-send theirs (`help`).
        let stuckCommitting = slots.contains { $0.key > lastDelivered && $0.value.preparedView == view
            && $0.value.committedDigest == nil }
        if stuckCommitting { out.append(.broadcast(statusReport)) }
        return true
    }
}
