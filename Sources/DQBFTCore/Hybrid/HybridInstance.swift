/// One Hybster / Linear Hybster consensus instance as a pure state machine
/// (N ≥ 2f+1, quorums of ⌊N/2⌋+1: f+1 when N = 2f+1; any two quorums share a
/// replica, whose trusted counter cannot certify two answers for one slot).
///
/// Normal case: the primary's PREPARE is certified by its trusted counter at
/// `(view, ordering, sequence)`; each replica certifies a commit share for the same
/// value, in slot order. With `.allToAll` (Hybster) shares are broadcast and every
/// replica combines a quorum itself; with `.collector` (Linear Hybster) they go to a
/// collector that broadcasts one combined certificate, and on timeout to the next
/// of f+1 collectors. View changes carry evidence under continuing certificates
/// (see `HybridRules`); a NEW-VIEW needs a quorum of view changes and commits when
/// a quorum acknowledges it.
///
/// Guarantees (P1–P4 under N ≥ 2f+1 with trusted counters that only crash): no two
/// correct replicas deliver different payloads for one slot; a delivered payload
/// keeps its slot in every later view; with a correct primary and collector every
/// proposal commits; f+1 replicas asking for a view change make it happen.
/// Messages must be authenticated (certificates verified) before they reach it;
/// commit and acknowledgement shares are verified when they are combined.
public struct HybridInstance: Sendable {
    public let id: InstanceID
    public let config: ClusterConfiguration
    public let me: ReplicaID
    public let initialPrimary: ReplicaID
    public let parameters: HybridParameters
    let signer: any ReplicaSigner
    let crypto: HybridCrypto
    /// Watermarks, stable checkpoint, delivery and proposal positions (shared with
    /// PBFT instances).
    var window: SlotWindow

    public internal(set) var view: ViewNumber = .zero {
        didSet { precondition(view >= oldValue, "a view never decreases (\(oldValue) → \(view))") }
    }
    public internal(set) var isViewActive = true
    /// The stable checkpoint: slots at or below it are forgotten.
    public internal(set) var lowWatermark: SequenceNumber {
        get { window.lowWatermark }
        set { window.lowWatermark = newValue }
    }
    var stable: CheckpointCertificate {
        get { window.stable }
        set { window.stable = newValue }
    }
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
    /// Highest slot this replica certified a commit share for in the current view.
    var lastShared: SequenceNumber = .zero
    var slots: [SequenceNumber: HybridSlot] = [:]
    /// The NEW-VIEW of the current view once it committed (nil in view 0).
    var installed: InstalledView?
    /// The decision of the current view's NEW-VIEW while it waits for a quorum of acks.
    var pendingDecision: (decision: HybridDecision, certificate: CounterCertificate, voters: [ReplicaID])?
    var ackShares: [ReplicaID: CounterCertificate] = [:]
    /// This replica's acknowledgement of the pending NEW-VIEW (re-sent on collector timeout).
    var myAck: HybridNewViewAck?
    /// Commit certificates this replica combined as a collector (re-sent to laggards).
    var proofs: [SequenceNumber: HybridCommitProof] = [:]
    var ackRejected = ReplicaSet()
    /// Evidence and continuing-certificate chain of the view change in progress.
    var leaving: (evidence: HybridEvidence, proof: [SignedCheckpoint], chain: [CounterCertificate])?
    var viewChanges: [ReplicaID: HybridViewChange] = [:]
    var sentNewView: ViewNumber?
    /// The NEW-VIEW this replica acknowledged (re-sent by it until the view commits,
    /// so a silent new primary cannot strand the replicas that acknowledged it).
    var acknowledgedNewView: HybridNewView?
    /// Whether a view-change timeout already pushed the acknowledged NEW-VIEW.
    var pushedAcknowledgement = false
    var failedViewChanges = 0
    var collectorTimerRunning = false
    /// The oldest slot waiting for a certificate when the collector timer was armed.
    var collectorWatch = SequenceNumber.zero
    /// Which of the f+1 collectors of the current view shares go to.
    var collectorTurn = 0
    var helped: [ReplicaID: ViewNumber] = [:]
    /// Per peer, the stable checkpoint whose proof was last sent to it because it
    /// fetched a payload this replica no longer has or its STATUS showed an older
    /// checkpoint (rate limit: once per checkpoint).
    var pointedToCheckpoint: [ReplicaID: SequenceNumber] = [:]
    /// PREPAREs and commit certificates received beyond the window (`noteAhead`).
    var aheadOfWindow: UInt32 = 0
    /// Replicas we re-sent our commit certificates to, with the view their
    /// VIEW-CHANGE asked for (rate limit: once per such view).
    var resentProofs: [ReplicaID: ViewNumber] = [:]
    /// Replicas we re-sent our commit certificates to because their STATUS showed a
    /// checkpoint below what we delivered, with our view and stable checkpoint then
    /// (rate limit: once per peer, view and checkpoint of ours).
    var resentOnStatus: [ReplicaID: ResendMark] = [:]
    /// Where this replica stood when it last re-sent its commit certificates to a peer.
    struct ResendMark: Hashable, Sendable { var view: ViewNumber; var stable: SequenceNumber }
    /// Shares that failed verification, per culprit (reported in `status`).
    public internal(set) var invalidShareCount: [ReplicaID: Int] = [:]
    /// Certifications the trusted subsystem refused (a correct replica sees none).
    public internal(set) var refusedCertifications = 0

    public init(id: InstanceID, config: ClusterConfiguration, me: ReplicaID, initialPrimary: ReplicaID = ReplicaID(0),
                parameters: HybridParameters = HybridParameters(), genesisDigest: Digest, signer: any ReplicaSigner,
                crypto: HybridCrypto) {
        precondition(config.faultModel == .hybrid, "hybrid instances run under the hybrid fault model")
        precondition(signer.me == me && crypto.counter.me == me, "signers must sign as this replica")
        self.id = id
        self.config = config
        self.me = me
        self.initialPrimary = initialPrimary
        self.parameters = parameters
        self.signer = signer
        self.crypto = crypto
        self.window = SlotWindow(parameters: parameters.base, genesis: genesisDigest, me: me, config: config)
    }

    var base: InstanceParameters { parameters.base }
    public var primary: ReplicaID { primary(of: view) }
    func primary(of v: ViewNumber) -> ReplicaID { config.primary(of: v, initial: initialPrimary) }
    public var isPrimary: Bool { primary == me }
    public var highWatermark: SequenceNumber { window.highWatermark }
    public var canPropose: Bool { isPrimary && isViewActive && window.isOpen }
    /// Where this replica stands, for a peer: see `SlotWindow.statusReport`.
    var statusReport: ConsensusMessage { window.statusReport(view: view, isViewActive: isViewActive) }
    public var hasPendingWork: Bool { slots.contains { $0.key > lastDelivered && $0.value.digest != nil } }
    public var slotCount: Int { slots.count }
    public func knowsProposal(at seq: SequenceNumber) -> Bool {
        seq <= lastDelivered || slots[seq]?.payload != nil
    }
    public func isCommitted(at seq: SequenceNumber) -> Bool { seq <= lastDelivered || slots[seq]?.committed != nil }
    public var stableCheckpoint: (sequence: SequenceNumber, digest: Digest) { (stable.sequence, stable.digest) }
    /// The collectors of view `v`: its primary, then the next f replicas.
    func collector(of v: ViewNumber, turn: Int) -> ReplicaID {
        ReplicaID(UInt16((primary(of: v).index + turn % (config.f + 1)) % config.replicaCount))
    }
    var isCollecting: Bool { parameters.pattern == .allToAll || collector(of: view, turn: collectorTurn) == me }
    func value(_ v: ViewNumber, _ phase: CounterValue.Phase, _ s: SequenceNumber) -> CounterValue? {
        CounterValue(view: v, phase: phase, sequence: s)
    }

    // MARK: - Proposing

    /// Proposes `payload` at the next free slot. Only valid when `canPropose`.
    public mutating func propose(_ payload: Payload, into out: inout [InstanceEffect]) {
        precondition(canPropose, "propose called when this replica may not propose")
        let seq = nextProposal
        guard let v = value(view, .ordering, seq),
              let cert = crypto.counter.certify(payload.digest, instance: id, value: v) else {
            refusedCertifications += 1
            return
        }
        nextProposal = seq.advanced(by: 1)
        let prepare = HybridPrepare(view: view, sequence: seq, payload: payload, certificate: cert)
        out.append(.broadcast(.hybrid(.prepare(prepare))))
        slots[seq, default: HybridSlot()].prepare = prepare
        slots[seq]!.payload = payload
        lastShared = seq
        addShare(cert, seq: seq, into: &out)
        // The primary watches its own proposals too: with N = 2f+1 a single
        // replica that stops cooperating can leave it without a commit quorum,
        // and only a view change brings the others back together.
        armProgressTimer(into: &out)
        armCollectorTimer(into: &out)
    }

    // MARK: - Receiving

    /// Handles one authenticated message from replica `sender`.
    public mutating func receive(_ message: ConsensusMessage, from sender: ReplicaID, into out: inout [InstanceEffect]) {
        guard sender != me, sender.index < config.replicaCount else { return reject(.foreignSender) }
        switch message {
        case .hybrid(let h):
            switch h {
            case .prepare(let p):
                noteAhead(p.sequence, from: sender, into: &out)
                onPrepare(p, into: &out)
            case .commit(let c): onShare(c, from: sender, retry: false, into: &out)
            case .commitRetry(let c): onShare(c, from: sender, retry: true, into: &out)
            case .commitProof(let p):
                noteAhead(p.sequence, from: sender, into: &out)
                onCommitProof(p, into: &out)
            case .viewChange(let vc): onViewChange(vc, from: sender, into: &out)
            case .newView(let nv): onNewView(nv, from: sender, into: &out)
            case .newViewAck(let a): onAck(a, from: sender, into: &out)
            case .newViewProof(let p): onNewViewProof(p, into: &out)
            }
        case .checkpoint(let c): recordCheckpoint(c, into: &out)
        case .fetch(let d): onFetch(d, from: sender, into: &out)
        case .payload(let p): onPayload(p, into: &out)
        case .status(let v, let s): onStatus(view: v, stable: s, from: sender, into: &out)
        case .prePrepare, .prepare, .commit, .viewChange, .newView: reject(.otherProtocol)  // PBFT messages
        }
    }

    /// Accepts the primary's PREPARE from anyone: its counter certificate proves the
    /// primary made it, so a copy forwarded by another replica (DQ flooding) counts.
    mutating func onPrepare(_ p: HybridPrepare, into out: inout [InstanceEffect]) {
        let floor = installed?.decision.end ?? .zero
        guard p.certificate.signer == primary || config.mutated(.hybridPrepareFromBackup),
              p.view == view, isViewActive, p.sequence > lowWatermark, p.sequence > floor,
              p.sequence <= highWatermark,
              p.certificate.value == value(view, .ordering, p.sequence),
              slots[p.sequence]?.prepare == nil, slots[p.sequence]?.committed == nil || slots[p.sequence]?.committed == p.payload.digest
        else { return reject(prepareRejection(p, floor: floor)) }
        slots[p.sequence, default: HybridSlot()].prepare = p
        slots[p.sequence]!.payload = p.payload
        addShare(p.certificate, seq: p.sequence, into: &out)
        shareInOrder(into: &out)
        tryDeliver(into: &out)
        armProgressTimer(into: &out)
    }

    /// Why `onPrepare` set `p` aside (asked only once it did).
    func prepareRejection(_ p: HybridPrepare, floor: SequenceNumber) -> Rejection {
        if p.certificate.signer != primary { return .notFromPrimary }
        if p.view != view || !isViewActive { return p.view < view ? .staleView : .notActiveView }
        if p.sequence <= lowWatermark || p.sequence <= floor || p.sequence > highWatermark { return .outsideWindow }
        if p.certificate.value != value(view, .ordering, p.sequence) { return .invalidProof }
        return .duplicate
    }

    /// Sets the message being handled aside, counting why (`Rejection`).
    mutating func reject(_ reason: Rejection) { window.rejections.note(reason) }

    /// Certifies commit shares for prepared slots in slot order (the trusted
    /// counter only moves forward, so a slot skipped now could never be shared).
    mutating func shareInOrder(into out: inout [InstanceEffect]) {
        while let p = slots[lastShared.advanced(by: 1)]?.prepare, p.view == view, isViewActive {
            let seq = p.sequence
            // The share binds the counter to this PREPARE: a later VIEW-CHANGE must
            // show it, after a restart too (the primary's own is logged as sent).
            if p.certificate.signer != me { out.append(.persist(.hybrid(.prepare(p)))) }
            guard let v = value(view, .ordering, seq),
                  let cert = crypto.counter.certify(p.payload.digest, instance: id, value: v) else {
                refusedCertifications += 1
                return
            }
            lastShared = seq
            let commit = HybridCommit(view: view, sequence: seq, digest: p.payload.digest, certificate: cert)
            slots[seq]!.ownShare = commit
            sendShare(commit, into: &out)
            addShare(cert, seq: seq, into: &out)
        }
    }

    // MARK: - Delivery

    mutating func tryDeliver(into out: inout [InstanceEffect]) {
        var delivered = false
        while let slot = slots[lastDelivered.advanced(by: 1)], let digest = slot.committed {
            let seq = lastDelivered.advanced(by: 1)
            guard let payload = slot.payload, payload.digest == digest else {
                if digest == Payload.noop.digest { slots[seq]!.payload = .noop; continue }
                window.fetching.fetch(digest, askingFirst: [primary], into: &out)
                return
            }
            lastDelivered = seq
            // Delivered slots are taken: a primary that learned them from its peers
            // (it restarted with nothing but its log) proposes above them.
            if nextProposal <= seq { nextProposal = seq.advanced(by: 1) }
            out.append(.committed(seq, payload))
            delivered = true
        }
        // Progress restarts the primary's clock: only a primary that delivers
        // nothing for a whole timeout while work is pending is suspected.
        if delivered && window.progressTimerRunning {
            window.stopProgressTimer(into: &out)
            armProgressTimer(into: &out)
        }
    }

    mutating func armProgressTimer(into out: inout [InstanceEffect]) {
        guard !window.progressTimerRunning, isViewActive, hasPendingWork else { return }
        window.startProgressTimer(into: &out)
    }

    // MARK: - Timers

    public mutating func timerFired(_ timer: InstanceTimer, into out: inout [InstanceEffect]) {
        switch timer {
        case .progress:
            window.progressTimerRunning = false
            if isViewActive && hasPendingWork { startViewChange(to: view.next, into: &out) }
        case .viewChange:
            guard !isViewActive else { return }
            viewChangeTimedOut(into: &out)
        case .fetch: window.fetching.retry(into: &out)
        case .collector:
            collectorTimerRunning = false
            collectorTimedOut(into: &out)
        }
    }

    /// The owner suspects the primary (a client request was not ordered in time).
    public mutating func suspectPrimary(into out: inout [InstanceEffect]) {
        guard isViewActive else { return }
        startViewChange(to: lowestViewAsked ?? view.next, into: &out)
    }

    /// The lowest view above this replica's that another replica asked for: where a
    /// replica leaving its view goes, so replicas that suspect at different times
    /// meet in one view instead of each climbing from its own.
    var lowestViewAsked: ViewNumber? {
        viewChanges.values.filter { $0.sender != me && $0.newView > view }.map(\.newView).min()
    }

    /// Asks for a view change to `target` (e.g. to reinstate a restarted coordinator).
    public mutating func requestView(_ target: ViewNumber, into out: inout [InstanceEffect]) {
        guard target > view else { return }
        startViewChange(to: target, into: &out)
    }

    /// Called after a restart: re-arms timers and tells peers where this replica is.
    public mutating func recover(into out: inout [InstanceEffect]) {
        window.progressTimerRunning = false
        collectorTimerRunning = false
        helped = [:]
        resumeFromCounter(into: &out)
        out.append(.broadcast(statusReport))
        if isViewActive { armProgressTimer(into: &out) } else { out.append(.setTimer(.viewChange, afterNanos: base.viewChangeTimeoutNanos)) }
        window.resumeFetching(into: &out)
        armCollectorTimer(into: &out)
    }

    /// One line describing where the instance stands.
    public var status: String {
        "view=\(view.rawValue) active=\(isViewActive) low=\(lowWatermark.rawValue) delivered=\(lastDelivered.rawValue) "
            + "shared=\(lastShared.rawValue) turn=\(collectorTurn) refused=\(refusedCertifications)"
            + " failed=\(failedViewChanges) pending=\(pendingDecision.map { "\($0.decision.view.rawValue)" } ?? "-") ack=\(myAck != nil) vcs=\(viewChanges.values.map { "\($0.sender.rawValue)>\($0.newView.rawValue)" }.sorted()) counter=\(crypto.counter.current(instance: id))"
    }
}
