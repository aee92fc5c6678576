extension PBFTInstance {
    /// Re-learns a message this replica sent before it restarted (read back from its
    /// durable log, oldest first), so that it never contradicts it afterwards.
    ///
    /// Guarantees, once every logged message was restored: the view is the highest
    /// one the replica acted in, inactive if its last act there was asking for it
    /// (it re-sends that VIEW-CHANGE and does not vote in older views); a slot it
    /// PRE-PREPAREd or PREPAREd in view v keeps that digest as v's accepted proposal
    /// (a conflicting PRE-PREPARE for v is refused), its COMMITs are remembered
    /// (as prepared claims for later view changes), and its own proposals continue
    /// after the last slot it proposed. Emits nothing and sets no timers: call
    /// `recover` afterwards. Checkpoint votes need no restoring (re-executing gives
    /// the same state digest); status, fetch and payload messages carry no promise.
    public mutating func restore(sent message: ConsensusMessage) {
        switch message {
        case .prePrepare(let pp):
            enterRestored(pp.view)
            restoreAccepted(pp.payload.digest, at: pp.sequence, view: pp.view, payload: pp.payload)
            nextProposal = max(nextProposal, pp.sequence.advanced(by: 1))
        case .prepare(let v):
            enterRestored(v.view)
            restoreAccepted(v.digest, at: v.sequence, view: v.view, payload: nil)
        case .commit(let v):
            enterRestored(v.view)
            // A COMMIT follows accepting the proposal in its view, even if the log
            // segment holding that PREPARE was deleted since.
            restoreAccepted(v.digest, at: v.sequence, view: v.view, payload: nil)
            var slot = slots[v.sequence, default: PBFTSlot()]
            if (slot.preparedView ?? .zero) <= v.view {
                slot.preparedView = v.view
                slot.preparedDigest = v.digest
            }
            slot.commits.insert(me, for: PBFTSlot.VoteKey(view: v.view, digest: v.digest))
            if slot.acceptedView == v.view && slot.acceptedDigest == v.digest { slot.sentCommit = true }
            slots[v.sequence] = slot
        case .viewChange(let message):
            let target = message.signed.viewChange.newView
            guard target > view else { return }
            view = target
            isViewActive = false
            viewChanges[me] = message
        case .newView(let nv):
            guard nv.view >= view else { return }
            view = nv.view
            isViewActive = true
            lastNewView = nv
            for (i, digest) in nv.proposals.enumerated() {
                restoreAccepted(digest, at: nv.startSequence.advanced(by: Int64(i + 1)), view: nv.view, payload: nil)
            }
            nextProposal = max(nextProposal, nv.startSequence.advanced(by: Int64(nv.proposals.count + 1)))
        case .checkpoint, .fetch, .payload, .status, .hybrid:
            return
        }
    }

    /// A normal-case message of view `v` was sent: the replica had entered `v`.
    mutating func enterRestored(_ v: ViewNumber) {
        if v > view {
            view = v
            isViewActive = true
        } else if v == view && !isViewActive {
            // Normal-case messages of a view follow its installation.
            isViewActive = true
        }
    }

    mutating func restoreAccepted(_ digest: Digest, at seq: SequenceNumber, view v: ViewNumber, payload: Payload?) {
        guard (slots[seq]?.acceptedView ?? .zero) <= v else { return }
        // `accept` clears `sentCommit`; a COMMIT restored for this same proposal keeps it.
        let keepsCommit = slots[seq].map { $0.acceptedView == v && $0.acceptedDigest == digest && $0.sentCommit } ?? false
        let primary = config.primary(of: v, initial: initialPrimary), me = self.me
        slots[seq, default: PBFTSlot()].accept(digest, view: v, primary: primary, me: me, payload: payload)
        slots[seq]!.sentCommit = keepsCommit
    }
}
