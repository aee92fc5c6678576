import DQBFTCore
import Testing

@testable import DQBFTSim

/// Hybrid protocols with an even number of replicas (N = 2f+2): quorums are
/// ⌊N/2⌋+1 = f+2 there, not f+1, or two quorums on either side of a partition
/// share no replica and decide different batches for one slot. These are the
/// held-out runs that found it (a safety violation, and an arithmetic trap in
/// `canPropose` once a primary delivered past its next proposal), over more seeds.
@Suite("Even-N hybrid clusters")
struct EvenHybridClusterTests {
    static let cases: [(protocol: String, replicas: Int, partition: [[Int]])] = [
        ("dqhybster", 4, [[0, 2], [1, 3]]),
        ("dqhybster", 6, [[0, 1, 2], [3, 4, 5]]),
        ("destiny", 4, [[0, 2], [1, 3]]),
        ("destiny", 6, [[0, 1, 2], [3, 4, 5]]),
        ("linearhybster", 4, [[0, 1], [2, 3]]),
        ("hybster", 4, [[0, 1], [2, 3]]),
    ]

    @Test("a partition into two halves is safe, does not trap, and heals", arguments: 0..<cases.count)
    func halves(_ k: Int) throws {
        let c = Self.cases[k]
        for seed in [7 as UInt64, 1, 2, 3] {
            var o = SimulationOptions()
            o.protocolName = c.protocol
            o.replicas = c.replicas
            o.clients = 60
            o.batchSize = 10
            o.payloadBytes = 64
            o.durationSeconds = 15
            o.topology = .azure10
            o.seed = seed
            o.faults.events = [(SimTime(2e9), .partition(c.partition.map { $0.map { ReplicaID($0) } })), (SimTime(4e9), .heal)]
            let groups = c.partition.map { $0.map(String.init).joined(separator: "/") }.joined(separator: "|")
            let replay = "dqbft simulate --protocol \(c.protocol) --replicas \(c.replicas) --clients 60 --batch 10 --payload 64 "
                + "--duration 15 --topology azure10 --seed \(seed) --partition '2-4:\(groups)'"
            let report = try Simulation(options: o).run()
            #expect(report.f == (c.replicas - 1) / 2)
            #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
            #expect(report.liveness == "ok", "stalled; replay: \(replay)")
        }
    }
}
