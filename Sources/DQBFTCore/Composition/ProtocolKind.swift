/// Which replication protocol a replica runs.
///
/// Guarantees: each kind names one composition over one instance type, and its
/// fault model (`faultModel`) is the one that instance type needs.
public enum ProtocolKind: String, CaseIterable, Sendable, Codable {
    /// One PBFT instance with a single primary.
    case pbft
    /// DQBFT over PBFT: N D-instances disseminate, one O-instance orders references.
    case dqpbft
    /// RCC: N concurrent PBFT primaries, round-robin execution order.
    case rcc
    /// Hybster: one hybrid instance (trusted counters, N = 2f+1), all-to-all commits.
    case hybster
    /// Linear Hybster: Hybster with collectors, threshold signatures and one reply per request.
    case linearhybster
    /// DQBFT over Hybster.
    case dqhybster
    /// DQBFT over Linear Hybster: the paper's protocol.
    case destiny

    public var faultModel: FaultModel {
        switch self {
        case .pbft, .dqpbft, .rcc: return .byzantine
        case .hybster, .linearhybster, .dqhybster, .destiny: return .hybrid
        }
    }
}
