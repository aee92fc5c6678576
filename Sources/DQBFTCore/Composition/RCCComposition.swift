/// RCC (Gupta et al.): N concurrent instances (PBFT for `.rcc`), instance i
/// initially led by replica i; round k executes slot k of instance 0, 1, …, N−1 in
/// that fixed order. An idle primary proposes no-ops so rounds can close; a failed
/// primary's instance changes view on its own and its new primary fills it with
/// no-ops.
///
/// Guarantees: execution slot (k−1)·N + i + 1 is slot k of instance i, identical on
/// every correct replica (each instance satisfies P1/P2); a slow instance delays
/// every round — the weakness the DQBFT paradigm avoids.
///
/// Performance: the replica calls compositions through `any Composition`, which reaches
/// generic code unspecialised; the entry points therefore carry one `@_specialize` per
/// instance type used with this composition (`PBFTInstance`), so those calls run code
/// specialised for the instance. Add one for each new type.
public struct RCCComposition<Instance: ConsensusInstance>: Composition {
    let me: ReplicaID
    let config: ClusterConfiguration
    public let kind: ProtocolKind
    public internal(set) var instances: [Instance]
    /// Delivered batches per instance, waiting for their round.
    var delivered: [[SequenceNumber: Batch]]
    var nextExecution = SequenceNumber(1)
    /// Highest slot any instance is known to have proposed (drives no-ops).
    var highestKnown = SequenceNumber.zero
    /// Per instance, the delivered slot and view seen at the last request-timeout check.
    var suspicionMarks: [(delivered: SequenceNumber, view: ViewNumber)] = []
    /// The execution slot that was blocked when the round timer was armed.
    var blockedAt: SequenceNumber?
    /// Per instance, the delivered slot and view when the round timer was armed.
    var roundMarks: [(delivered: SequenceNumber, view: ViewNumber)] = []
    /// Round-timer ticks so far, and consecutive ones in which execution did not move.
    var ticks: UInt64 = 0
    var stalledTicks: UInt64 = 0
    /// Replicas heard from in the current round-timer period.
    var heard = ReplicaSet()
    /// Messages set aside here, not by an instance.
    var ownRejections = RejectionCounts()
    /// Replicas not heard from during the last round-timer period: presumed failed,
    /// so not chosen to take over an instance (a local guess that only steers
    /// which view to ask for; it cannot affect safety).
    var silent = ReplicaSet()

    /// How long a round may stay open before the instance it waits for is suspected.
    let roundTimeoutNanos: UInt64
    /// The round timer ticks this often per period, so a stall is noticed between one
    /// and 1 + 1/`roundTicks` periods after execution last moved (a timer armed once
    /// per period would take up to two).
    static var roundTicks: UInt64 { 4 }

    /// Instance i is `.dissemination(i)`, initially led by replica i.
    public init(kind: ProtocolKind, config: ClusterConfiguration, me: ReplicaID, roundTimeoutNanos: UInt64,
                genesis: Digest, makeInstance: InstanceFactory<Instance>) {
        self.me = me
        self.kind = kind
        self.roundTimeoutNanos = roundTimeoutNanos
        self.config = config
        instances = (0..<config.replicaCount).map { r in makeInstance(.dissemination(ReplicaID(r)), ReplicaID(r), genesis) }
        delivered = Array(repeating: [:], count: config.replicaCount)
        suspicionMarks = Array(repeating: (.zero, .zero), count: config.replicaCount)
    }

    var n: UInt64 { UInt64(config.replicaCount) }
    public var replyView: ViewNumber { instances[me.index].view }
    /// A request is proposed in the instance of the replica it is assigned to, by
    /// that instance's current primary: after a view change the new primary serves
    /// the failed primary's clients (RCC's per-instance recovery).
    public func proposes(_ request: ClientRequest) -> Bool {
        let i = request.assignedReplica.index
        return i < config.replicaCount && instances[i].primary == me
    }
    public func forwardTarget(for request: ClientRequest) -> ReplicaID? {
        let i = request.assignedReplica.index
        return i < config.replicaCount ? instances[i].primary : nil
    }
    /// Every instance this replica leads has room (a batch may hold requests for any).
    public var canPropose: Bool {
        @_specialize(where Instance == PBFTInstance)
        get { instances.allSatisfy { !$0.isPrimary || $0.canPropose } }
    }

    public func executionFrontier(at sequence: SequenceNumber) -> [UInt8] { [] }
    public mutating func installFrontier(_ bytes: [UInt8]) throws(WireError) {
        guard bytes.isEmpty else { throw .trailingBytes(bytes.count) }
    }

    @_specialize(where Instance == PBFTInstance)
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool {
        sequence.rawValue % n == 0 && instances[0].isCheckpoint(SequenceNumber(sequence.rawValue / n))
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func propose(_ batch: Batch, into out: inout CompositionOutput) {
        // Each request goes to the instance of its assigned replica (execution drops
        // requests found in any other instance); usually that is the whole batch.
        guard let first = batch.requests.first?.assignedReplica else { return }
        if batch.requests.allSatisfy({ $0.assignedReplica == first }) {
            proposeRequests(batch, in: first.index, into: &out)
            return
        }
        let byInstance = Dictionary(grouping: batch.requests, by: \.assignedReplica.index)
        for i in byInstance.keys.sorted() { proposeRequests(Batch(requests: byInstance[i]!), in: i, into: &out) }
    }

    mutating func proposeRequests(_ batch: Batch, in i: Int, into out: inout CompositionOutput) {
        guard i < config.replicaCount, instances[i].isPrimary else { return }
        step(i, into: &out) { $0.propose(.requests(batch), into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func isRedundant(_ message: ConsensusMessage, instance: InstanceID) -> Bool {
        let i = Int(instance.rawValue)
        guard i < config.replicaCount else { return false }
        return instances[i].isRedundant(message)
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func receive(_ message: ConsensusMessage, instance: InstanceID, from: ReplicaID,
                                 into out: inout CompositionOutput) {
        let i = Int(instance.rawValue)
        guard i < config.replicaCount else { return ownRejections.note(.unknownInstance) }
        heard.insert(from)
        if let p = Instance.proposal(in: message) { highestKnown = max(highestKnown, min(p.sequence, instances[i].highWatermark)) }
        step(i, into: &out) { $0.receive(message, from: from, into: &$1) }
        fillNoops(into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func timerFired(_ timer: ReplicaTimer, into out: inout CompositionOutput) {
        if case .orderWatch = timer {
            roundTimedOut(into: &out)
            return
        }
        guard case .instance(let id, let t) = timer, Int(id.rawValue) < config.replicaCount else {
            if case .batch = timer { fillNoops(into: &out) }
            return
        }
        let i = Int(id.rawValue), before = instances[i].view
        step(i, into: &out) { $0.timerFired(t, into: &$1) }
        // A NEW-VIEW that did not come moves the instance one view on; if that view's
        // primary has not been heard from lately, skip on to one that has.
        if instances[i].view > before, !instances[i].isViewActive, silent.contains(instances[i].primary) {
            replacePrimary(of: i, avoiding: silent, into: &out)
        }
        fillNoops(into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func suspect(for request: ClientRequest, into out: inout CompositionOutput) {
        let i = request.assignedReplica.index
        guard i < config.replicaCount else { return }
        // Only an instance that stopped delivering is suspected (see DQComposition),
        // and a new primary gets a whole check period before it is.
        let mark = progressMark(of: i)
        if mark.delivered > suspicionMarks[i].delivered || mark.view != suspicionMarks[i].view {
            suspicionMarks[i] = mark
            return
        }
        // An instance that already delivered the slot execution needs from it next is
        // not what holds the request back: the round waits on another instance (the
        // round timer suspects that one). Without this check one failed primary makes
        // every healthy instance stall at its watermark and be suspected in turn.
        if instances[i].lastDelivered >= nextSlotToExecute(of: i) { return }
        guard instances[i].isViewActive else { return }
        var avoid = silent
        avoid.insert(instances[i].primary)
        replacePrimary(of: i, avoiding: avoid, into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func didExecute(through sequence: SequenceNumber, checkpointDigest: Digest?,
                                    into out: inout CompositionOutput) {
        guard let stateDigest = checkpointDigest else { return }
        let round = SequenceNumber(sequence.rawValue / n)
        for i in instances.indices {
            step(i, into: &out) { $0.checkpoint(at: round, stateDigest: stateDigest, into: &$1) }
        }
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func stateInstalled(_ sequence: SequenceNumber, into out: inout CompositionOutput) {
        nextExecution = sequence.advanced(by: 1)
        let round = SequenceNumber(sequence.rawValue / n)
        for i in delivered.indices { delivered[i] = delivered[i].filter { $0.key > round } }
        executeReady(into: &out)
    }

    @_specialize(where Instance == PBFTInstance)
    public mutating func recover(into out: inout CompositionOutput) {
        blockedAt = nil
        armRoundTimer(into: &out)
        for i in instances.indices {
            step(i, into: &out) { $0.recover(into: &$1) }
        }
    }

    public mutating func restore(sent message: ConsensusMessage, instance: InstanceID) {
        let i = Int(instance.rawValue)
        if instance != .main, i < config.replicaCount { instances[i].restore(sent: message) }
    }

    /// Every instance this replica leads that lags behind the others proposes
    /// no-ops up to the highest known slot (idle primaries, taken-over instances).
    mutating func fillNoops(into out: inout CompositionOutput) {
        for i in instances.indices where instances[i].isPrimary {
            // The own instance proposes no-ops only when it has nothing better: the
            // replica's batching fills it with client batches first.
            let highest = highestKnown
            step(i, into: &out) { instance, effects in
                while instance.canPropose && instance.nextProposal <= highest {
                    let before = instance.nextProposal
                    instance.propose(.noop, into: &effects)
                    if instance.nextProposal <= before { break }  // refused, or the last slot there is
                }
            }
        }
    }

    /// One input to instance `i`: a fresh effects buffer for `input`, then `absorb`.
    @inline(__always)
    mutating func step(_ i: Int, into out: inout CompositionOutput, _ input: (inout Instance, inout [InstanceEffect]) -> Void) {
        var effects: [InstanceEffect] = []
        input(&instances[i], &effects)
        absorb(i, effects, into: &out)
    }

    /// Passes instance `i`'s sends and timers through; its deliveries wait for their round.
    mutating func absorb(_ i: Int, _ effects: [InstanceEffect], into out: inout CompositionOutput) {
        guard !effects.isEmpty else { return }
        let (slots, needs) = out.add(effects, from: .dissemination(ReplicaID(i)), me: me)
        if let (seq, digest) = needs, let global = globalSlot(endingRound: seq), global >= nextExecution {
            out.needsState = (global, digest)
        }
        for (seq, payload) in slots {
            highestKnown = max(highestKnown, seq)
            if case .requests(let b) = payload { delivered[i][seq] = b } else { delivered[i][seq] = .noop }
        }
        if !slots.isEmpty { executeReady(into: &out) }
    }

    /// A round could not close for a whole period while other instances delivered
    /// ahead (RCC's per-instance recovery): every instance that has not delivered the
    /// slot execution needs from it next, and neither delivered nor changed view
    /// during the period, is suspected at once — f failed primaries are replaced
    /// together, not one round timeout after another. A new view gets a whole period
    /// of its own. Each new primary fills its instance with no-ops. The timer ticks
    /// `roundTicks` times per period and re-arms whenever execution moved, so the
    /// period is counted from the last execution, not from when the timer was set.
    mutating func roundTimedOut(into out: inout CompositionOutput) {
        ticks &+= 1
        if ticks % Self.roundTicks == 0 {
            // Only a period in which this replica heard enough others to make a
            // quorum with them says who is silent. In a quiet one (every replica
            // waiting for a view change to time out, as after a healed partition)
            // all would look failed, each replica would skip to a view it leads
            // itself, and those whose guess lay above the view a quorum settled on
            // were stranded there (seed 31 of the rcc/7 sweep: two per instance).
            let others = (0..<config.replicaCount).map { ReplicaID(UInt16($0)) }.filter { $0 != me }
            silent = heard.count + 1 >= config.quorum ? ReplicaSet(others.filter { !heard.contains($0) }) : ReplicaSet()
            heard = ReplicaSet()
        }
        defer { armRoundTimer(into: &out) }
        guard let stuck = blockedAt else { return }
        if stuck == nextExecution && stalledTicks + 1 < Self.roundTicks {
            stalledTicks += 1
            out.effects.append(.setTimer(.orderWatch, afterNanos: roundTimeoutNanos / Self.roundTicks))
            return
        }
        blockedAt = nil
        guard stuck == nextExecution else { return }
        let behind = instances.indices.filter { j in
            instances[j].isViewActive && instances[j].lastDelivered < nextSlotToExecute(of: j) && progressMark(of: j) == roundMarks[j]
        }
        let avoid = behind.reduce(into: silent) { $0.insert(instances[$1].primary) }
        for j in behind { replacePrimary(of: j, avoiding: avoid, into: &out) }
    }

    mutating func armRoundTimer(into out: inout CompositionOutput) {
        guard blockedAt == nil, delivered.contains(where: { !$0.isEmpty }) else { return }
        blockedAt = nextExecution
        stalledTicks = 0
        roundMarks = instances.indices.map(progressMark(of:))
        out.effects.append(.setTimer(.orderWatch, afterNanos: roundTimeoutNanos / Self.roundTicks))
    }

    /// Asks for the first view of instance `i` above its current one whose primary is
    /// not in `avoid` (the next view if every replica is). Views may be skipped
    /// safely; skipping spares the instance one NEW-VIEW timeout, doubling each time,
    /// per failed replica in line (with the highest ids crashed, instance N−f would
    /// otherwise wait for f−1 of them in turn). The join rule settles replicas whose
    /// guesses differ. (Spreading takeovers over the candidates by instance id
    /// instead left three sweep seeds stalled and did not raise Figure 9 throughput.)
    mutating func replacePrimary(of i: Int, avoiding avoid: ReplicaSet, into out: inout CompositionOutput) {
        let view = instances[i].view
        let target = (1...n).lazy.map { ViewNumber(view.rawValue.addingReportingOverflow($0).partialValue) }
            .first { $0 > view && !avoid.contains(self.config.primary(of: $0, initial: ReplicaID(i))) } ?? view.next
        step(i, into: &out) { $0.requestView(target, into: &$1) }
    }

    /// How far instance `i` has come: a later slot or a new view is progress.
    func progressMark(of i: Int) -> (delivered: SequenceNumber, view: ViewNumber) {
        (instances[i].lastDelivered, instances[i].view)
    }

    /// The slot of instance `i` that round-robin execution will take from it next.
    func nextSlotToExecute(of i: Int) -> SequenceNumber {
        let g = nextExecution.rawValue &- 1  // nextExecution ≥ 1 (see `globalSlot`)
        return SequenceNumber(g / n + (UInt64(i) < g % n ? 2 : 1))
    }

    /// Executes slots in the fixed round-robin order while they are delivered.
    mutating func executeReady(into out: inout CompositionOutput) {
        defer { armRoundTimer(into: &out) }
        while true {
            let g = nextExecution.rawValue &- 1
            let i = Int(g % n), slot = SequenceNumber(g / n + 1)
            guard let batch = delivered[i].removeValue(forKey: slot) else { return }
            out.executions.append((nextExecution, [DQComposition<Instance>.assigned(batch, to: ReplicaID(i))]))
            nextExecution = nextExecution.advanced(by: 1)
        }
    }

    /// Every instance checkpoints round r with the state after global slot r·N, so
    /// the most advanced instance's stable checkpoint certifies the newest state.
    public var stableState: (sequence: SequenceNumber, digest: Digest) {
        let best = instances.map(\.stableCheckpoint).filter { globalSlot(endingRound: $0.sequence) != nil }
            .max { $0.sequence < $1.sequence } ?? (.zero, .zero)
        return (globalSlot(endingRound: best.sequence) ?? .zero, best.digest)
    }

    /// The certificate of the most advanced instance's stable checkpoint (the one
    /// `stableState` names).
    public var stableProof: (instance: InstanceID, checkpoints: [SignedCheckpoint]) {
        let best = instances.indices.filter { globalSlot(endingRound: instances[$0].stableCheckpoint.sequence) != nil }
            .max { instances[$0].stableCheckpoint.sequence < instances[$1].stableCheckpoint.sequence }
        guard let best else { return (.main, []) }
        return (.dissemination(ReplicaID(best)), instances[best].stableProof)
    }

    public var stableProofs: [(instance: InstanceID, checkpoints: [SignedCheckpoint])] {
        let best = stableProof
        return [best] + instances.indices.map { (InstanceID.dissemination(ReplicaID($0)), instances[$0].stableProof) }
            .filter { $0.0 != best.instance && !$0.1.isEmpty }
    }

    public var lowWatermarks: [InstanceID: SequenceNumber] {
        var marks: [InstanceID: SequenceNumber] = [:]
        for (i, instance) in instances.enumerated() { marks[.dissemination(ReplicaID(i))] = instance.lowWatermark }
        return marks
    }

    /// The execution slot that ends round `round` (round·N), or nil past the last
    /// one whose successor is a slot too: a round that high comes only from forged
    /// checkpoints, and would otherwise overflow or wrap execution back to slot 0.
    func globalSlot(endingRound round: SequenceNumber) -> SequenceNumber? {
        guard let g = round.rawValue.multipliedIfExact(by: n), g < .max else { return nil }
        return SequenceNumber(g)
    }

    public var rejections: RejectionCounts {
        instances.reduce(into: ownRejections) { $0.add($1.rejections) }
    }

    public var status: String {
        "next=\(nextExecution.rawValue) views=\(instances.map { "\($0.view.rawValue)\($0.isViewActive ? "" : "?")" }) "
            + "delivered=\(instances.map(\.lastDelivered.rawValue))"
    }
}

extension RCCComposition where Instance == PBFTInstance {
    /// RCC over PBFT (`.rcc`): every instance signs with `signer`; a round may stay
    /// open for one progress timeout.
    public init(config: ClusterConfiguration, me: ReplicaID, pbft: PBFTParameters, genesis: Digest,
                signer: any ReplicaSigner) {
        self.init(kind: .rcc, config: config, me: me, roundTimeoutNanos: pbft.progressTimeoutNanos, genesis: genesis) {
            id, primary, genesis in
            PBFTInstance(id: id, config: config, me: me, initialPrimary: primary, parameters: pbft, genesisDigest: genesis,
                         signer: signer)
        }
    }
}
