/// The classic shape: one instance (PBFT, Hybster, Linear Hybster) orders client
/// batches; its slots are the execution order. The primary proposes; backups
/// forward requests to it.
///
/// Guarantees: executions are the instance's deliveries, in slot order.
///
/// Performance: the replica calls compositions through `any Composition`, which reaches
/// generic code unspecialised; the entry points therefore carry one `@_specialize` per
/// instance type used with this composition (`PBFTInstance` and `HybridInstance`), so
/// those calls run code specialised for the instance. Add one for each new type.
public struct SinglePrimaryComposition<Instance: ConsensusInstance>: Composition {
    public var instance: Instance
    let me: ReplicaID
    public let kind: ProtocolKind
    /// Delivered slot seen at the last request-timeout check.
    var suspicionMark = SequenceNumber.zero
    /// Messages set aside here, not by the instance.
    var ownRejections = RejectionCounts()
    /// The last view the instance was active in: named in replies and forwarded to
    /// while a view change is pending (see `LastActiveView`).
    var installed: LastActiveView

    public init(kind: ProtocolKind, me: ReplicaID, genesis: Digest, makeInstance: InstanceFactory<Instance>) {
        self.me = me
        self.kind = kind
        instance = makeInstance(.main, ReplicaID(0), genesis)
        installed = LastActiveView(primary: instance.primary)
    }

    /// The view clients are told about: the current one, or while a PBFT view change
    /// is pending the last one installed. (Hybster and Linear Hybster keep naming
    /// the pending view and forwarding nothing meanwhile: their view changes were not
    /// measured with this, and the hybrid sweeps stalled once more with it.)
    public var replyView: ViewNumber {
        instance.isViewActive || kind.faultModel != .byzantine ? instance.view : installed.view
    }
    public var orderingView: ViewNumber { instance.view }
    public func proposes(_ request: ClientRequest) -> Bool { instance.isPrimary && instance.isViewActive }
    public func forwardTarget(for request: ClientRequest) -> ReplicaID? {
        if instance.isViewActive { return instance.primary }
        return kind.faultModel == .byzantine ? installed.primary : nil
    }

    /// Remembers the instance's view while it is active (after every input).
    mutating func noteActiveView() {
        installed.note(view: instance.view, active: instance.isViewActive, primary: instance.primary)
    }

    public var canPropose: Bool {
        @_specialize(where Instance == PBFTInstance)
        @_specialize(where Instance == HybridInstance)
        get { instance.canPropose }
    }
    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public func isCheckpoint(_ sequence: SequenceNumber) -> Bool { instance.isCheckpoint(sequence) }
    public func executionFrontier(at sequence: SequenceNumber) -> [UInt8] { [] }
    public mutating func installFrontier(_ bytes: [UInt8]) throws(WireError) {
        guard bytes.isEmpty else { throw .trailingBytes(bytes.count) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func propose(_ batch: Batch, into out: inout CompositionOutput) {
        step(into: &out) { $0.propose(.requests(batch), into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func isRedundant(_ message: ConsensusMessage, instance id: InstanceID) -> Bool {
        guard id == .main else { return false }
        return instance.isRedundant(message)
    }

    public mutating func receive(_ message: ConsensusMessage, instance id: InstanceID, from: ReplicaID,
                                 into out: inout CompositionOutput) {
        guard id == .main else { return ownRejections.note(.unknownInstance) }
        step(into: &out) { $0.receive(message, from: from, into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func timerFired(_ timer: ReplicaTimer, into out: inout CompositionOutput) {
        guard case .instance(.main, let t) = timer else { return }
        step(into: &out) { $0.timerFired(t, into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func suspect(for request: ClientRequest, into out: inout CompositionOutput) {
        // A primary that keeps committing is slow for this request (queueing under
        // load), not faulty: suspect it only if nothing was delivered since the last check.
        if instance.lastDelivered > suspicionMark { suspicionMark = instance.lastDelivered; return }
        step(into: &out) { $0.suspectPrimary(into: &$1) }
    }

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func didExecute(through sequence: SequenceNumber, checkpointDigest: Digest?,
                                    into out: inout CompositionOutput) {
        guard let stateDigest = checkpointDigest else { return }
        step(into: &out) { $0.checkpoint(at: sequence, stateDigest: stateDigest, into: &$1) }
    }

    public mutating func stateInstalled(_ sequence: SequenceNumber, into out: inout CompositionOutput) {}

    @_specialize(where Instance == PBFTInstance)
    @_specialize(where Instance == HybridInstance)
    public mutating func recover(into out: inout CompositionOutput) {
        step(into: &out) { $0.recover(into: &$1) }
    }

    public mutating func restore(sent message: ConsensusMessage, instance id: InstanceID) {
        if id == .main { instance.restore(sent: message) }
        noteActiveView()
    }

    /// One input to the instance: a fresh effects buffer for `input`, then `absorb`.
    @inline(__always)
    mutating func step(into out: inout CompositionOutput, _ input: (inout Instance, inout [InstanceEffect]) -> Void) {
        var effects: [InstanceEffect] = []
        input(&instance, &effects)
        absorb(effects, into: &out)
    }

    /// Passes sends and timers through; delivered client batches become execution slots.
    mutating func absorb(_ effects: [InstanceEffect], into out: inout CompositionOutput) {
        noteActiveView()
        let (delivered, needs) = out.add(effects, from: .main, me: me)
        if let needs { out.needsState = needs }
        for (seq, payload) in delivered {
            if case .requests(let b) = payload { out.executions.append((seq, [b])) }
        }
    }

    public var stableState: (sequence: SequenceNumber, digest: Digest) { instance.stableCheckpoint }
    public var stableProof: (instance: InstanceID, checkpoints: [SignedCheckpoint]) { (.main, instance.stableProof) }
    public var lowWatermarks: [InstanceID: SequenceNumber] { [.main: instance.lowWatermark] }

    public var status: String { instance.status }

    public var rejections: RejectionCounts {
        var all = ownRejections
        all.add(instance.rejections)
        return all
    }
}
