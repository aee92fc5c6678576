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
/// instances: PBFT, Hybster, Linear Hybster): everything a composition may ask of
/// an instance, and nothing more. A composition only proposes, feeds authenticated
/// messages and timers, reads these queries, and consumes effects.
///
/// Guarantees required from conformers (the DQBFT paper's §3, under the instance's
/// own fault model: N ≥ 3f+1 for PBFT, N ≥ 2f+1 with trusted counters for Hybster):
/// - **P1** if a correct replica delivers payload α at slot S, no correct replica
///   delivers α′ ≠ α at S;
/// - **P2** a payload delivered at slot S in view v is not delivered at another slot
///   S′ > S in any later view;
/// - **P3** in a stable view with synchronous links among correct replicas, every
///   payload the correct primary proposes is delivered by the correct replicas;
/// - **P4** a view v is left for some v′ > v once f+1 replicas ask for it
///   (`suspectPrimary`, `requestView`, their own progress timers).
///
/// Deliveries (`InstanceEffect.committed`) come once per slot, in slot order,
/// without gaps apart from what a preceding `needsState` checkpoint covers.
/// Besides its own messages, `receive` accepts the shared
/// `.status(view:stableSequence:)` announcement and helps that peer catch up; the
/// DQ composition broadcasts one under a D-instance's id when its coordinator asks
/// to be reinstated.
public protocol ConsensusInstance: Sendable {
    /// The instance this is; its messages and timers travel under this id.
    var id: InstanceID { get }
    /// The current view; while `isViewActive` is false, the view being installed.
    /// Never decreases.
    var view: ViewNumber { get }
    /// False from asking for a view change until the new view is installed.
    var isViewActive: Bool { get }
    /// The primary (coordinator) of `view`: the same on every correct replica.
    var primary: ReplicaID { get }
    /// True if this replica is `primary`.
    var isPrimary: Bool { get }
    /// True when `propose` may be called now: primary, view active, window and
    /// in-flight cap open.
    var canPropose: Bool { get }
    /// The slot the next proposal takes.
    var nextProposal: SequenceNumber { get }
    /// The highest slot delivered to the owner (or covered by `needsState`); never decreases.
    var lastDelivered: SequenceNumber { get }
    /// The stable checkpoint's slot: slots at or below it are forgotten.
    var lowWatermark: SequenceNumber { get }
    /// The highest slot the instance accepts now; proposals above it are ignored.
    var highWatermark: SequenceNumber { get }
    /// The stable checkpoint, certified by a quorum: its slot and the owner's state digest.
    var stableCheckpoint: (sequence: SequenceNumber, digest: Digest) { get }
    /// The signed checkpoints that certify `stableCheckpoint` (none at genesis).
    var stableProof: [SignedCheckpoint] { get }
    /// True while a proposal accepted here is not yet delivered.
    var hasPendingWork: Bool { get }
    /// Whether this replica holds the proposal (payload) of `seq`, or delivered it:
    /// the DQ O-instance may then reference the slot.
    func knowsProposal(at seq: SequenceNumber) -> Bool
    /// Whether `seq` is decided here (P1: its payload can no longer change) or delivered.
    func isCommitted(at seq: SequenceNumber) -> Bool
    /// Whether the owner must call `checkpoint(at:stateDigest:into:)` after slot
    /// `sequence`; the same answer on every replica.
    func isCheckpoint(_ sequence: SequenceNumber) -> Bool
    /// One line describing where the instance stands (status output, tests).
    var status: String { get }
    /// The messages this instance set aside without acting on them, by reason.
    var rejections: RejectionCounts { get }
    /// True if `message` cannot tell this instance anything it does not already
    /// hold (a second copy of a proposal, a certificate for a decided slot), so a
    /// shell may drop it before paying to verify it. Looks only at cheap fields,
    /// never changes state, and never says true of a message `receive` would use.
    /// `mutating` only so that callers reach the instance in place: a
    /// non-mutating call on an array element copies the whole instance first, and
    /// this runs for every message a replica receives.
    mutating func isRedundant(_ message: ConsensusMessage) -> Bool

    /// Proposes `payload` at `nextProposal`. Precondition: `canPropose`.
    mutating func propose(_ payload: Payload, into out: inout [InstanceEffect])
    /// Handles one authenticated message from `sender`; messages from itself or
    /// from outside the cluster are ignored.
    mutating func receive(_ message: ConsensusMessage, from sender: ReplicaID, into out: inout [InstanceEffect])
    /// A timer this instance set expired.
    mutating func timerFired(_ timer: InstanceTimer, into out: inout [InstanceEffect])
    /// The owner executed through checkpoint `sequence` with state `stateDigest`:
    /// vote for it; a quorum makes it stable and advances the window.
    mutating func checkpoint(at sequence: SequenceNumber, stateDigest: Digest, into out: inout [InstanceEffect])
    /// The owner suspects the primary of the active view: ask for the next view (P4).
    mutating func suspectPrimary(into out: inout [InstanceEffect])
    /// Asks for view `target` if it lies ahead (reinstating a coordinator; P4).
    mutating func requestView(_ target: ViewNumber, into out: inout [InstanceEffect])
    /// After a restart: re-arm timers and tell peers where this replica stands.
    mutating func recover(into out: inout [InstanceEffect])
    /// The owner needs slot `seq` delivered (DQ: a delivered O-slot references it)
    /// and this instance has not delivered it: tell peers where this replica
    /// stands, so that those that delivered more re-send what it missed. Needed
    /// because an instance that never saw the slot's proposal has nothing pending
    /// and no timer, so nothing else would ever ask (P1–P4 say what a correct
    /// replica delivers, not when a late one learns it). Emits at most one message.
    mutating func catchUp(to seq: SequenceNumber, into out: inout [InstanceEffect])
    /// Before `recover`, on a replica rebuilt from nothing: re-learns one message
    /// this replica sent before it restarted (from its durable log, oldest first),
    /// so it never contradicts what it said (same view, same votes, same slots).
    /// Emits nothing.
    mutating func restore(sent message: ConsensusMessage)

    /// The proposal carried by `message`, if it is this instance type's proposal
    /// message (PBFT's PRE-PREPARE, a hybrid PREPARE). A pure function of the
    /// message: it says nothing about the proposal's validity.
    static func proposal(in message: ConsensusMessage) -> InstanceProposal?

    /// The view `message` asks to move to, if it is this instance type's VIEW-CHANGE.
    /// A pure function of the message: it says nothing about its validity.
    static func requestedView(in message: ConsensusMessage) -> ViewNumber?
}

/// Builds the instances of a composition: `(id, initial primary, genesis digest)`.
/// The instance returned has exactly that id, initial primary and slot-0 state
/// digest, and acts as the replica the factory was made for.
public typealias InstanceFactory<Instance> = @Sendable (InstanceID, ReplicaID, Digest) -> Instance
