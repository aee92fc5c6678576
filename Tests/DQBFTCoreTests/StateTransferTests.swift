import DequeModule
import Testing
@testable import DQBFTCore

/// State transfer of a restarted replica, driven by hand: four `Replica` values
/// exchange messages through a queue the test filters, so a lost reply can be
/// staged exactly.
@Suite("State transfer")
struct StateTransferTests {
    /// Delivers messages among replicas synchronously; timers are fired by the test.
    struct Bus {
        static let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
        static let parameters = ReplicaParameters(batchSize: 1, pbft: PBFTParameters(checkpointInterval: 4, windowSize: 16))

        let kind: ProtocolKind
        var replicas: [Replica]
        var queue = Deque<(from: Int, to: Int, message: WireMessage)>()
        /// Messages for which this returns true are dropped.
        var drops: (_ from: Int, _ to: Int, _ message: WireMessage) -> Bool = { _, _, _ in false }

        init(_ kind: ProtocolKind) {
            self.kind = kind
            replicas = (0..<4).map { Bus.fresh($0, kind) }
        }

        static func fresh(_ i: Int, _ kind: ProtocolKind) -> Replica {
            Replica(me: ReplicaID(UInt16(i)), config: config, parameters: parameters, protocol: kind,
                    signer: DigestSigner(me: ReplicaID(UInt16(i))))
        }

        mutating func post(_ effects: [ReplicaEffect], from i: Int) {
            for effect in effects {
                switch effect {
                case .send(let m, let to): queue.append((i, to.index, m))
                case .broadcast(let m): for j in 0..<4 where j != i { queue.append((i, j, m)) }
                default: break
                }
            }
        }

        mutating func run() {
            while let (from, to, m) = queue.popFirst() {
                guard !drops(from, to, m) else { continue }
                var out: [ReplicaEffect] = []
                replicas[to].handle(m, into: &out)
                post(out, from: to)
            }
        }

        mutating func submit(_ requests: Range<Int>) {
            for c in requests {
                var out: [ReplicaEffect] = []
                replicas[0].handle(.request(ClientRequest(client: ClientID(UInt64(c)), timestamp: 1, operation: [UInt8(c & 0xFF)])),
                                   into: &out)
                post(out, from: 0)
                run()
            }
        }

        mutating func fire(_ timer: ReplicaTimer, at i: Int) {
            var out: [ReplicaEffect] = []
            replicas[i].timerFired(timer, into: &out)
            post(out, from: i)
            run()
        }
    }

    static func isStateReply(_ m: WireMessage) -> Bool {
        if case .stateReply = m { return true } else { return false }
    }

    @Test("a replica whose snapshot is garbage-collected while it waits switches to the newest certified one",
          arguments: [ProtocolKind.pbft, .dqpbft])
    func awaitedSnapshotForgotten(_ kind: ProtocolKind) {
        var bus = Bus(kind)
        // Replica 3 is down while 20 slots execute.
        bus.drops = { from, to, _ in from == 3 || to == 3 }
        bus.submit(0..<20)
        #expect(bus.replicas[0].lastExecuted >= SequenceNumber(20))

        // It restarts with no memory; every state reply to it is lost while the
        // others run 20 more slots and keep only their last three checkpoints.
        bus.replicas[3] = Bus.fresh(3, kind)
        bus.drops = { _, to, m in to == 3 && StateTransferTests.isStateReply(m) }
        var out: [ReplicaEffect] = []
        bus.replicas[3].recover(into: &out)
        bus.post(out, from: 3)
        bus.run()
        bus.submit(20..<40)
        let awaited = bus.replicas[3].awaitingState?.sequence
        #expect(awaited != nil && awaited!.rawValue + 12 < bus.replicas[0].lastExecuted.rawValue, "the restarted replica waits for an old snapshot: \(String(describing: awaited))")
        #expect(bus.replicas[3].lastExecuted == .zero)

        // Replies get through again: on its next retry it must ask for a state peers still hold.
        bus.drops = { _, _, _ in false }
        for _ in 0..<4 { bus.fire(.stateTransfer, at: 3) }
        #expect(bus.replicas[3].awaitingState == nil)
        #expect(bus.replicas[3].lastExecuted == bus.replicas[0].lastExecuted)
        #expect(bus.replicas[3].stateDigest == bus.replicas[0].stateDigest)
    }

    static func isCheckpoint(_ m: WireMessage) -> Bool {
        if case .consensus(_, _, .checkpoint) = m { return true } else { return false }
    }

    @Test("a replica that cannot certify a newer checkpoint itself gets the certificate, with the state, from the peer it asks",
          arguments: [ProtocolKind.pbft, .dqpbft])
    func prunedSnapshotComesWithCertificate(_ kind: ProtocolKind) {
        var bus = Bus(kind)
        bus.drops = { from, to, _ in from == 3 || to == 3 }
        bus.submit(0..<20)

        // Replica 3 restarts and learns which snapshot to fetch, but no reply reaches
        // it; then, while 20 more slots execute, neither replies nor checkpoint votes
        // do (as when the f replicas it would need for a quorum of votes are faulty).
        bus.replicas[3] = Bus.fresh(3, kind)
        bus.drops = { _, to, m in to == 3 && StateTransferTests.isStateReply(m) }
        var out: [ReplicaEffect] = []
        bus.replicas[3].recover(into: &out)
        bus.post(out, from: 3)
        bus.run()
        let awaited = bus.replicas[3].awaitingState?.sequence
        bus.drops = { _, to, m in to == 3 && (StateTransferTests.isStateReply(m) || StateTransferTests.isCheckpoint(m)) }
        bus.submit(20..<40)
        #expect(awaited != nil && bus.replicas[3].awaitingState?.sequence == awaited,
                "replica 3 should still wait for the old snapshot: \(String(describing: bus.replicas[3].awaitingState))")
        #expect(bus.replicas[3].composition.stableState.sequence <= awaited ?? .zero)

        // Every peer has pruned that snapshot: the one asked next must send the
        // certificate of its stable checkpoint and the state there.
        bus.drops = { _, _, _ in false }
        for _ in 0..<3 { bus.fire(.stateTransfer, at: 3) }
        #expect(bus.replicas[3].awaitingState == nil, "still waiting: \(String(describing: bus.replicas[3].awaitingState))")
        #expect(bus.replicas[3].lastExecuted == bus.replicas[0].lastExecuted)
        #expect(bus.replicas[3].stateDigest == bus.replicas[0].stateDigest)
    }
}
