/// Why a replica set a message aside without acting on it. Every place in an
/// instance, a composition or the replica that drops an authenticated message
/// says which of these it is, so that an operator sees why a replica ignores a
/// peer (`dqbft_messages_rejected_total{reason}`, and one debug line per message)
/// instead of a silent `return`.
///
/// Guarantees: a reason names a rule of the protocol, not a code location; adding
/// a case never changes what a replica does.
public enum Rejection: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// From this replica itself, or a replica id outside the cluster.
    case foreignSender
    /// A message of another instance type (a hybrid message to a PBFT instance).
    case otherProtocol
    /// For an instance id this replica does not run.
    case unknownInstance
    /// For a slot at or below the stable checkpoint, or above the high watermark.
    case outsideWindow
    /// For a view below the one this replica is in.
    case staleView
    /// For a view this replica is not active in (ahead of it, or while it changes view).
    case notActiveView
    /// A proposal from a replica that is not the primary of its view.
    case notFromPrimary
    /// A second proposal for a slot in one view, or a vote the sender already cast.
    case duplicate
    /// A payload nobody here asked for.
    case unrequestedPayload
    /// A certificate, proof or evidence that does not verify or does not prove what
    /// it claims (trusted counters, threshold signatures, checkpoints, view changes).
    case invalidProof
    /// A client request that cannot be ordered now (queue full, or already pending).
    case requestNotQueued

    public var description: String {
        switch self {
        case .foreignSender: return "foreign-sender"
        case .otherProtocol: return "other-protocol"
        case .unknownInstance: return "unknown-instance"
        case .outsideWindow: return "outside-window"
        case .staleView: return "stale-view"
        case .notActiveView: return "not-active-view"
        case .notFromPrimary: return "not-from-primary"
        case .duplicate: return "duplicate"
        case .unrequestedPayload: return "unrequested-payload"
        case .invalidProof: return "invalid-proof"
        case .requestNotQueued: return "request-not-queued"
        }
    }
}

/// Counts of `Rejection`s, per reason.
///
/// Guarantees: `total` is the sum of all counts; counts never decrease (they wrap
/// only after 2^64 rejections).
public struct RejectionCounts: Sendable, Equatable {
    private var counts = [UInt64](repeating: 0, count: Rejection.allCases.count)
    public private(set) var total: UInt64 = 0

    public init() {}

    public mutating func note(_ reason: Rejection) {
        counts[reason.rawValue] &+= 1
        total &+= 1
    }

    public subscript(reason: Rejection) -> UInt64 { counts[reason.rawValue] }

    /// Adds `other`'s counts to these.
    public mutating func add(_ other: RejectionCounts) {
        guard other.total > 0 else { return }
        for i in counts.indices { counts[i] &+= other.counts[i] }
        total &+= other.total
    }

    /// The reasons counted here beyond `earlier` (a snapshot of the same counter).
    public func since(_ earlier: RejectionCounts) -> [Rejection] {
        Rejection.allCases.filter { counts[$0.rawValue] != earlier.counts[$0.rawValue] }
    }
}
