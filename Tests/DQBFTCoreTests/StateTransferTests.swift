import DequeModule
import Foundation
import Testing
@testable import DQBFTCore

/// State transfer of a restarted replica, driven by hand: four `Replica` values
/// exchange messages through a queue the test filters, so a lost reply can be
/// staged exactly.
@Suite("State transfer")
struct StateTransferTests {
    /// Delivers messages among replicas synchronously; timers are fired by the test.
    struct Bus {
        /// Honours `DQBFT_MUTANT` (`Scripts/mutants.sh`), as the simulator does.
        static let config = {
            var c = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
            c.mutant = ProcessInfo.processInfo.environment["DQBFT_MUTANT"].flatMap(Mutant.init(rawValue:))
            return c
        }()
        static let parameters = ReplicaParameters(batchSize: 1, pbft: PBFTParameters(checkpointInterval: 4, windowSize: 16))

        let kind: ProtocolKind
        var replicas: [Replica]
        var queue = Deque<(from: Int, to: Int, message: WireMessage)>()
        /// Messages for which this returns true are dropped.
        var drops: (_ from: Int, _ to: Int, _ message: WireMessage) -> Bool = { _, _, _ in false }
        /// What is delivered instead of a message that was not dropped (nil: nothing).
        var tamper: (_ from: Int, _ to: Int, _ message: WireMessage) -> WireMessage? = { _, _, m in m }
        /// State-transfer messages delivered, in order.
        var delivered: [(from: Int, to: Int, message: WireMessage)] = []
        /// Every reply any replica sent, with the replica.
        var replies: [(replica: Int, reply: ClientReply)] = []

        init(_ kind: ProtocolKind, parameters: ReplicaParameters = Bus.parameters) {
            self.kind = kind
            replicas = (0..<4).map { Bus.fresh($0, kind, parameters: parameters) }
        }

        static func fresh(_ i: Int, _ kind: ProtocolKind, parameters: ReplicaParameters = Bus.parameters) -> Replica {
            Replica(me: ReplicaID(UInt16(i)), config: config, parameters: parameters, protocol: kind,
                    signer: DigestSigner(me: ReplicaID(UInt16(i))))
        }

        mutating func post(_ effects: [ReplicaEffect], from i: Int) {
            for effect in effects {
                switch effect {
                case .send(let m, let to): queue.append((i, to.index, m))
                case .broadcast(let m): for j in 0..<4 where j != i { queue.append((i, j, m)) }
                case .reply(let r): replies.append((i, r))
                default: break
                }
            }
        }

        mutating func run() {
            while let (from, to, original) = queue.popFirst() {
                guard !drops(from, to, original), let m = tamper(from, to, original) else { continue }
                switch m {
                case .stateRequest, .stateChunk: delivered.append((from, to, m))
                default: break
                }
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

        /// Replica `i` starts (`recover`) and the messages it sends are delivered.
        mutating func recover(_ i: Int) {
            var out: [ReplicaEffect] = []
            replicas[i].recover(into: &out)
            post(out, from: i)
            run()
        }

        mutating func fire(_ timer: ReplicaTimer, at i: Int) {
            var out: [ReplicaEffect] = []
            replicas[i].timerFired(timer, into: &out)
            post(out, from: i)
            run()
        }
    }

    static func isStateChunk(_ m: WireMessage) -> Bool {
        if case .stateChunk = m { return true } else { return false }
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
        bus.drops = { _, to, m in to == 3 && StateTransferTests.isStateChunk(m) }
        bus.recover(3)
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
        bus.drops = { _, to, m in to == 3 && StateTransferTests.isStateChunk(m) }
        bus.recover(3)
        let awaited = bus.replicas[3].awaitingState?.sequence
        bus.drops = { _, to, m in to == 3 && (StateTransferTests.isStateChunk(m) || StateTransferTests.isCheckpoint(m)) }
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

    /// Small chunks, so that the state of a few dozen clients spans many of them.
    static let chunked = ReplicaParameters(batchSize: 1, stateChunkBytes: 32, stateChunksInFlight: 2,
                                           pbft: PBFTParameters(checkpointInterval: 4, windowSize: 16))

    static func chunk(_ m: WireMessage) -> StateChunk? {
        if case .stateChunk(_, let c) = m { return c } else { return nil }
    }

    static func request(_ m: WireMessage) -> StateRequest? {
        if case .stateRequest(_, let r) = m { return r } else { return nil }
    }

    /// Flips one byte of a chunk's bytes.
    static func corrupt(_ c: StateChunk, from: ReplicaID) -> WireMessage {
        var c = c
        c.bytes[c.bytes.count / 2] ^= 0x5A
        return .stateChunk(from: from, c)
    }

    /// Counters the message filters of one test share.
    final class Script: @unchecked Sendable {
        var servedBy1 = 0
        var corrupted = false
        var othersSilent = true
    }

    /// Forty requests executed while replica 3 was cut off, then replica 3 restarted
    /// empty (amnesiac) with the links healed: its state must come by chunked transfer.
    static func restartedBehind(_ kind: ProtocolKind) -> Bus {
        var bus = Bus(kind, parameters: Self.chunked)
        bus.drops = { from, to, _ in from == 3 || to == 3 }
        bus.submit(0..<40)
        bus.replicas[3] = Bus.fresh(3, kind, parameters: Self.chunked)
        bus.drops = { _, _, _ in false }
        return bus
    }

    @Test("a state of many chunks arrives although its first source falls silent mid-way and the next one sends a bad chunk",
          arguments: [ProtocolKind.pbft, .dqpbft])
    func chunksResumeAcrossSources(_ kind: ProtocolKind) throws {
        // Replica 3 restarts. Its first source (1) serves three chunks, then falls
        // silent; the next (2) serves the rest but lies in its first chunk.
        var bus = Self.restartedBehind(kind)
        let script = Script()
        bus.tamper = { from, to, m in
            guard to == 3, let c = StateTransferTests.chunk(m) else { return m }
            if from == 1 {
                script.servedBy1 += 1
                return script.servedBy1 <= 3 ? m : nil
            }
            if from == 2, !script.corrupted {
                script.corrupted = true
                return StateTransferTests.corrupt(c, from: ReplicaID(2))
            }
            return m
        }
        bus.recover(3)
        let awaited = try #require(bus.replicas[3].awaitingState?.sequence)
        let assembly = try #require(bus.replicas[3].assembly)
        #expect(assembly.chunks.count == 3 && (assembly.chunkCount ?? 0) > 8, "3 of many chunks: \(assembly.chunks.count) of \(String(describing: assembly.chunkCount))")

        bus.fire(.stateTransfer, at: 3)
        #expect(bus.replicas[3].awaitingState == nil, "still waiting for \(awaited)")
        #expect(bus.replicas[3].lastExecuted == bus.replicas[0].lastExecuted)
        #expect(bus.replicas[3].stateDigest == bus.replicas[0].stateDigest)

        // Resumed: source 2 was asked only for the chunks source 1 had not sent,
        // each once; after the bad assembly the lying source was not asked again.
        let state = bus.delivered.filter { $0.to == 3 || $0.from == 3 }
        let fromOne = Set(state.filter { $0.from == 1 && $0.to == 3 }.compactMap { Self.chunk($0.message)?.offset })
        let askedOfTwo = state.filter { $0.from == 3 && $0.to == 2 }.compactMap { Self.request($0.message) }
            .filter { $0.sequence == awaited }.map(\.offset)
        #expect(fromOne.count == 3)
        #expect(!askedOfTwo.isEmpty && Set(askedOfTwo).isDisjoint(with: fromOne), "asked again: \(askedOfTwo) after \(fromOne)")
        #expect(Set(askedOfTwo).count == askedOfTwo.count, "a chunk asked twice of source 2: \(askedOfTwo)")
        let firstFromZero = try #require(state.firstIndex { $0.from == 0 && Self.chunk($0.message) != nil })
        #expect(!state[firstFromZero...].contains { $0.from == 3 && $0.to == 2 && Self.request($0.message) != nil },
                "a source of the failed assembly was asked again before the untried one finished")
    }

    @Test("a source that served a whole bad state alone is not asked again for it", arguments: [ProtocolKind.pbft, .dqpbft])
    func lyingSourceIsSkipped(_ kind: ProtocolKind) throws {
        // Replica 3's first source (1) lies in one chunk of every state it sends;
        // the others are silent until replica 3 has tried each of them once.
        var bus = Self.restartedBehind(kind)
        let script = Script()
        bus.tamper = { from, to, m in
            guard to == 3, let c = StateTransferTests.chunk(m) else { return m }
            if from == 1 { return c.offset == 32 ? StateTransferTests.corrupt(c, from: ReplicaID(1)) : m }
            return script.othersSilent ? nil : m
        }
        bus.recover(3)
        let awaited = try #require(bus.replicas[3].awaitingState?.sequence)
        #expect(bus.replicas[3].assembly?.failures == 1)
        let failedAt = bus.delivered.count
        bus.fire(.stateTransfer, at: 3)  // the second source was silent; the third is asked
        script.othersSilent = false
        bus.fire(.stateTransfer, at: 3)  // the third was silent: the second again, not the liar
        #expect(bus.replicas[3].awaitingState == nil, "still waiting for \(awaited)")
        #expect(bus.replicas[3].stateDigest == bus.replicas[0].stateDigest)
        let askedOfLiar = bus.delivered[failedAt...].filter { $0.from == 3 && $0.to == 1 && Self.request($0.message) != nil }
        #expect(askedOfLiar.isEmpty, "the liar was asked again: \(askedOfLiar.count) requests")
    }
}
