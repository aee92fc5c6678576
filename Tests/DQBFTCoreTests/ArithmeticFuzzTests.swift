import Foundation
import Testing
@testable import DQBFTCore

/// No message sequence makes a core trap. A trap (overflow, out-of-range
/// conversion, force-unwrap) kills the test process, so each run prints its seed
/// first: the last line printed names the run that died. Replay one run with
/// `DQBFT_FUZZ_SEED=<seed> swift test --filter ArithmeticFuzzTests`; search longer
/// with `DQBFT_FUZZ_SEEDS=<count>`.
@Suite("Arithmetic fuzz", .serialized)
struct ArithmeticFuzzTests {
    /// Calm steps (the normal path), then mild (even seeds) or forging (odd) ones.
    static let calmSteps = 1_500
    static let steps = 4_000

    static var seeds: [UInt64] {
        let env = ProcessInfo.processInfo.environment
        if let s = env["DQBFT_FUZZ_SEED"].flatMap({ UInt64($0) }) { return [s] }
        return Array(1...(env["DQBFT_FUZZ_SEEDS"].flatMap { UInt64($0) } ?? 40))
    }

    @Test("random, mutated and forged message sequences never trap a replica",
          arguments: [(ProtocolKind.pbft, 4), (.dqpbft, 4), (.rcc, 4), (.pbft, 7),
                      (.hybster, 3), (.linearhybster, 3), (.dqhybster, 3), (.destiny, 3), (.destiny, 5),
                      (.hybster, 4), (.destiny, 4)])
    func noTrap(kind: ProtocolKind, replicas: Int) {
        var executed = 0
        for seed in Self.seeds {
            print("arithmetic fuzz: \(kind) N=\(replicas) seed=\(seed) (DQBFT_FUZZ_SEED=\(seed))")
            var cluster = FuzzCluster(kind: kind, replicas: replicas, seed: seed)
            for _ in 0..<Self.calmSteps { cluster.step() }
            cluster.phase = seed % 2 == 0 ? .mild : .forge
            for _ in 0..<Self.steps { cluster.step() }
            executed += cluster.executed
        }
        print("arithmetic fuzz: \(kind) N=\(replicas): \(executed) slots executed in \(Self.seeds.count) runs")
        // The fuzzer is no use if nothing ever executes: the normal path must run too.
        #expect(executed > 0, "\(kind) N=\(replicas): no slot executed in any run")
    }

    @Test("views and slots at the top of their range: successors saturate, spans never trap")
    func saturatingHelpers() {
        #expect(ViewNumber(.max).next == ViewNumber(.max))
        #expect(ViewNumber(41).next == ViewNumber(42))
        #expect(SequenceNumber(.max).adding(slots: 1) == SequenceNumber(.max))
        #expect(SequenceNumber(10).adding(slots: 5) == SequenceNumber(15))
        #expect(SequenceNumber(3).slots(after: SequenceNumber(10)) == 0)
        #expect(SequenceNumber(10).slots(after: SequenceNumber(3)) == 7)
        #expect(UInt64.max.saturatingMultiplied(by: 2) == .max)
        #expect(UInt64(3).multipliedIfExact(by: 5) == 15 && UInt64.max.multipliedIfExact(by: 2) == nil)
    }

    @Test("a client retransmitting 2^32 times, or a key longer than 65,535 bytes, traps nothing")
    func countsAndLengths() {
        let config = ClusterConfiguration(replicas: 3, faultModel: .hybrid)
        var certifier = ExecutionCertifier(me: ReplicaID(0), config: config,
                                           crypto: HybridCrypto(counter: FuzzCounter(me: ReplicaID(0)), scheme: FuzzScheme(threshold: 2),
                                                                execution: FuzzExecutionSigner(me: ReplicaID(0))))
        var out: [ReplicaEffect] = []
        let reply = ClientReply(client: ClientID(1), timestamp: 1, request: .zero, view: .zero, replica: ReplicaID(0), result: [0])
        certifier.executed(SequenceNumber(1), replies: [reply], collector: ReplicaID(1), into: &out)
        certifier.slots[SequenceNumber(1)]!.retransmissions = .max
        certifier.retransmission(of: ClientID(1), timestamp: 1, request: .zero, result: [0], view: .zero, into: &out)  // the count wraps to 0
        certifier.retransmission(of: ClientID(1), timestamp: 1, request: .zero, result: [0], view: .zero, into: &out)
        #expect(certifier.slots[SequenceNumber(1)]?.retransmissions == 1)

        let op = KeyValueOperation.put(key: Array(repeating: 7, count: 70_000), value: [1]).encode()
        var store = KeyValueStore()
        #expect(store.apply(op) == KeyValueResult.invalid)
    }

    /// A Byzantine replica (f ≥ 2) can show a PREPARE its primary certified near
    /// the last slot a trusted counter can count (2^39 − 1) above its own counter,
    /// where the completeness rule allows gaps. Before `HybridRules.maxClaimSpan`
    /// such a view change was valid, and every replica that checked a NEW-VIEW
    /// containing it built a decision of 2^39 slots (out of memory).
    @Test("a hybrid view change claiming a slot far beyond its checkpoint is refused")
    func farClaimRefused() throws {
        let config = ClusterConfiguration(replicas: 5, faultModel: .hybrid)
        let primaryOf = { (v: ViewNumber) in config.primary(of: v) }
        let far = SequenceNumber(CounterValue.maxSequence)
        let prepare = PrepareClaim(sequence: far, digest: Digest.of([1]),
                                   certificate: CounterCertificate(signer: ReplicaID(0),
                                                                   value: try #require(CounterValue(view: .zero, phase: .ordering, sequence: far)),
                                                                   previous: nil, proof: []))
        func viewChange(claiming claims: [PrepareClaim]) throws -> HybridViewChange {
            let evidence = HybridEvidence(counter: .zero, stableSequence: .zero, stableDigest: .zero, installed: nil, prepares: claims)
            let link = CounterCertificate(signer: ReplicaID(1),
                                          value: try #require(CounterValue(view: ViewNumber(1), phase: .viewChange, sequence: .zero)),
                                          previous: .zero, proof: [])
            return HybridViewChange(sender: ReplicaID(1), newView: ViewNumber(1), evidence: evidence, chain: [link], checkpointProof: [])
        }
        // The same view change with a claim inside the span is valid (the rules are otherwise met).
        var near = prepare
        near.sequence = SequenceNumber(HybridRules.maxClaimSpan)
        near.certificate.value = try #require(CounterValue(view: .zero, phase: .ordering, sequence: near.sequence))
        #expect(HybridRules.isValid(try viewChange(claiming: [near]), config: config, primaryOf: primaryOf))
        #expect(!HybridRules.isValid(try viewChange(claiming: [prepare]), config: config, primaryOf: primaryOf))
        // `decide` never builds more than the span, whatever it is given.
        let decision = HybridRules.decide([try viewChange(claiming: [prepare])], view: ViewNumber(1))
        #expect(UInt64(decision.proposals.count) <= HybridRules.maxClaimSpan)
    }
}
