/// What one call into a composition hands back to its replica (etcd raft's
/// `Ready`): effects to carry out, the slots that became executable, the state to
/// fetch, and hints for the replica's own proposing.
///
/// Guarantees: a plain value; the replica carries it out after the call returned
/// (`Replica.carryOut`), so nothing in it runs while the composition is inside a call.
public struct CompositionOutput: Sendable {
    public var effects: [ReplicaEffect] = []
    /// Execution slots that became executable, in order, each with the batches it
    /// executes. The replica executes them and reports back with `didExecute`.
    public var executions: [(sequence: SequenceNumber, batches: [Batch])] = []
    /// The execution-level checkpoint the replica must install by state transfer.
    public var needsState: (sequence: SequenceNumber, digest: Digest)?
    /// The replica may be able to propose again (window opened, view changed).
    public var mayPropose = false
    /// An instance entered a new view: which requests this replica proposes may
    /// have changed (`Composition.proposes` depends on nothing else).
    public var viewChanged = false
    public init() {}
}

/// Turns consensus instances into one execution order (the paper's single-primary,
/// DQ and multi-primary shapes). A composition never looks inside an instance: it
/// uses only proposals, deliveries, view notifications and checkpoints.
///
/// Guarantees expected from conformers: `executions` are emitted with strictly
/// increasing, gap-free sequence numbers (a `needsState` jump excepted) and are the
/// same on every correct replica.
///
/// What a conformer may rely on (the replica's one-way step, `Replica+CarryOut.swift`):
/// every entry point is called with a fresh `CompositionOutput` and returns before
/// the replica acts on it; the replica never calls in while a slot executes, and
/// reports executed slots only through `didExecute`, after executing them.
public protocol Composition: Sendable {
    var kind: ProtocolKind { get }
    /// The view the replica reports in client replies.
    var replyView: ViewNumber { get }
    /// The ordering instance's current view, pending or not (`replyView` may name
    /// the last installed one instead).
    var orderingView: ViewNumber { get }
    /// True if this replica should batch and propose `request` itself now or later.
    /// May change only when an instance enters a new view (the replica re-checks the
    /// requests it forwarded then, and only then).
    func proposes(_ request: ClientRequest) -> Bool
    /// Where a replica that does not propose `request` forwards it.
    func forwardTarget(for request: ClientRequest) -> ReplicaID?
    /// True when a client batch may be proposed right now.
    var canPropose: Bool { get }
    mutating func propose(_ batch: Batch, into out: inout CompositionOutput)
    mutating func receive(_ message: ConsensusMessage, instance: InstanceID, from: ReplicaID, into out: inout CompositionOutput)
    mutating func timerFired(_ timer: ReplicaTimer, into out: inout CompositionOutput)
    /// A forwarded request was not executed in time: suspect whoever should order it.
    mutating func suspect(for request: ClientRequest, into out: inout CompositionOutput)
    /// The replica executed, in order, every slot handed over through `sequence`
    /// (the run since its last report). A run ends at the first checkpoint slot in
    /// it (`isCheckpoint`): then `checkpointDigest` is the replica's state digest
    /// after `sequence`, otherwise nil.
    mutating func didExecute(through sequence: SequenceNumber, checkpointDigest: Digest?, into out: inout CompositionOutput)
    /// The replica installed the state at execution slot `sequence`.
    mutating func stateInstalled(_ sequence: SequenceNumber, into out: inout CompositionOutput)
    /// Restart after a crash: re-arm timers, announce where this replica is.
    mutating func recover(into out: inout CompositionOutput)
    /// Before `recover`: re-learns a message this replica sent under `instance`
    /// before it restarted (see `ConsensusInstance.restore(sent:)`).
    mutating func restore(sent message: ConsensusMessage, instance: InstanceID)
    /// Composition state that is part of the replicated state at checkpoint
    /// `sequence` (DQ: which D-slots had executed), encoded deterministically.
    func executionFrontier(at sequence: SequenceNumber) -> [UInt8]
    /// Adopts the frontier of an installed checkpoint.
    mutating func installFrontier(_ bytes: [UInt8]) throws(WireError)
    /// Whether execution slot `sequence` ends at a checkpoint.
    func isCheckpoint(_ sequence: SequenceNumber) -> Bool
    /// The newest execution slot whose application state a quorum certified, and
    /// that state's digest. A replica waiting for an older snapshot switches to this
    /// one: peers forget the states below their own stable checkpoint.
    var stableState: (sequence: SequenceNumber, digest: Digest) { get }
    /// The checkpoint messages that certify `stableState`, and the instance they
    /// belong to: relayed to a peer that asks for a state this replica has pruned.
    var stableProof: (instance: InstanceID, checkpoints: [SignedCheckpoint]) { get }
    /// Each instance's stable checkpoint (its low watermark): nothing this replica
    /// sent in an instance at or below it is needed again, so a shell may delete
    /// log records up to there, and only up to there.
    var lowWatermarks: [InstanceID: SequenceNumber] { get }
    /// Every instance's stable checkpoint certificate, `stableProof`'s first: what
    /// a replica restarted together with all others needs to find each instance's
    /// place again (multi-primary: every instance checkpoints on its own).
    var stableProofs: [(instance: InstanceID, checkpoints: [SignedCheckpoint])] { get }
    /// Where instances stand (for status output and tests).
    var status: String { get }
    /// Messages the composition and its instances set aside, by reason.
    var rejections: RejectionCounts { get }
    /// True if the instance `message` is for would gain nothing from it (see
    /// `ConsensusInstance.isRedundant`): the shell may drop it unverified.
    /// Changes nothing (`mutating` to reach the instance in place, not copy it).
    mutating func isRedundant(_ message: ConsensusMessage, instance: InstanceID) -> Bool
}

extension Composition {
    public var orderingView: ViewNumber { replyView }
    public var stableProofs: [(instance: InstanceID, checkpoints: [SignedCheckpoint])] { [stableProof] }
}

extension CompositionOutput {
    /// Translates one instance's effects into replica effects and returns what the
    /// instance delivered (in order) and the checkpoint it needs, if any.
    @discardableResult
    mutating func add(_ effects: [InstanceEffect], from instance: InstanceID, me: ReplicaID)
        -> (delivered: [(SequenceNumber, Payload)], needsState: (SequenceNumber, Digest)?) {
        var delivered: [(SequenceNumber, Payload)] = []
        var needs: (SequenceNumber, Digest)?
        for effect in effects {
            switch effect {
            case .broadcast(let m): self.effects.append(.broadcast(.consensus(from: me, instance: instance, m)))
            case .send(let m, let to): self.effects.append(.send(.consensus(from: me, instance: instance, m), to: to))
            case .setTimer(let t, let ns): self.effects.append(.setTimer(.instance(instance, t), afterNanos: ns))
            case .cancelTimer(let t): self.effects.append(.cancelTimer(.instance(instance, t)))
            case .committed(let seq, let payload):
                delivered.append((seq, payload))
                mayPropose = true  // an in-flight slot completed
            case .viewChanged(let v, _):
                self.effects.append(.viewChanged(instance, v))
                mayPropose = true
                viewChanged = true
            case .needsState(let seq, let digest): needs = (seq, digest)
            case .checkpointStable: mayPropose = true
            case .persist(let m): self.effects.append(.persist(.consensus(from: me, instance: instance, m)))
            }
        }
        return (delivered, needs)
    }
}
