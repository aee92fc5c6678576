/// The payloads a replica is missing, each with the order in which peers are asked.
///
/// Guarantees: each round asks f+1 distinct replicas (all peers if there are fewer),
/// so at least one correct replica is asked; rounds rotate through every peer, the
/// given candidates first, and never ask this replica itself.
struct PayloadFetcher: Hashable, Sendable {
    let me: ReplicaID
    let replicas: [ReplicaID]
    let perRound: Int
    let retryNanos: UInt64
    /// Digests being fetched, with the replicas to ask next first.
    var pending: [Digest: [ReplicaID]] = [:]

    init(me: ReplicaID, config: ClusterConfiguration, retryNanos: UInt64) {
        self.me = me
        self.replicas = config.replicas
        self.perRound = config.f + 1
        self.retryNanos = retryNanos
    }

    var isEmpty: Bool { pending.isEmpty }
    /// The digests being fetched, in a fixed order (so retries are deterministic).
    var digests: [Digest] { pending.keys.sorted { $0.precedes($1) } }

    /// Starts fetching `digest`, asking `candidates` first and then every other
    /// replica; false if it is already being fetched.
    mutating func start(_ digest: Digest, askingFirst candidates: [ReplicaID]) -> Bool {
        guard pending[digest] == nil else { return false }
        var order = candidates.filter { $0 != me }
        for r in replicas where r != me && !order.contains(r) { order.append(r) }
        pending[digest] = order
        return true
    }

    /// The replicas to ask for `digest` now; they move to the back of its order.
    mutating func next(_ digest: Digest) -> [ReplicaID] {
        guard var order = pending[digest], !order.isEmpty else { return [] }
        let ask = Array(order.prefix(perRound))
        order.removeFirst(ask.count)
        order.append(contentsOf: ask)
        pending[digest] = order
        return ask
    }

    /// Stops fetching `digest`; true if it was being fetched.
    mutating func finish(_ digest: Digest) -> Bool { pending.removeValue(forKey: digest) != nil }

    /// Stops fetching every digest not in `wanted`.
    mutating func keep(only wanted: Set<Digest>) { pending = pending.filter { wanted.contains($0.key) } }

    /// Starts fetching `digest` unless already under way: asks the first round and
    /// arms the retry timer.
    mutating func fetch(_ digest: Digest, askingFirst candidates: [ReplicaID], into out: inout [InstanceEffect]) {
        guard start(digest, askingFirst: candidates) else { return }
        ask(digest, into: &out)
        out.append(.setTimer(.fetch, afterNanos: retryNanos))
    }

    /// The retry timer fired: asks the next round for every digest and re-arms it.
    mutating func retry(into out: inout [InstanceEffect]) {
        guard !isEmpty else { return }
        for d in digests { ask(d, into: &out) }
        out.append(.setTimer(.fetch, afterNanos: retryNanos))
    }

    mutating func ask(_ digest: Digest, into out: inout [InstanceEffect]) {
        for r in next(digest) { out.append(.send(.fetch(digest), to: r)) }
    }
}
