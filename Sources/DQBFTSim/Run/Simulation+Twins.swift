import DQBFTCore

/// What the simulator keeps while it runs a Twins scenario.
///
/// Guarantees: `applied` holds one entry per round begun, in order, naming the
/// primary the round found and the partition it used.
struct TwinsState {
    let scenario: TwinsScenario
    /// The nodes of every identity: the replica's own, then its twin's (if any).
    let nodesOf: [[Int]]
    /// Per round begun: the primary it found and the group of every replica node.
    var applied: [(primary: ReplicaID, groupOf: [Int])] = []
    /// The last packet a twin sent and its copy under the shared identity (a
    /// broadcast hands the same packet to every recipient).
    var relabelled: (original: Packet, copy: Packet)?
}

/// Twins in the simulator. A twin is an extra replica node (numbered after the N
/// replicas, before the client machines) whose core has its original's identity,
/// signer and — unless the scenario says otherwise — trusted subsystem. A message
/// to a replica goes to each of its nodes the current partition lets hear the
/// sender; what a twin sends carries the shared identity; each client talks to one
/// of a twinned replica's nodes (by the parity of its id); twins never hear each
/// other (a replica does not send to itself). Twinned identities count as faulty.
extension Simulation {
    /// The identity of every replica node: the N replicas, then one twin per
    /// twinned identity.
    static func nodeIdentities(_ options: SimulationOptions) -> [ReplicaID] {
        (0..<options.replicas).map { ReplicaID($0) } + (options.twins?.twinned ?? [])
    }

    /// Installs the scenario and schedules the start of every round, and the heal.
    func startTwins(_ scenario: TwinsScenario) {
        var nodesOf = (0..<n).map { [$0] }
        for node in n..<machineBase { nodesOf[identities[node].index].append(node) }
        twins = TwinsState(scenario: scenario, nodesOf: nodesOf)
        for k in 0...scenario.rounds.count {
            queue.schedule(at: SimTime(k) * scenario.roundNanos, .round(index: Int32(k)))
        }
    }

    /// Round `k` begins: the nodes of the current primary move to the groups the
    /// round places them in (unless that leaves no group with a quorum), and the
    /// partition takes effect. After the last round every node hears every other.
    func beginTwinsRound(_ k: Int) {
        guard let state = twins else { return }
        let rounds = state.scenario.rounds
        guard k < rounds.count else {
            partition = nil
            return
        }
        var groupOf = [Int](repeating: 0, count: machineBase)
        for (g, members) in rounds[k].groups.enumerated() { for node in members { groupOf[node] = g } }
        let primary = currentPrimary()
        var placed = groupOf
        for (index, node) in state.nodesOf[primary.index].enumerated() { placed[node] = rounds[k].leaderGroups[min(index, 1)] }
        if TwinsGenerator.hasQuorum(placed, identities: identities, quorum: config.quorum) { groupOf = placed }
        partition = groupOf
        twins!.applied.append((primary, groupOf))
    }

    /// The primary of the view most correct replicas are in (the higher view on a
    /// tie): the ordering instance's view for single-primary and DQ protocols, for
    /// RCC the view of each replica's own instance.
    func currentPrimary() -> ReplicaID {
        var replicasIn: [ViewNumber: Int] = [:]
        for i in 0..<n where alive[i] && !safety.faulty.contains(ReplicaID(i)) {
            replicasIn[replicas[i].composition.orderingView, default: 0] += 1
        }
        let view = replicasIn.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key ?? ViewNumber(0)
        return config.primary(of: view)
    }

    /// `transmit` when twins run: `j` is a replica identity (or a client machine's
    /// node); the packet goes to every node of `j` that may hear node `i`.
    func transmitWithTwins(_ packet: Packet, from i: Int, to j: Int, at t: SimTime, holdNanos: SimTime) {
        if i >= machineBase {
            // Client requests (clients are never partitioned): each client's to one node of `j`.
            let nodes = twins!.nodesOf[j]
            guard nodes.count > 1 else { link(packet, from: i, to: j, at: t, holdNanos: holdNanos); return }
            var split = [[ClientRequest]](repeating: [], count: nodes.count)
            for r in packet.requests { split[Int(r.client.rawValue % UInt64(nodes.count))].append(r) }
            for (k, requests) in split.enumerated() where !requests.isEmpty {
                let part = requests.count == packet.requests.count
                    ? packet : Packet(from: packet.from, requests: requests, size: requests.reduce(frameOverhead) { $0 + 2 + $1.encodedSize })
                link(part, from: i, to: nodes[k], at: t, holdNanos: holdNanos)
            }
            return
        }
        let sent = i < n ? packet : relabel(packet, from: i)
        guard j < machineBase else { link(sent, from: i, to: j, at: t, holdNanos: holdNanos); return }
        let sender = identities[i]
        for node in twins!.nodesOf[j] where identities[node] != sender {
            if let groups = partition, groups[i] != groups[node] { continue }
            link(sent, from: i, to: node, at: t, holdNanos: holdNanos)
        }
    }

    /// The packet twin node `i` sends, as it travels: from the identity it shares.
    func relabel(_ packet: Packet, from i: Int) -> Packet {
        if let r = twins!.relabelled, r.original === packet { return r.copy }
        let from = Int32(identities[i].index)
        let copy = packet.message.map { Packet(from: from, message: $0, size: packet.size) }
            ?? Packet(from: from, replies: packet.replies, size: packet.size)
        twins!.relabelled = (packet, copy)
        return copy
    }

    /// Certifications the trusted subsystems of twinned identities refused (each
    /// subsystem counted once, whether the twins share it or not).
    var twinRefusals: Int {
        guard hybridKind != nil, let twinned = twins?.scenario.twinned else { return 0 }
        var seen = Set<ObjectIdentifier>()
        var refused = 0
        for node in 0..<machineBase where twinned.contains(identities[node]) {
            guard let certifier = hybridCryptos[node]?.counter as? ModelCounterCertifier else { continue }
            if seen.insert(ObjectIdentifier(certifier)).inserted { refused += certifier.refused }
        }
        return refused
    }
}
