import DQBFTCore
import Testing

@testable import DQBFTCrypto

private struct NoSignatures: ReplicaSigner, SignatureVerifier {
    var me: ReplicaID = ReplicaID(0)
    func sign(_ message: [UInt8]) -> [UInt8] { [] }
    func verify(_ signature: [UInt8], of message: [UInt8], by signer: ReplicaID) -> Bool { false }
    var signatureSize: Int { 0 }
}

/// Three Linear Hybster instances over real ThreshSign crypto on a FIFO network;
/// every message passes the receiver's `MessageVerifier` before its core sees it.
private struct RealCluster {
    var nodes: [HybridInstance]
    var verifiers: [MessageVerifier]
    var queue: [(from: ReplicaID, to: ReplicaID, message: ConsensusMessage)] = []
    var delivered: [[Payload]]
    var down = Set<Int>()
    /// Rewrites a message in flight; nil drops it.
    var filter: (ReplicaID, ReplicaID, ConsensusMessage) -> ConsensusMessage? = { _, _, m in m }
    /// Messages a receiver's verifier refused.
    var refused: [(to: ReplicaID, message: ConsensusMessage)] = []

    init(seed: UInt64) throws {
        let config = ClusterConfiguration(replicas: 3, faultModel: .hybrid)
        let cryptos = try HybridCryptoCluster.make(replicas: 3, f: 1, seed: seed, kind: .threshSign)
        nodes = (0..<3).map { i in
            HybridInstance(id: .main, config: config, me: ReplicaID(i),
                           parameters: HybridParameters(base: PBFTParameters(checkpointInterval: 8, windowSize: 64), pattern: .collector),
                           genesisDigest: .zero, signer: NoSignatures(me: ReplicaID(i)), crypto: cryptos[i])
        }
        verifiers = cryptos.map { MessageVerifier(config: config, signatures: NoSignatures(), certificates: $0.scheme) }
        delivered = Array(repeating: [], count: 3)
    }

    mutating func apply(_ i: Int, _ effects: [InstanceEffect]) {
        for e in effects {
            switch e {
            case .broadcast(let m): for j in nodes.indices where j != i { queue.append((ReplicaID(i), ReplicaID(j), m)) }
            case .send(let m, let to): queue.append((ReplicaID(i), to, m))
            case .committed(_, let p): delivered[i].append(p)
            default: break
            }
        }
    }

    mutating func step(_ i: Int, _ body: (inout HybridInstance, inout [InstanceEffect]) -> Void) {
        var out: [InstanceEffect] = []
        body(&nodes[i], &out)
        apply(i, out)
    }

    mutating func run() {
        while !queue.isEmpty {
            let (from, to, original) = queue.removeFirst()
            guard !down.contains(to.index), !down.contains(from.index), let m = filter(from, to, original) else { continue }
            guard verifiers[to.index].verify(.consensus(from: from, instance: .main, m), channelPeer: from) else {
                refused.append((to, m))
                continue
            }
            step(to.index) { node, out in node.receive(m, from: from, into: &out) }
        }
    }
}

private func payload(_ k: Int) -> Payload {
    .requests(Batch(requests: [ClientRequest(client: ClientID(UInt64(k)), timestamp: 1, operation: [UInt8(k)])]))
}

/// "view change: a Byzantine primary relabels a correct replica's VIEW-CHANGE as
/// its own, N=3 f=1", with real BLS12-381 ThreshSign certificates.
///
/// R0 (Byzantine, the primary of view 0) gets slots 1 and 2 committed with R1 and
/// withholds slot 1's PREPARE and the commit certificates from R2. R1 is then cut
/// off; R2, the primary of view 2, asks for view 2 and R0 sends R2's own VIEW-CHANGE
/// back as R0's. Had the continuing certificates not named their signer, those two
/// would be a quorum of view changes, and view 2 would fill slot 1, which R1
/// delivered, with a no-op.
@Suite("Relabelled view change (real crypto)")
struct RelabelledViewChangeTests {
    @Test("a relabelled VIEW-CHANGE fails verification, so no quorum hides a committed slot")
    func relabelledViewChange() throws {
        var c = try RealCluster(seed: 5)
        c.filter = { from, to, m in
            guard from == ReplicaID(0), to == ReplicaID(2) else { return m }
            switch m {
            case .hybrid(.prepare(let p)) where p.sequence == SequenceNumber(1): return nil
            case .hybrid(.commitProof): return nil
            default: return m
            }
        }
        c.step(0) { node, out in node.propose(payload(1), into: &out) }
        c.step(0) { node, out in node.propose(payload(2), into: &out) }
        c.run()
        #expect(c.delivered[1] == [payload(1), payload(2)], "R1 delivers both slots")
        #expect(c.delivered[2].isEmpty, "R2 missed slot 1")

        c.down.insert(1)
        // From now on R0 only votes (NEW-VIEW acknowledgements) and passes off R2's
        // VIEW-CHANGE as its own; it sends no view change and no evidence of its own.
        c.filter = { from, _, m in
            if from == ReplicaID(0), case .hybrid(.newViewAck) = m { return m }
            return from == ReplicaID(0) ? nil : m
        }
        c.step(2) { node, out in node.requestView(ViewNumber(2), into: &out) }
        let own = c.queue.compactMap { q -> HybridViewChange? in
            if q.from == ReplicaID(2), case .hybrid(.viewChange(let vc)) = q.message { return vc }
            return nil
        }.first
        var vc = try #require(own, "R2 sent a VIEW-CHANGE")
        vc.sender = ReplicaID(0)
        for k in vc.chain.indices { vc.chain[k].signer = ReplicaID(0) }
        let relabelled = ConsensusMessage.hybrid(.viewChange(vc))
        c.queue.append((ReplicaID(0), ReplicaID(2), relabelled))
        c.filter = { from, _, m in
            if from == ReplicaID(0), m == relabelled { return m }
            if from == ReplicaID(0), case .hybrid(.newViewAck) = m { return m }
            return from == ReplicaID(0) ? nil : m
        }
        c.run()

        #expect(c.refused.contains { $0.to == ReplicaID(2) && $0.message == relabelled },
                "R2's verifier must refuse its own VIEW-CHANGE relabelled as R0's")
        // Correct replicas R1 and R2 never disagree on a slot.
        for (a, b) in zip(c.delivered[1], c.delivered[2]) { #expect(a == b, "R1 delivered \(a), R2 \(b) at the same slot") }
    }
}
