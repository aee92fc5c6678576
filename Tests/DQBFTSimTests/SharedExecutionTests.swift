@testable import DQBFTCore
import Testing

@testable import DQBFTSim

/// Replicas that adopt another replica's execution (`SharedExecution`) must end up
/// exactly where executing themselves would have led: the whole report, to the
/// byte, is the same with sharing on and off — through faults, state transfer,
/// restarts and Byzantine replicas.
@Suite("Shared execution")
struct SharedExecutionTests {
    static let early: SimTime = 500_000_000, late: SimTime = 1_200_000_000

    /// (name, CLI flags to replay it, options).
    static let scenarios: [(String, String, @Sendable (inout SimulationOptions) -> Void)] = [
        ("pbft, primary paused", "--protocol pbft --replicas 4 --pause 0@0.5-1.2", { o in
            o.protocolName = "pbft"
            o.faults.events = [(early, .crash(ReplicaID(0))), (late, .resume(ReplicaID(0)))]
        }),
        ("pbft, primary crash and restart", "--protocol pbft --replicas 4 --crash 0@0.5 --restart 0@1.2", { o in
            o.protocolName = "pbft"
            o.faults.events = [(early, .crash(ReplicaID(0))), (late, .restart(ReplicaID(0)))]
        }),
        ("dqpbft, partitioned replica catches up by state transfer",
         "--protocol dqpbft --replicas 4 --checkpoint-interval 8 --partition '0.5-1.2:3|0/1/2'", { o in
            o.protocolName = "dqpbft"
            o.checkpointInterval = 8
            o.windowSize = 32
            o.faults.events = [(early, .partition([[ReplicaID(3)], [ReplicaID(0), ReplicaID(1), ReplicaID(2)]])),
                               (late, .heal)]
        }),
        ("dqpbft, a coordinator restarts", "--protocol dqpbft --replicas 4 --checkpoint-interval 8 --crash 2@0.5 --restart 2@1.2", { o in
            o.protocolName = "dqpbft"
            o.checkpointInterval = 8
            o.windowSize = 32
            o.faults.events = [(early, .crash(ReplicaID(2))), (late, .restart(ReplicaID(2)))]
        }),
        ("dqpbft, Byzantine coordinators", "--protocol dqpbft --replicas 7 --byzantine 1:withhold,3:collude=0", { o in
            o.protocolName = "dqpbft"
            o.replicas = 7
            o.faults.byzantine = [ReplicaID(1): .withhold, ReplicaID(3): .collude(partner: ReplicaID(0))]
        }),
        ("rcc, a crashed primary", "--protocol rcc --replicas 4 --crash 1@0.5", { o in
            o.protocolName = "rcc"
            o.faults.events = [(early, .crash(ReplicaID(1)))]
        }),
        ("destiny, the O-primary restarts with a rolled-back counter",
         "--protocol destiny --replicas 5 --checkpoint-interval 8 --crash 0@0.5 --restart-rolled-back 0@1.2", { o in
            o.protocolName = "destiny"
            o.replicas = 5
            o.checkpointInterval = 8
            o.windowSize = 32
            o.faults.events = [(early, .crash(ReplicaID(0))), (late, .restartRolledBack(ReplicaID(0)))]
        }),
    ]

    @Test("the report is the same with and without shared execution", arguments: 0..<scenarios.count)
    func sameReport(scenario: Int) throws {
        let (name, flags, edit) = Self.scenarios[scenario]
        for seed: UInt64 in 1...2 {
            var o = SimulationOptions()
            o.durationSeconds = 2.5
            o.clients = 64
            o.batchSize = 16
            o.seed = seed
            edit(&o)
            o.sharedExecution = true
            let shared = try Simulation(options: o)
            var a = try shared.run()
            o.sharedExecution = false
            var b = try Simulation(options: o).run()
            a.wall_s = 0
            b.wall_s = 0
            let replay = "dqbft simulate \(flags) --duration 2.5 --clients 64 --batch 16 --seed \(seed) [--no-shared-execution]"
            #expect(a.json() == b.json(), "\(name), seed \(seed): reports differ; replay: \(replay)")
            #expect(a.safety == "ok", "\(name), seed \(seed): \(a.safety); replay: \(replay)")
            // Sharing must actually happen, or this test would compare a run with itself.
            let memo = try #require(shared.executionMemo)
            #expect(memo.adopted > memo.executions / 2, "\(name), seed \(seed): adopted \(memo.adopted) of \(memo.executions)")
        }
    }
}

/// The memo's own bookkeeping: lineages, checkpoint re-merging, bounds.
@Suite("Execution memo")
struct SharedExecutionMemoTests {
    func digest(_ i: Int) -> Digest { Digest.of([UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8)]) }

    @Test("an outcome is found only from the same lineage, slot and batches")
    func lookup() {
        let memo = SharedExecution(capacity: 4)
        let app = KeyValueStore(), clients = ClientTable(capacity: 10)
        let o = memo.record(from: 0, sequence: SequenceNumber(1), digest: digest(1), app: app, clients: clients,
                            results: [ExecutedRequest(index: 0, request: digest(9), result: [7])], stateDigest: nil)
        #expect(o.lineage != 0)
        #expect(memo.outcome(from: 0, sequence: SequenceNumber(1), digest: digest(1))?.lineage == o.lineage)
        #expect(memo.outcome(from: 0, sequence: SequenceNumber(1), digest: digest(2)) == nil)
        #expect(memo.outcome(from: o.lineage, sequence: SequenceNumber(1), digest: digest(1)) == nil)
        #expect(memo.outcome(from: 0, sequence: SequenceNumber(2), digest: digest(1)) == nil)
    }

    @Test("two lineages that reach the same checkpoint state merge")
    func checkpointMerge() {
        let memo = SharedExecution(capacity: 4)
        let app = KeyValueStore(), clients = ClientTable(capacity: 10)
        let state = digest(99)
        let a = memo.record(from: 5, sequence: SequenceNumber(8), digest: digest(1), app: app, clients: clients,
                            results: [], stateDigest: state)
        let b = memo.record(from: 6, sequence: SequenceNumber(8), digest: digest(1), app: app, clients: clients,
                            results: [], stateDigest: state)
        let c = memo.record(from: 7, sequence: SequenceNumber(8), digest: digest(1), app: app, clients: clients,
                            results: [], stateDigest: digest(98))
        #expect(a.lineage == b.lineage)
        #expect(c.lineage != a.lineage)
        #expect(memo.installed(sequence: SequenceNumber(8), stateDigest: state, app: app, clients: clients).lineage == a.lineage)
    }

    @Test("at most twice the capacity of outcomes is kept, oldest dropped first")
    func bounded() {
        let memo = SharedExecution(capacity: 4)
        let app = KeyValueStore(), clients = ClientTable(capacity: 10)
        var lineage: UInt64 = 0
        for s in 1...9 {
            lineage = memo.record(from: lineage, sequence: SequenceNumber(UInt64(s)), digest: digest(s), app: app,
                                  clients: clients, results: [], stateDigest: nil).lineage
        }
        // Nine recorded with capacity 4: the first four were dropped at the ninth.
        #expect(memo.outcome(from: 0, sequence: SequenceNumber(1), digest: digest(1)) == nil)
        #expect(memo.outcome(from: lineage - 1, sequence: SequenceNumber(9), digest: digest(9))?.lineage == lineage)
    }
}
