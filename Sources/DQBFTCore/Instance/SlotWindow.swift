/// The slot window every instance type keeps, whatever its protocol: the stable
/// checkpoint (low watermark) and its certificate, the high watermark, where
/// delivery and the next proposal stand, and the checkpoint votes that move the
/// window (signed, recorded, validated and adopted here), the payloads being
/// fetched for its slots, and the progress timer that watches them. `PBFTInstance` and `HybridInstance` each embed one (`window`); what
/// they keep per slot, and how a slot commits, stays theirs.
///
/// What stays in each instance, because the protocols differ there:
/// - in-order delivery (`tryDeliver`): a PBFT slot fetches a missing payload when
///   it commits and delivers once the payload arrives; a hybrid slot's commit
///   certificate may name a payload never seen, fetched when delivery reaches it;
/// - what a slot holds and forgets when the window moves (PBFT keeps accepted and
///   committed digests' payloads; a hybrid instance also its commit certificates
///   and its trusted counter's shared position, `lastShared`);
/// - helping peers catch up (PBFT re-sends its COMMITs, a hybrid instance its
///   commit certificates and the installed view's proof), and the view change.
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
    var lastDelivered: SequenceNumber = .zero {
        didSet { precondition(lastDelivered >= oldValue, "delivery never goes back (\(oldValue) → \(lastDelivered))") }
    }
    /// Recent signed checkpoints per replica above the low watermark (≤ 4 each).
    var checkpointVotes = CheckpointVotes()
    /// Payload digests this replica is fetching, with the replicas asked next.
    var fetching: PayloadFetcher
    /// Whether the progress timer (`InstanceTimer.progress`) is set.
    var progressTimerRunning = false
    /// Messages the instance set aside, and why.
    var rejections = RejectionCounts()

    init(parameters: InstanceParameters, genesis: Digest, me: ReplicaID, config: ClusterConfiguration) {
        self.parameters = parameters
        self.genesis = genesis
        self.stable = CheckpointCertificate(sequence: .zero, digest: genesis, proof: [])
        self.fetching = PayloadFetcher(me: me, config: config, retryNanos: parameters.fetchRetryNanos)
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

    // MARK: - Checkpoints

    /// This replica's signed vote for checkpoint `sequence` with state `stateDigest`
    /// (the owner executed through it); nil unless `sequence` is a checkpoint above
    /// the stable one.
    func vote(at sequence: SequenceNumber, stateDigest: Digest, instance: InstanceID,
              signer: any ReplicaSigner) -> SignedCheckpoint? {
        guard sequence > lowWatermark, isCheckpoint(sequence) else { return nil }
        var c = SignedCheckpoint(sender: signer.me, sequence: sequence, stateDigest: stateDigest, signature: [])
        c.signature = signer.sign(c.signedBytes(instance: instance))
        return c
    }

    /// Records a checkpoint vote, this replica's own or a peer's (the signer need
    /// not be the sender: peers relay certificates to catch a replica up), and
    /// returns the certificate once `quorum` replicas signed that state. Votes by
    /// no replica of the cluster, for a slot that is no checkpoint, or at or below
    /// the stable checkpoint are ignored.
    mutating func record(_ c: SignedCheckpoint, quorum: Int, replicaCount: Int) -> CheckpointCertificate? {
        guard c.sender.index < replicaCount, c.sequence > lowWatermark, isCheckpoint(c.sequence) else { return nil }
        return checkpointVotes.record(c, quorum: quorum)
    }

    /// Checks a checkpoint certificate's structure (signatures were checked before
    /// the core): a quorum of distinct replicas signing the same state, or genesis.
    func isValid(_ cert: CheckpointCertificate, config: ClusterConfiguration) -> Bool {
        CheckpointVotes.isValid(cert, quorum: config.quorum, genesis: genesis,
                                interval: parameters.checkpointInterval, replicaCount: config.replicaCount)
    }

    /// Makes `cert` the stable checkpoint if it lies above the current one: the
    /// window moves up to it, older votes are forgotten and proposals continue
    /// above it. False, and nothing changes, otherwise. Emits nothing: the owner
    /// forgets its own slots at or below it, then calls `reportAdopted`.
    mutating func adopt(_ cert: CheckpointCertificate) -> Bool {
        guard cert.sequence > lowWatermark else { return false }
        let seq = cert.sequence
        lowWatermark = seq
        stable = cert
        checkpointVotes.forget(through: seq)
        if nextProposal <= seq { nextProposal = seq.advanced(by: 1) }
        return true
    }

    /// After `adopt`: a checkpoint beyond what was delivered covers the slots up to
    /// it, whose state the owner must install (`needsState`); then the checkpoint
    /// is reported stable.
    mutating func reportAdopted(into out: inout [InstanceEffect]) {
        let seq = stable.sequence
        if seq > lastDelivered {
            lastDelivered = seq
            out.append(.needsState(seq, stable.digest))
        }
        out.append(.checkpointStable(seq))
    }

    // MARK: - Timers

    /// Sets the progress timer: proposals accepted here must be delivered within
    /// `progressTimeoutNanos`, or the primary is suspected. The owner calls it only
    /// while the timer is not running, its view is active and work is pending.
    mutating func startProgressTimer(into out: inout [InstanceEffect]) {
        progressTimerRunning = true
        out.append(.setTimer(.progress, afterNanos: parameters.progressTimeoutNanos))
    }

    /// Cancels the progress timer (delivery made progress, or the view is left).
    mutating func stopProgressTimer(into out: inout [InstanceEffect]) {
        progressTimerRunning = false
        out.append(.cancelTimer(.progress))
    }

    /// After a restart: the fetch timer runs again if payloads are still missing.
    func resumeFetching(into out: inout [InstanceEffect]) {
        if !fetching.isEmpty { out.append(.setTimer(.fetch, afterNanos: parameters.fetchRetryNanos)) }
    }

    // MARK: - Catching up

    /// What a replica tells a peer about where it stands: the last view it was
    /// active in and its stable checkpoint (a peer ahead answers with what it missed).
    func statusReport(view: ViewNumber, isViewActive: Bool) -> ConsensusMessage {
        .status(view: isViewActive ? view : ViewNumber(view.rawValue &- 1), stableSequence: lowWatermark)
    }
}
