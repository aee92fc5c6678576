/// One PBFT consensus instance (Castro–Liskov) as a pure state machine: it
/// consumes verified messages, proposals and timer expiries and returns effects.
///
/// Normal case: PRE-PREPARE → PREPARE (quorum) → COMMIT (quorum); slots are
/// processed out of order within the watermark window; checkpoints every
/// `checkpointInterval` slots become stable with a quorum of signed CHECKPOINTs and
/// advance the window; view changes carry prepared/pre-prepared claims and a
/// checkpoint certificate; the new primary's NEW-VIEW is recomputed by backups.
///
/// Guarantees (the paper's P1–P4 under N ≥ 3f+1): no two correct replicas deliver
/// different payloads for one slot (P1); a delivered payload is never delivered at
/// another slot in a later view (P2); in a stable view with a correct primary every
/// proposal commits (P3); f+1 replicas asking for a view change make it happen (P4).
/// Messages must be authenticated before they reach this type.
public struct PBFTInstance: Sendable {
    public let id: InstanceID
    public let config: ClusterConfiguration
    public let me: ReplicaID
    public let initialPrimary: ReplicaID
    let signer: any ReplicaSigner
    /// Watermarks, stable checkpoint, delivery and proposal positions (shared with
    /// the hybrid instances).
    var window: SlotWindow

    /// Current view (the target view while `isViewActive` is false).
    public internal(set) var view: ViewNumber = .zero {
        didSet { precondition(view >= oldValue, "a view never decreases (\(oldValue) → \(view))") }
    }
    /// False between asking for a view change and installing the new view.
    public internal(set) var isViewActive = true
    /// The stable checkpoint: slots at or below it are forgotten. Only the window
    /// moves it (`SlotWindow.adopt`).
    public var lowWatermark: SequenceNumber { window.lowWatermark }
    var stable: CheckpointCertificate { window.stable }
    /// Next slot the primary proposes at.
    public internal(set) var nextProposal: SequenceNumber {
        get { window.nextProposal }
        set { window.nextProposal = newValue }
    }
    /// Highest slot delivered to the owner (or covered by a state transfer).
    public internal(set) var lastDelivered: SequenceNumber {
        get { window.lastDelivered }
        set { window.lastDelivered = newValue }
    }
    var slots: [SequenceNumber: PBFTSlot] = [:]
    public var slotCount: Int { slots.count }
    /// The latest view change received from each replica.
    var viewChanges: [ReplicaID: ViewChangeMessage] = [:]
    /// The NEW-VIEW that installed the current view (re-sent to replicas left behind).
    var lastNewView: NewView?
    /// Consecutive failed view changes (the view-change timeout doubles with each).
    var failedViewChanges = 0
    /// Replicas we sent a NEW-VIEW / checkpoint catch-up to, per view (rate limit).
    var helped: [ReplicaID: ViewNumber] = [:]
    /// Per replica, the view and checkpoint it reported when we last re-sent it our
    /// COMMITs (rate limit: once per view and reported checkpoint).
    var resentCommits: [ReplicaID: ResendMark] = [:]
    struct ResendMark: Hashable, Sendable { var view: ViewNumber; var above: SequenceNumber }
    /// Replicas we sent our status to, per view (rate limit).
    var askedAhead: [ReplicaID: ViewNumber] = [:]
    /// Replicas we sent our status to because they sent messages beyond our window,
    /// with our stable checkpoint then (rate limit: once per peer and checkpoint).
    var askedBeyond: [ReplicaID: SequenceNumber] = [:]
    /// Replicas we sent our stable checkpoint's proof to, with its sequence (rate limit).
    var provedStable: [ReplicaID: SequenceNumber] = [:]
    /// As primary: the view and delivery position at which it last re-sent its
    /// proposals on a progress timeout (once there; the next timeout leaves the view).
    var retransmitted: RetransmitMark?
    struct RetransmitMark: Hashable, Sendable { var view: ViewNumber; var at: SequenceNumber }

    public init(id: InstanceID, config: ClusterConfiguration, me: ReplicaID, initialPrimary: ReplicaID = ReplicaID(0),
                parameters: PBFTParameters = PBFTParameters(), genesisDigest: Digest, signer: any ReplicaSigner) {
        precondition(config.faultModel == .byzantine, "PBFT needs N ≥ 3f+1")
        precondition(signer.me == me, "the signer must sign as this replica")
        self.id = id
        self.config = config
        self.me = me
        self.initialPrimary = initialPrimary
        self.signer = signer
        self.window = SlotWindow(parameters: parameters, genesis: genesisDigest, me: me, config: config)
    }

    public var primary: ReplicaID { config.primary(of: view, initial: initialPrimary) }
    public var isPrimary: Bool { primary == me }
    public var parameters: PBFTParameters { window.parameters }
    public var highWatermark: SequenceNumber { window.highWatermark }
    /// True when this replica may propose now (primary, view active, window open).
    public var canPropose: Bool { isPrimary && isViewActive && window.isOpen }
    /// Slots proposed or accepted but not yet delivered.
    public var hasPendingWork: Bool {
        slots.contains { $0.key > lastDelivered && $0.value.acceptedDigest != nil }
    }

    /// True if this replica has seen a proposal (any payload) for `seq`, or delivered it.
    public func knowsProposal(at seq: SequenceNumber) -> Bool {
        if seq <= lastDelivered { return true }
        guard let slot = slots[seq] else { return false }
        return !slot.payloads.isEmpty || slot.acceptedDigest == Payload.noop.digest
    }

    /// The stable checkpoint: its sequence number and state digest.
    public var stableCheckpoint: (sequence: SequenceNumber, digest: Digest) { (stable.sequence, stable.digest) }

    /// True if `seq` committed here (a quorum of COMMITs) or was delivered.
    public func isCommitted(at seq: SequenceNumber) -> Bool {
        seq <= lastDelivered || slots[seq]?.committedDigest != nil
    }

    /// Asks for a view change to `target` (e.g. to reinstate a restarted coordinator).
    public mutating func requestView(_ target: ViewNumber, into out: inout [InstanceEffect]) {
        guard target > view else { return }
        startViewChange(to: target, into: &out)
    }

    // MARK: - Proposing

    /// Proposes `payload` at the next free slot. Only valid when `canPropose`.
    public mutating func propose(_ payload: Payload, into out: inout [InstanceEffect]) {
        precondition(canPropose, "propose called when this replica may not propose")
        let seq = nextProposal
        nextProposal = seq.advanced(by: 1)
        let pp = PrePrepare(view: view, sequence: seq, payload: payload)
        out.append(.broadcast(.prePrepare(pp)))
        accept(pp, into: &out)
    }

    // MARK: - Receiving

    /// Sets the message being handled aside, counting why (`Rejection`).
    mutating func reject(_ reason: Rejection) { window.rejections.note(reason) }

    /// Handles one authenticated message from replica `sender`.
    public mutating func receive(_ message: ConsensusMessage, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard sender != me, sender.index < config.replicaCount else { return reject(.foreignSender) }
        switch message {
        case .prePrepare(let pp): onPrePrepare(pp, from: sender, into: &out)
        case .prepare(let v): onPrepare(v, from: sender, into: &out)
        case .commit(let v): onCommit(v, from: sender, into: &out)
        case .checkpoint(let c): record(c, into: &out)
        case .viewChange(let vc): onViewChange(vc, from: sender, into: &out)
        case .newView(let nv): onNewView(nv, from: sender, into: &out)
        case .fetch(let d): onFetch(d, from: sender, into: &out)
        case .payload(let p): onPayload(p, into: &out)
        case .status(let v, let s): onStatus(view: v, stable: s, from: sender, into: &out)
        case .hybrid: reject(.otherProtocol)
        }
    }

    mutating func onPrePrepare(_ pp: PrePrepare, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard window.inWindow(pp.sequence) else { return noteBeyondWindow(pp.sequence, from: sender, into: &out) }
        // Keep the payload whatever the view: a later commit quorum may need it.
        let digest = pp.payload.digest
        slots[pp.sequence, default: PBFTSlot()].payloads[digest] = pp.payload
        if window.fetching.finish(digest) { tryDeliver(into: &out) }
        guard pp.view == view, isViewActive, sender == primary || config.mutated(.pbftProposalFromBackup) else {
            if pp.view > view { noteAhead(sender, into: &out) }
            return reject(pp.view < view ? .staleView : pp.view > view || !isViewActive ? .notActiveView : .notFromPrimary)
        }
        if let accepted = slots[pp.sequence]?.acceptedView, accepted == view { return reject(.duplicate) }  // one proposal per view
        accept(pp, into: &out)
    }

    /// Accepts `pp` as this view's proposal for its slot and votes PREPARE.
    mutating func accept(_ pp: PrePrepare, into out: inout [InstanceEffect]) {
        acceptDigest(pp.payload.digest, at: pp.sequence, payload: pp.payload, into: &out)
    }

    mutating func acceptDigest(_ digest: Digest, at seq: SequenceNumber, payload: Payload?, into out: inout [InstanceEffect]) {
        // Mutated in place: a copy of the slot would make its vote sets copy on write.
        let view = self.view, primary = self.primary, me = self.me
        slots[seq, default: PBFTSlot()].accept(digest, view: view, primary: primary, me: me, payload: payload)
        if !isPrimary { out.append(.broadcast(.prepare(Vote(view: view, sequence: seq, digest: digest)))) }
        if slots[seq]?.payload(for: digest) == nil { window.fetching.fetch(digest, askingFirst: [primary], into: &out) }
        checkPrepared(seq, into: &out)
        armProgressTimer(into: &out)
    }

    mutating func onPrepare(_ v: Vote, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard window.inWindow(v.sequence) else { return noteBeyondWindow(v.sequence, from: sender, into: &out) }
        guard v.view >= view else { return reject(.staleView) }
        let key = PBFTSlot.VoteKey(view: v.view, digest: v.digest)
        guard slots[v.sequence, default: PBFTSlot()].prepares.insert(sender, for: key) else { return reject(.duplicate) }
        if v.view == view { checkPrepared(v.sequence, into: &out) } else { noteAhead(sender, into: &out) }
    }

    mutating func onCommit(_ v: Vote, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard window.inWindow(v.sequence) else { return noteBeyondWindow(v.sequence, from: sender, into: &out) }
        let key = PBFTSlot.VoteKey(view: v.view, digest: v.digest)
        guard slots[v.sequence, default: PBFTSlot()].commits.insert(sender, for: key) else { return reject(.duplicate) }
        checkCommitted(v.sequence, key: key, into: &out)
        if v.view > view { noteAhead(sender, into: &out) }
    }

    /// Prepared: the accepted proposal plus a quorum of matching PREPAREs in this view.
    mutating func checkPrepared(_ seq: SequenceNumber, into out: inout [InstanceEffect]) {
        let view = self.view, quorum = config.quorum - (config.mutated(.pbftPrepareQuorum) ? 1 : 0), me = self.me
        // `slots.values[i]` mutates in place; `slots[seq]?.…` would move the slot
        // out of the table and back (this runs for every vote).
        guard isViewActive, let i = slots.index(forKey: seq),
              let digest = slots.values[i].prepareIfReady(view: view, quorum: quorum, me: me) else { return }
        out.append(.broadcast(.commit(Vote(view: view, sequence: seq, digest: digest))))
        checkCommitted(seq, key: PBFTSlot.VoteKey(view: view, digest: digest), into: &out)
    }

    /// Committed: a quorum of matching COMMITs in one view. A quorum of COMMITs
    /// contains f+1 correct replicas that prepared, so the value is decided.
    mutating func checkCommitted(_ seq: SequenceNumber, key: PBFTSlot.VoteKey, into out: inout [InstanceEffect]) {
        let quorum = config.quorum - (config.mutated(.pbftCommitQuorum) ? 1 : 0)
        guard let i = slots.index(forKey: seq), slots.values[i].commitIfReady(key, quorum: quorum) else { return }
        if slots.values[i].payload(for: key.digest) == nil {
            let voters = Array(slots.values[i].commits[key]!).filter { $0 != me }
            window.fetching.fetch(key.digest, askingFirst: voters, into: &out)
        }
        tryDeliver(into: &out)
    }

    /// Delivers committed slots in order while their payloads are present.
    mutating func tryDeliver(into out: inout [InstanceEffect]) {
        var delivered = false
        while true {
            let next = lastDelivered.advanced(by: 1)
            guard let i = slots.index(forKey: next), let digest = slots.values[i].committedDigest,
                  let payload = slots.values[i].payload(for: digest) else { break }
            lastDelivered = next
            // Delivered slots are taken: a primary that learned them from its peers
            // (a twin whose other node proposed them) proposes above them.
            if nextProposal <= next { nextProposal = next.advanced(by: 1) }
            out.append(.committed(next, payload))
            delivered = true
        }
        if delivered {
            // Progress restarts the clock. Unlike the hybrid instance, this also
            // re-arms a timer that was not running (the hybrid one restarts only a
            // running timer). Kept as it was: neither way is shown to be harmless
            // for the other protocol (the golden reports do not tell them apart).
            window.stopProgressTimer(into: &out)
            armProgressTimer(into: &out)
        }
    }

    mutating func armProgressTimer(into out: inout [InstanceEffect]) {
        guard !window.progressTimerRunning, isViewActive, hasPendingWork else { return }
        window.startProgressTimer(into: &out)
    }

    // MARK: - Fetching payloads

    mutating func onFetch(_ digest: Digest, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        for (_, slot) in slots {
            if let p = slot.payloads[digest] { out.append(.send(.payload(p), to: sender)); return }
        }
    }

    mutating func onPayload(_ payload: Payload, into out: inout [InstanceEffect]) {
        let digest = payload.digest
        guard window.fetching.finish(digest) else { return reject(.unrequestedPayload) }
        for (seq, slot) in slots where slot.committedDigest == digest || slot.acceptedDigest == digest {
            slots[seq]!.payloads[digest] = payload
        }
        tryDeliver(into: &out)
    }

    // MARK: - Timers

    public mutating func timerFired(_ timer: InstanceTimer, into out: inout [InstanceEffect]) {
        switch timer {
        case .progress:
            window.progressTimerRunning = false
            guard isViewActive && hasPendingWork else { return }
            if retransmitProposals(into: &out) {
                armProgressTimer(into: &out)
            } else {
                startViewChange(to: view.next, into: &out)
            }
        case .viewChange:
            guard !isViewActive else { return }
            viewChangeTimedOut(into: &out)
        case .fetch: window.fetching.retry(into: &out)
        case .collector: return  // PBFT has no collectors
        }
    }

    /// The owner suspects the primary (e.g. a client request was not proposed in time).
    public mutating func suspectPrimary(into out: inout [InstanceEffect]) {
        guard isViewActive else { return }
        startViewChange(to: view.next, into: &out)
    }

    /// Called after a restart: re-arms timers and tells peers where this replica is,
    /// so those ahead can send what it missed.
    public mutating func recover(into out: inout [InstanceEffect]) {
        window.progressTimerRunning = false
        helped = [:]
        resentCommits = [:]
        askedAhead = [:]
        askedBeyond = [:]
        provedStable = [:]
        out.append(.broadcast(statusReport))
        if isViewActive { armProgressTimer(into: &out) } else {
            out.append(.setTimer(.viewChange, afterNanos: parameters.viewChangeTimeoutNanos))
        }
        window.resumeFetching(into: &out)
    }
}
