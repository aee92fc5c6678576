/// A proposal as a composition sees it inside an instance's message.
public struct InstanceProposal: Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var payload: Payload
    public init(view: ViewNumber, sequence: SequenceNumber, payload: Payload) {
        self.view = view; self.sequence = sequence; self.payload = payload
    }
}

/// One consensus instance used as a black box by the compositions (the paper's
/// instances: PBFT, Hybster, Linear Hybster). A composition only proposes, feeds
/// authenticated messages and timers, reads these queries, and consumes effects.
///
/// Guarantees required from conformers (the paper's P1–P4): P1 no two correct
/// replicas deliver different payloads for one slot; P2 a delivered payload keeps
/// its slot in every later view; P3 in a stable view with a correct primary every
/// proposal is delivered; P4 f+1 replicas asking for a view change install it.
/// Deliveries (`InstanceEffect.committed`) are in slot order without gaps, apart
/// from what a `needsState` checkpoint covers.
public protocol ConsensusInstance: Sendable {
    var id: InstanceID { get }
    var view: ViewNumber { get }
    /// False while a view change is in progress.
    var isViewActive: Bool { get }
    var primary: ReplicaID { get }
    var isPrimary: Bool { get }
    /// This replica may propose now (primary, view active, window and in-flight cap open).
    var canPropose: Bool { get }
    /// The slot the next proposal takes.
    var nextProposal: SequenceNumber { get }
    var lastDelivered: SequenceNumber { get }
    var lowWatermark: SequenceNumber { get }
    var highWatermark: SequenceNumber { get }
    var stableCheckpoint: (sequence: SequenceNumber, digest: Digest) { get }
    /// Whether this replica holds the proposal (payload) of `seq`, or delivered it.
    func knowsProposal(at seq: SequenceNumber) -> Bool
    /// Whether `seq` committed here (or was delivered).
    func isCommitted(at seq: SequenceNumber) -> Bool
    func isCheckpoint(_ sequence: SequenceNumber) -> Bool
    var status: String { get }

    mutating func propose(_ payload: Payload, into out: inout [InstanceEffect])
    mutating func receive(_ message: ConsensusMessage, from sender: ReplicaID, into out: inout [InstanceEffect])
    mutating func timerFired(_ timer: InstanceTimer, into out: inout [InstanceEffect])
    /// The owner executed through checkpoint `sequence` with state `stateDigest`.
    mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect])
    mutating func suspectPrimary(into out: inout [InstanceEffect])
    /// Moves to view `target` (reinstating a coordinator).
    mutating func requestView(_ target: ViewNumber, into out: inout [InstanceEffect])
    mutating func recover(into out: inout [InstanceEffect])

    /// The proposal carried by `message`, if it is this instance type's proposal.
    static func proposal(in message: ConsensusMessage) -> InstanceProposal?
}

/// Builds the instances of a composition: `(id, initial primary, genesis digest)`.
public typealias InstanceFactory<Instance> = @Sendable (InstanceID, ReplicaID, Digest) -> Instance

extension PBFTInstance: ConsensusInstance {
    public static func proposal(in message: ConsensusMessage) -> InstanceProposal? {
        guard case .prePrepare(let pp) = message else { return nil }
        return InstanceProposal(view: pp.view, sequence: pp.sequence, payload: pp.payload)
    }
    public var status: String {
        "view=\(view.rawValue) active=\(isViewActive) low=\(lowWatermark.rawValue) delivered=\(lastDelivered.rawValue)"
    }
}

extension HybridInstance: ConsensusInstance {
    public static func proposal(in message: ConsensusMessage) -> InstanceProposal? {
        guard case .hybrid(.prepare(let p)) = message else { return nil }
        return InstanceProposal(view: p.view, sequence: p.sequence, payload: p.payload)
    }
}
