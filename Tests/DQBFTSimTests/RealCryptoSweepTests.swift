import DQBFTCore
import DQBFTCrypto
import Testing

@testable import DQBFTSim

/// Hybrid runs with real cryptography: BLS12-381 threshold shares and the software
/// ThreshSign subsystem instead of the modelled provider. Real pairings are slow,
/// so these are short runs: one clean, one with a replica sending invalid shares
/// (optimistic aggregation must fall back to per-share checks and carry on).
@Suite("Simulation with real crypto")
struct RealCryptoSweepTests {
    @Test("Linear Hybster and Destiny are safe and live with real threshold signatures",
          arguments: [("linearhybster", 1 as UInt64), ("destiny", 2)])
    func realCrypto(protocol name: String, seed: UInt64) throws {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 3
        o.clients = 12
        o.batchSize = 4
        o.topology = .azure10
        o.durationSeconds = 5
        o.warmupSeconds = 0
        o.seed = seed
        // Judge liveness from 2 s on (the default grace would leave no window in 5 s).
        o.liveness.graceSeconds = 2
        o.readRatio = 0.2
        o.deleteRatio = 0.05
        o.recordHistory = true
        var replay = "dqbft simulate --protocol \(name) --replicas 3 --clients 12 --batch 4 --topology azure10 --duration 5 --warmup 0 --seed \(seed) --costs nominal --real-crypto --liveness-grace 2 --read-ratio 0.2 --delete-ratio 0.05"
        if seed == 2 {
            o.faults.byzantine[ReplicaID(2)] = .badShares
            replay += " --byzantine 2:bad-shares"
        }
        let crypto = try SoftwareHybridCluster(replicas: 3, f: 1, seed: seed, kind: .threshSign)
        let simulation = try Simulation(options: o, realCrypto: crypto)
        let report = try simulation.run()
        #expect(report.safety == "ok", "safety violation \(report.safety_violations); replay: \(replay)")
        try SweepExpectation.expectLinearizable(simulation, seed: seed, replay: replay)
        #expect(report.liveness == "ok" && report.executed_ops > 0, "\(report.liveness); replay: \(replay)")
        #expect(report.client_replies_per_request == 1, "clients need one proven reply; replay: \(replay)")
    }
}
