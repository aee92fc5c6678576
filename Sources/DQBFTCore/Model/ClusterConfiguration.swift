/// The fault model a protocol assumes.
public enum FaultModel: String, Sendable, Codable, CaseIterable {
    /// Byzantine faults only: N ≥ 3f+1, quorums of 2f+1.
    case byzantine
    /// Byzantine faults, but every replica has a trusted subsystem that can only
    /// crash: N ≥ 2f+1, quorums of f+1.
    case hybrid
}

/// The static shape of a cluster: how many replicas, how many may be faulty, and
/// the quorum sizes every protocol derives from them.
///
/// Guarantees (checked at construction): any two quorums intersect in at least one
/// correct replica, and a quorum of correct replicas exists (liveness).
public struct ClusterConfiguration: Hashable, Sendable {
    public let replicaCount: Int
    public let faultModel: FaultModel
    /// The number of faulty replicas tolerated.
    public let f: Int
    /// A deliberate protocol bug, for the mutation check of the tests only (nil: none).
    public var mutant: Mutant?

    /// Largest f the model tolerates with `replicaCount` replicas.
    public static func maxFaults(replicas: Int, model: FaultModel) -> Int {
        switch model {
        case .byzantine: return (replicas - 1) / 3
        case .hybrid: return (replicas - 1) / 2
        }
    }

    public init(replicas: Int, faultModel: FaultModel, f: Int? = nil) {
        let f = f ?? Self.maxFaults(replicas: replicas, model: faultModel)
        precondition(replicas >= 1 && replicas < Int(UInt16.max), "replica count out of range")
        precondition(f >= 0 && f <= Self.maxFaults(replicas: replicas, model: faultModel),
                     "f=\(f) too large for N=\(replicas) under \(faultModel)")
        self.replicaCount = replicas
        self.faultModel = faultModel
        self.f = f
        // Two quorums intersect in more than f replicas (BFT) or at least one (hybrid,
        // where faulty replicas cannot equivocate).
        let q = quorum
        switch faultModel {
        case .byzantine: precondition(2 * q - replicas >= f + 1, "BFT quorums must intersect in a correct replica")
        case .hybrid: precondition(2 * q - replicas >= 1, "hybrid quorums must intersect")
        }
        precondition(replicas - f >= q, "a quorum of correct replicas must exist")
    }

    /// Agreement quorum: the smallest size such that two quorums intersect in f+1
    /// replicas (BFT: ⌈(N+f+1)/2⌉, which is 2f+1 when N = 3f+1) or in one replica
    /// (hybrid: ⌊N/2⌋+1, which is f+1 when N = 2f+1).
    public var quorum: Int {
        if faultModel == .hybrid, mutant == .hybridWeakQuorum { return f + 1 }
        return faultModel == .byzantine ? (replicaCount + f + 2) / 2 : replicaCount / 2 + 1
    }

    /// Whether the mutation check runs with `m` (always false outside it).
    @inline(__always) public func mutated(_ m: Mutant) -> Bool { mutant == m }
    /// Weak certificate: f+1 matching votes contain at least one correct replica.
    public var weakQuorum: Int { f + 1 }
    /// Replies a client waits for (f+1 matching).
    public var replyQuorum: Int { f + 1 }
    public var replicas: [ReplicaID] { (0..<replicaCount).map { ReplicaID($0) } }
    /// Primary of `view` for an instance whose view-0 primary is `initial`.
    @inlinable public func primary(of view: ViewNumber, initial: ReplicaID = ReplicaID(0)) -> ReplicaID {
        let n = UInt64(replicaCount)
        return ReplicaID(UInt16((UInt64(initial.rawValue) % n + view.rawValue % n) % n))
    }
}
