import DequeModule

/// The DQBFT paradigm over any PBFT-style instance: every replica disseminates its
/// own clients' batches in its own D-instance, and one O-instance orders small
/// references `(replica, D-slot)` to them. An execution slot is one O-slot; it runs
/// once every D-slot it references has committed.
///
/// Implements the paper's §3.2: optimistic ordering (the O-primary orders a D-slot
/// as soon as it sees the D-PrePrepare; replicas wait for the matching D-PrePrepare
/// before accepting the O-proposal), probation after a D-instance view change
/// (order only disseminated slots; length doubles with each view change; an
/// O-primary that orders optimistically for a D-instance on probation is
/// replaced), flooding of D-PrePrepares to a random subset, per-instance view
/// changes (cases 1–3), no-ops for referenced D-slots whose coordinator was
/// replaced, reinstating a restarted replica's D-instance, and checkpoints of
/// every instance.
///
/// Guarantees: every correct replica executes the same sequence of batches (each
/// O-slot's references, in order, duplicates skipped), because each D-slot and
/// each O-slot satisfies P1/P2; only a D-instance's original owner proposes client
/// batches in it (others propose no-ops).
///
/// Performance: the replica calls compositions through `any Composition`, which reaches
/// generic code unspecialised; the entry points therefore carry one `@_specialize` per
/// instance type used with this composition (`PBFTInstance` and `HybridInstance`), so
/// those calls run code specialised for the instance. Add one for each new type.
public struct DQComposition<Instance: ConsensusInstance>: Composition {
    let me: ReplicaID
    let config: ClusterConfiguration
    let parameters: DQParameters
    public let kind: ProtocolKind
    public internal(set) var d: [Instance]
    public internal(set) var o: Instance
    var rng: SeededRandom
    /// Messages set aside here, not by an instance.
    var ownRejections = RejectionCounts()

    /// Committed D-slot batches not yet executed, per D-instance.
    var dBatches: [[SequenceNumber: Batch]]
    /// Highest D-slot executed without gaps, per D-instance.
    var dExecuted: [SequenceNumber]
    /// D-slots executed above `dExecuted` (a faulty O-primary may order out of order).
    var dExecutedAbove: [Set<SequenceNumber>]
    /// D-slots a D-instance checkpoint let this replica skip (covered by app state).
    var dSkipped: [SequenceNumber]
    /// Highest D-slot referenced by any O-proposal seen, per D-instance.
    var maxReferenced: [SequenceNumber]
    /// Highest D-slot referenced by a delivered O-slot, per D-instance.
    var maxOrdered: [SequenceNumber]
    /// View changes each D-instance went through, and the D-slot its probation lasts to.
    var dViewChanges: [Int]
    var probationUntil: [SequenceNumber]
    var probationFrom: [SequenceNumber]

    // O-primary side.
    var toOrder = Deque<DSlotRef>()
    /// Highest D-slot queued for ordering per D-instance, and slots seen beyond it.
    var queued: [SequenceNumber]
    var seenAhead: [Set<SequenceNumber>]

    /// Delivered O-slots waiting for execution, in O-order.
    var oSlots = Deque<(sequence: SequenceNumber, refs: [DSlotRef])>()
    var nextExecution = SequenceNumber(1)
    /// O-proposals waiting for the D-PrePrepares they reference, with their age in gate periods.
    var gated: [(from: ReplicaID, message: ConsensusMessage, view: ViewNumber, batch: OrderBatch, age: Int)] = []
    var gateTimerRunning = false
    var watchTimerRunning = false
    var watchLastODelivered = SequenceNumber.zero
    /// The D-slot execution waited for at the last watch tick (see `askForBlockingDSlot`).
    var blockedOn: DSlotRef?
    /// Watch ticks in a row that found execution waiting for `blockedOn` (0 at the first).
    var blockedTicks = 0
    /// The view of `blockedOn`'s D-instance at that tick if it was active then.
    var blockedView: ViewNumber?
    /// Per D-instance, the delivered slot seen at the last request-timeout check.
    var suspicionMarks: [SequenceNumber] = []
    /// Set by a restart until this replica asked to be reinstated as coordinator.
    var restarted = false
    /// The execution frontier captured right after each recent checkpoint slot.
    var frontiers: [(sequence: SequenceNumber, bytes: [UInt8])] = []
    /// Per D-instance, the highest checkpoint this replica voted for (see
    /// `voteCoveredDCheckpoints`).
    var dVoted: [SequenceNumber]

    public init(kind: ProtocolKind, config: ClusterConfiguration, me: ReplicaID, dq: DQParameters, genesis: Digest,
                seed: UInt64, makeInstance: InstanceFactory<Instance>) {
        self.me = me
        self.kind = kind
        self.config = config
        self.parameters = dq
        let n = config.replicaCount
        d = (0..<n).map { r in
            makeInstance(.dissemination(ReplicaID(r)), ReplicaID(r), dCheckpointDigest(ReplicaID(r), .zero))
        }
        o = makeInstance(.main, dq.orderingPrimary, genesis)
        rng = SeededRandom(seed: seed ^ (UInt64(me.rawValue) &* 0x9E37_79B9))
        dBatches = Array(repeating: [:], count: n)
        dExecuted = Array(repeating: .zero, count: n)
        dExecutedAbove = Array(repeating: [], count: n)
        dSkipped = Array(repeating: .zero, count: n)
        maxReferenced = Array(repeating: .zero, count: n)
        maxOrdered = Array(repeating: .zero, count: n)
        dViewChanges = Array(repeating: 0, count: n)
        probationUntil = Array(repeating: .zero, count: n)
        probationFrom = Array(repeating: .zero, count: n)
        queued = Array(repeating: .zero, count: n)
        seenAhead = Array(repeating: [], count: n)
        suspicionMarks = Array(repeating: .zero, count: n)
        dVoted = Array(repeating: .zero, count: n)
    }

    public var replyView: ViewNumber { o.view }
    var own: Instance { d[me.index] }

    public func proposes(_ request: ClientRequest) -> Bool { request.assignedReplica == me }
    public func forwardTarget(for request: ClientRequest) -> ReplicaID? {
        request.assignedReplica.index < config.replicaCount ? request.assignedReplica : nil
    }
    public var canPropose: Bool {
        @_specialize(where Instance == PBFTInstance)
        @_specialize(where Instance == HybridInstance)
        get { d.withUnsafeBufferPointer { $0[me.index].canPropose } }
    }
    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool { o.isCheckpoint(sequence) }

    public func executionFrontier(at sequence: SequenceNumber) -> [UInt8] {
        frontiers.last(where: { $0.sequence == sequence })?.bytes ?? encodeFrontier()
    }

    /// Which D-slots have executed: per D-instance the gap-free prefix and the
    /// slots executed above it, sorted.
    func encodeFrontier() -> [UInt8] {
        var w = WireWriter(capacity: 16 * config.replicaCount)
        for i in 0..<config.replicaCount {
            w.write(dExecuted[i])
            let above = dExecutedAbove[i].sorted()
            w.write(UInt32(above.count))
            for s in above { w.write(s) }
        }
        return w.bytes
    }

    static func decodeFrontier(_ bytes: [UInt8], replicas: Int) throws(WireError)
        -> (executed: [SequenceNumber], above: [Set<SequenceNumber>]) {
        var r = try WireReader(bytes)
        var executed: [SequenceNumber] = []
        var above: [Set<SequenceNumber>] = []
        for _ in 0..<replicas {
            executed.append(try r.readSeq())
            let n = try r.readCount("executedAbove", limit: 1 << 20, minElementSize: 8)
            var set = Set<SequenceNumber>()
            for _ in 0..<n { set.insert(try r.readSeq()) }
            above.append(set)
        }
        try r.expectEnd()
        return (executed, above)
    }

    /// Keeps the frontier right after checkpoint slot `sequence` until the replica no
    /// longer needs it (`pruneFrontiers`).
    mutating func recordFrontier(at sequence: SequenceNumber) {
        frontiers.removeAll { $0.sequence >= sequence }
        frontiers.append((sequence, encodeFrontier()))
        if frontiers.count > Self.maxFrontiers { frontiers.removeFirst(frontiers.count - Self.maxFrontiers) }
    }

    /// Most frontiers kept (only a replica catching up on more checkpoints than this
    /// at once would need more; each holds about 12 bytes per replica).
    static var maxFrontiers: Int { 1024 }

    /// The replica executed slot `executed`, having taken the frontier of every
    /// checkpoint up to it: drops the frontiers it will not ask for again, keeping
    /// the newest at or below the stable O-checkpoint and every later one (they are
    /// what `voteCoveredDCheckpoints` reads once that checkpoint is stable).
    /// One `executeReady` may run several checkpoint slots before the replica asks
    /// for their frontiers, so a frontier must outlive the recording of later ones:
    /// keeping only the last four lost the first of five, and a replica catching up
    /// on five checkpoints signed the first with the frontier of the last.
    mutating func pruneFrontiers(executed: SequenceNumber) {
        let stable = o.stableCheckpoint.sequence
        let keep = min(executed, frontiers.last(where: { $0.sequence <= stable })?.sequence ?? .zero)
        frontiers.removeAll { $0.sequence < keep }
    }

    public mutating func installFrontier(_ bytes: [UInt8]) throws(WireError) {
        let (executed, above) = try Self.decodeFrontier(bytes, replicas: config.replicaCount)
        dExecuted = executed
        dExecutedAbove = above
        for i in 0..<config.replicaCount {
            dBatches[i] = dBatches[i].filter { $0.key > dExecuted[i] && !dExecutedAbove[i].contains($0.key) }
        }
    }

    func onProbation(_ ref: DSlotRef) -> Bool { ref.sequence <= probationUntil[ref.replica.index] }

    // MARK: - Inputs

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func propose(_ batch: Batch, into out: inout CompositionOutput) {
        let slot = d[me.index].nextProposal
        stepD(me, into: &out) { $0.propose(.requests(batch), into: &$1) }
        if !onProbation(DSlotRef(replica: me, sequence: slot)) { noteSeen(DSlotRef(replica: me, sequence: slot), into: &out) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func isRedundant(_ message: ConsensusMessage, instance: InstanceID) -> Bool {
        if instance == .main { return o.isRedundant(message) }
        let i = Int(instance.rawValue)
        guard i < config.replicaCount else { return false }
        return d[i].isRedundant(message)
    }

    public mutating func receive(_ message: ConsensusMessage, instance: InstanceID, from: ReplicaID,
                                 into out: inout CompositionOutput) {
        if instance == .main {
            if let p = Instance.proposal(in: message), case .order(let batch) = p.payload {
                for ref in batch.refs where ref.replica.index < config.replicaCount {
                    maxReferenced[ref.replica.index] = max(maxReferenced[ref.replica.index],
                                                           min(ref.sequence, d[ref.replica.index].highWatermark))
                }
                if !gateOpen(batch) {
                    if gated.count < parameters.maxGatedProposals { gated.append((from, message, p.view, batch, 0)) }
                    armGateTimer(into: &out)
                    fillNoops(into: &out)
                    return
                }
            }
            stepO(into: &out) { $0.receive(message, from: from, into: &$1) }
            return
        }
        let r = Int(instance.rawValue)
        guard r < config.replicaCount else { return ownRejections.note(.unknownInstance) }
        let replica = ReplicaID(r)
        if case .status = message, from == replica, d[r].primary != replica, d[r].isViewActive {
            reinstate(replica, into: &out)
        }
        if replica == me, config.weakQuorum >= config.quorum, !d[r].isPrimary,
           let target = Instance.requestedView(in: message), target > d[r].view,
           config.primary(of: target, initial: me) == me {
            // A peer asks to give this replica its own D-instance back: join it. When
            // f+1 replicas already form a quorum (N = 2f+1), the instance's own rule of
            // joining after f+1 requests comes too late: with f silent, the owner is one
            // of the f+1 the reinstatement needs. (With N = 3f+1 that rule brings the
            // owner in, and joining on one request would let one peer move it.)
            stepD(replica, into: &out) { $0.requestView(target, into: &$1) }
        }
        stepD(replica, into: &out) { $0.receive(message, from: from, into: &$1) }
        if let pp = Instance.proposal(in: message), case .requests = pp.payload {
            let ref = DSlotRef(replica: replica, sequence: pp.sequence)
            if from == d[r].primary, pp.view == d[r].view { flood(message, instance: instance, except: from, into: &out) }
            if !onProbation(ref), d[r].knowsProposal(at: pp.sequence) { noteSeen(ref, into: &out) }
        }
        releaseGated(into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func timerFired(_ timer: ReplicaTimer, into out: inout CompositionOutput) {
        switch timer {
        case .instance(let id, let t):
            if id == .main {
                stepO(into: &out) { $0.timerFired(t, into: &$1) }
            } else if Int(id.rawValue) < config.replicaCount {
                stepD(ReplicaID(Int(id.rawValue)), into: &out) { $0.timerFired(t, into: &$1) }
            }
        case .orderGate: gateTimedOut(into: &out)
        case .orderWatch: watchOrdering(into: &out)
        case .batch, .request, .stateTransfer: break
        }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func suspect(for request: ClientRequest, into out: inout CompositionOutput) {
        let r = request.assignedReplica.index
        guard r < config.replicaCount else { return }
        // Suspect the coordinator only if its D-instance made no progress since the
        // last check: a request can also wait on execution blocked elsewhere.
        let progress = d[r].lastDelivered
        if progress > suspicionMarks[r] { suspicionMarks[r] = progress; return }
        stepD(request.assignedReplica, into: &out) { $0.suspectPrimary(into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func didExecute(through sequence: SequenceNumber, checkpointDigest: Digest?,
                                    into out: inout CompositionOutput) {
        pruneFrontiers(executed: sequence)
        guard let stateDigest = checkpointDigest else { return }
        stepO(into: &out) { $0.checkpoint(at: sequence, stateDigest: stateDigest, into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func stateInstalled(_ sequence: SequenceNumber, into out: inout CompositionOutput) {
        nextExecution = sequence.advanced(by: 1)
        while let first = oSlots.first, first.sequence <= sequence { oSlots.removeFirst() }
        recordFrontier(at: sequence)
        voteCoveredDCheckpoints(into: &out)
        executeReady(into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func recover(into out: inout CompositionOutput) {
        restarted = true
        gateTimerRunning = false
        watchTimerRunning = false
        stepO(into: &out) { $0.recover(into: &$1) }
        for r in 0..<config.replicaCount {
            stepD(ReplicaID(r), into: &out) { $0.recover(into: &$1) }
        }
        armGateTimer(into: &out)
        armWatch(into: &out)
    }

    public mutating func restore(sent message: ConsensusMessage, instance: InstanceID) {
        if instance == .main { o.restore(sent: message); return }
        let r = Int(instance.rawValue)
        if r < config.replicaCount { d[r].restore(sent: message) }
    }

    /// The O-instance's stable checkpoint: it certifies the state after that O-slot.
    public var stableState: (sequence: SequenceNumber, digest: Digest) { o.stableCheckpoint }
    public var stableProof: (instance: InstanceID, checkpoints: [SignedCheckpoint]) { (.main, o.stableProof) }
    /// The O-instance's certificate first, then every D-instance's that left genesis.
    ///
    /// Why the D-instances' too: after a restart of every replica, each comes back
    /// from its snapshot and its log, and the log no longer holds its D-votes at or
    /// below the D-instance's stable checkpoint (`lowWatermarks`), while its votes
    /// above it reach up to that checkpoint plus the window. A D-instance restored at
    /// genesis has its window there instead: a view change before its checkpoint
    /// votes arrive decides from genesis and looks only one window above it
    /// (`NewViewDecision`), so it drops the prepared claims of the D-slots that
    /// committed last, and once the window moves the coordinator proposes new
    /// batches (or no-ops) at those slots over writes clients were told of
    /// (FullRestartTests lost a lane's last four acknowledged writes;
    /// `DiskRestartTests` stages it). Restored at the checkpoint it had, the
    /// D-instance keeps every slot it voted for inside its window. The certificate
    /// is no newer than the snapshot's state allows: a D-checkpoint becomes stable
    /// only once a stable O-checkpoint covers its slots (`voteCoveredDCheckpoints`).
    public var stableProofs: [(instance: InstanceID, checkpoints: [SignedCheckpoint])] {
        [stableProof] + d.indices.compactMap { i in
            let proof = d[i].stableProof
            return proof.isEmpty ? nil : (.dissemination(ReplicaID(i)), proof)
        }
    }
    /// A D-slot's records go only once its D-instance's stable checkpoint passed it
    /// AND the state of the ordering instance's stable checkpoint includes its
    /// execution: a D-instance can checkpoint slots the O-instance has not ordered
    /// yet, and after a restart of every replica those would be needed again.
    public var lowWatermarks: [InstanceID: SequenceNumber] {
        var marks: [InstanceID: SequenceNumber] = [.main: o.lowWatermark]
        let stable = o.stableCheckpoint.sequence
        let executed = frontiers.last(where: { $0.sequence == stable }).flatMap { Self.executedPrefixes($0.bytes, count: d.count) }
            ?? (stable == .zero ? Array(repeating: .zero, count: d.count) : nil)
        for (i, instance) in d.enumerated() {
            marks[.dissemination(ReplicaID(i))] = min(instance.lowWatermark, executed?[i] ?? .zero)
        }
        return marks
    }

    /// Per D-instance, the gap-free executed prefix recorded in `frontier` (`encodeFrontier`).
    static func executedPrefixes(_ frontier: [UInt8], count: Int) -> [SequenceNumber]? {
        guard var r = try? WireReader(frontier) else { return nil }
        var prefixes: [SequenceNumber] = []
        for _ in 0..<count {
            guard let prefix = try? r.readSeq(), let above = try? r.readUInt32(),
                  (try? r.readRaw(Int(above) * 8)) != nil else { return nil }
            prefixes.append(prefix)
        }
        return prefixes
    }

    public var rejections: RejectionCounts {
        var all = ownRejections
        all.add(o.rejections)
        for instance in d { all.add(instance.rejections) }
        return all
    }

    public var status: String {
        "o.view=\(o.view.rawValue) o.active=\(o.isViewActive) o.delivered=\(o.lastDelivered.rawValue) next=\(nextExecution.rawValue) "
            + "own.view=\(own.view.rawValue) own.next=\(own.nextProposal.rawValue) gated=\(gated.count) toOrder=\(toOrder.count) "
            + "dExec=\(dExecuted.map(\.rawValue)) dDel=\(d.map(\.lastDelivered.rawValue)) dLow=\(d.map(\.lowWatermark.rawValue)) dViews=\(d.map(\.view.rawValue))"
    }
}

/// D-instance checkpoints only let the instance forget executed slots (their
/// effect is in the application state), so the digest names the slot.
func dCheckpointDigest(_ r: ReplicaID, _ s: SequenceNumber) -> Digest {
    var w = WireWriter(capacity: 11)
    w.write(UInt8(0xD0)); w.write(r); w.write(s)
    return Digest.of(w.bytes)
}
