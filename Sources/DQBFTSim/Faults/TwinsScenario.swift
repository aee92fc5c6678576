import DQBFTCore

/// One Twins scenario (Bano et al., "Twins: BFT Systems Made Robust"): which
/// replicas run as twins — two honest nodes with one identity, one set of keys and
/// one trusted subsystem, which together behave like one Byzantine replica — and,
/// round by round, which nodes can talk to each other. Rounds are fixed slices of
/// virtual time; after the last one every partition heals, so liveness can be judged.
///
/// Nodes are numbered 0..<N for the replicas and N+k for the twin of `twinned[k]`.
/// Our protocols choose primaries by view number, so a scenario cannot name the
/// leader of a round as Twins does; instead each round says where the nodes of
/// whichever replica is primary when the round begins go (`Round.leaderGroups`).
///
/// Guarantees: a plain value; `validate` rejects more twinned identities than f
/// (counting the run's other faulty replicas), repeated or unknown identities, and
/// rounds whose groups do not cover every node exactly once.
public struct TwinsScenario: Hashable, Sendable, CustomStringConvertible {
    /// The partition of one round.
    ///
    /// Guarantees: a plain value; `TwinsScenario.validate` checks it against the scenario.
    public struct Round: Hashable, Sendable {
        /// Groups of nodes that can talk to each other; every node is in exactly one.
        public var groups: [[Int]]
        /// The group that the node of the round's primary joins (`leaderGroups[0]`)
        /// and the group its twin joins if the primary is twinned (`leaderGroups[1]`).
        /// Ignored for a round where moving them would leave no group with a quorum.
        public var leaderGroups: [Int]

        public init(groups: [[Int]], leaderGroups: [Int]) {
            self.groups = groups
            self.leaderGroups = leaderGroups
        }
    }

    /// Number of replica identities N (nodes beyond it are twins).
    public var replicas: Int
    /// The identities that run as two nodes, in twin-node order (at most f).
    public var twinned: [ReplicaID]
    /// Length of every round, nanoseconds of virtual time.
    public var roundNanos: SimTime
    public var rounds: [Round]
    /// Deliberately broken, for tests of the checker: each twin gets its own trusted
    /// subsystem instead of sharing its original's, so hybrid twins can equivocate.
    public var independentTrustedSubsystems = false

    public init(replicas: Int, twinned: [ReplicaID], roundNanos: SimTime, rounds: [Round]) {
        self.replicas = replicas
        self.twinned = twinned
        self.roundNanos = roundNanos
        self.rounds = rounds
    }

    /// Replica nodes: the replicas and the twins.
    public var nodeCount: Int { replicas + twinned.count }
    /// When the last partitioned round ends and every node can talk to every other.
    public var healNanos: SimTime { roundNanos * SimTime(rounds.count) }

    /// The identity node `node` runs as.
    public func identity(of node: Int) -> ReplicaID { node < replicas ? ReplicaID(node) : twinned[node - replicas] }

    /// "2" for replica 2, "2'" for its twin.
    public func name(of node: Int) -> String { node < replicas ? "\(node)" : "\(identity(of: node).rawValue)'" }

    /// "{0 1 2}{3 0'}" for a group index per node.
    public func describe(groupOf: [Int]) -> String {
        let count = (groupOf.max() ?? 0) + 1
        return (0..<count).map { g in
            "{" + groupOf.indices.filter { groupOf[$0] == g }.map(name(of:)).joined(separator: " ") + "}"
        }.filter { $0 != "{}" }.joined()
    }

    public var description: String {
        let twins = twinned.map { "R\($0.rawValue)" }.joined(separator: ",")
        let body = rounds.map { r in
            r.groups.map { "{" + $0.map(name(of:)).joined(separator: " ") + "}" }.joined()
                + " primary→\(r.leaderGroups.map(String.init).joined(separator: "/"))"
        }
        return "twins \(twins)\(independentTrustedSubsystems ? " (independent trusted subsystems)" : ""); "
            + "rounds of \(Double(roundNanos) / 1e9) s: " + body.joined(separator: "; ") + "; then healed"
    }

    /// Rejects scenarios the simulator cannot run or that exceed the fault threshold.
    func validate(replicas n: Int, f: Int, faulty: Set<ReplicaID>) throws {
        func fail(_ s: String) throws -> Never { throw SimulationError.invalidArgument("twins: " + s) }
        guard replicas == n else { try fail("scenario for N=\(replicas), but the run has N=\(n)") }
        guard !twinned.isEmpty, Set(twinned).count == twinned.count, twinned.allSatisfy({ $0.index < n }) else {
            try fail("twinned replicas must be distinct replicas of the run")
        }
        guard faulty.union(twinned).count <= f else {
            try fail("\(twinned.count) twinned and \(faulty.count) other faulty replicas, but N=\(n) tolerates only f=\(f)")
        }
        guard roundNanos > 0 else { try fail("rounds must last some time") }
        for (k, round) in rounds.enumerated() {
            guard round.groups.joined().sorted() == Array(0..<nodeCount) else {
                try fail("round \(k + 1) does not place every node in exactly one group")
            }
            guard round.leaderGroups.count == 2, round.leaderGroups.allSatisfy({ $0 >= 0 && $0 < round.groups.count }) else {
                try fail("round \(k + 1): primary placement must name two of its groups")
            }
        }
    }
}

/// Draws Twins scenarios the way Twins does: all partitions of the nodes (twins
/// included) into at most `maxGroups` groups, kept only if some group holds a
/// quorum of distinct identities; per round one such partition and a placement of
/// the primary's nodes, chosen by a seeded generator.
///
/// Guarantees: `scenario(seed:)` is a function of the generator's fields and the
/// seed; at least one and at most f identities are twinned; every round's sampled
/// partition has a group with a quorum of distinct identities.
public struct TwinsGenerator: Sendable {
    public let kind: ProtocolKind
    public let replicas: Int
    public var rounds: Int
    public var roundNanos: SimTime
    public var maxGroups: Int
    /// Node sets up to this size have their partitions enumerated; larger ones are sampled.
    public var enumerationLimit = 9

    public init(kind: ProtocolKind, replicas: Int, rounds: Int, roundNanos: SimTime, maxGroups: Int = 3) {
        self.kind = kind
        self.replicas = replicas
        self.rounds = rounds
        self.roundNanos = roundNanos
        self.maxGroups = maxGroups
    }

    var config: ClusterConfiguration { ClusterConfiguration(replicas: replicas, faultModel: kind.faultModel) }

    public func scenario(seed: UInt64) -> TwinsScenario {
        var rng = SimRandom(seed: seed ^ 0x7E1E_5CE0)
        let f = config.f
        // Between one and f twinned identities; half the time the first primary is
        // one of them (it leads view 0 of every instance it starts with).
        let count = 1 + Int(rng.next() % UInt64(max(1, f)))
        var twinned: [ReplicaID] = rng.next() % 2 == 0 ? [ReplicaID(0)] : []
        while twinned.count < count {
            let r = ReplicaID(Int(rng.next() % UInt64(replicas)))
            if !twinned.contains(r) { twinned.append(r) }
        }
        let shape = TwinsScenario(replicas: replicas, twinned: twinned, roundNanos: roundNanos, rounds: [])
        let candidates = shape.nodeCount <= enumerationLimit ? partitions(shape) : nil
        var scenario = shape
        for _ in 0..<rounds {
            let groupOf = candidates.map { $0[Int(rng.next() % UInt64($0.count))] } ?? samplePartition(shape, rng: &rng)
            let groupCount = (groupOf.max() ?? 0) + 1
            let groups = (0..<groupCount).map { g in groupOf.indices.filter { groupOf[$0] == g } }
            let leader = (0..<2).map { _ in Int(rng.next() % UInt64(groupCount)) }
            scenario.rounds.append(.init(groups: groups, leaderGroups: leader))
        }
        return scenario
    }

    /// Every partition of the scenario's nodes into at most `maxGroups` groups (as
    /// the group of each node, groups numbered by first member) with a group that
    /// holds a quorum of distinct identities.
    func partitions(_ shape: TwinsScenario) -> [[Int]] {
        var all: [[Int]] = []
        var groupOf = [Int](repeating: 0, count: shape.nodeCount)
        // Restricted growth strings: node i joins a group already used or the next one.
        func extend(_ i: Int, used: Int) {
            if i == groupOf.count {
                if hasQuorum(groupOf, shape) { all.append(groupOf) }
                return
            }
            for g in 0..<min(used + 1, maxGroups) {
                groupOf[i] = g
                extend(i + 1, used: max(used, g + 1))
            }
        }
        extend(0, used: 0)
        return all
    }

    /// A random partition with a quorum group, for node sets too large to enumerate.
    func samplePartition(_ shape: TwinsScenario, rng: inout SimRandom) -> [Int] {
        for _ in 0..<1000 {
            let groups = 1 + Int(rng.next() % UInt64(maxGroups))
            var groupOf = (0..<shape.nodeCount).map { _ in Int(rng.next() % UInt64(groups)) }
            // Number groups by first member, as the enumeration does.
            var renumber: [Int: Int] = [:]
            for i in groupOf.indices {
                if renumber[groupOf[i]] == nil { renumber[groupOf[i]] = renumber.count }
                groupOf[i] = renumber[groupOf[i]]!
            }
            if hasQuorum(groupOf, shape) { return groupOf }
        }
        return [Int](repeating: 0, count: shape.nodeCount)
    }

    func hasQuorum(_ groupOf: [Int], _ shape: TwinsScenario) -> Bool {
        Self.hasQuorum(groupOf, identities: (0..<shape.nodeCount).map(shape.identity(of:)), quorum: config.quorum)
    }

    /// True if some group holds `quorum` distinct identities.
    static func hasQuorum(_ groupOf: [Int], identities: [ReplicaID], quorum: Int) -> Bool {
        var members: [Int: ReplicaSet] = [:]
        for (node, g) in groupOf.enumerated() { members[g, default: ReplicaSet()].insert(identities[node]) }
        return members.values.contains { $0.count >= quorum }
    }
}
