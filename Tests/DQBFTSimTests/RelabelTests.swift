import DQBFTCore
import DQBFTCrypto
import Testing

@testable import DQBFTSim

/// "view change: a Byzantine replica relabels a correct replica's VIEW-CHANGE as
/// its own, N=3 f=1". Replica 2 relabels; replica 1 is cut off while slots commit
/// with replicas 0 and 2; then replica 0 is cut off and replica 1, the primary of
/// view 1, gathers a quorum of view changes: its own and its own relabelled. If a
/// continuing certificate did not name its signer, that quorum would hide every
/// slot replica 0 executed and view 1 would order different batches there.
@Suite("Relabelled certificates")
struct RelabelTests {
    static func scenario(_ name: String, seed: UInt64) -> (SimulationOptions, String) {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 3
        o.clients = 12
        o.batchSize = 4
        o.durationSeconds = 8
        o.warmupSeconds = 0
        o.seed = seed
        o.faults.byzantine[ReplicaID(2)] = .relabel
        o.faults.events = [
            (SimTime(1e9), .partition([[ReplicaID(0), ReplicaID(2)], [ReplicaID(1)]])),
            (SimTime(1.5e9), .partition([[ReplicaID(0)], [ReplicaID(1), ReplicaID(2)]])),
            (SimTime(6e9), .heal),
        ]
        let replay = "dqbft simulate --protocol \(name) --replicas 3 --clients 12 --batch 4 --duration 8 --warmup 0 "
            + "--seed \(seed) --byzantine 2:relabel --partition '1-1.5:0/2|1,1.5-6:0|1/2'"
        return (o, replay)
    }

    @Test("Real ThreshSign certificates name their signer: relabelling cannot hide a committed slot",
          arguments: [("linearhybster", 1 as UInt64), ("destiny", 3)])
    func realThreshSign(protocol name: String, seed: UInt64) throws {
        let (o, replay) = Self.scenario(name, seed: seed)
        let crypto = try SoftwareHybridCluster(replicas: 3, f: 1, seed: seed, kind: .threshSign)
        let report = try Simulation(options: o, realCrypto: crypto).run()
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay) --real-crypto")
        #expect(report.executed_ops > 0, "nothing executed; replay: \(replay) --real-crypto")
    }

    @Test("Real TrInX certificates name their signer (Hybster)", arguments: [4 as UInt64])
    func realTrInX(seed: UInt64) throws {
        let (o, replay) = Self.scenario("hybster", seed: seed)
        let crypto = try SoftwareHybridCluster(replicas: 3, f: 1, seed: seed, kind: .trinx)
        let report = try Simulation(options: o, realCrypto: crypto).run()
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay) --real-crypto")
    }

    @Test("Modelled certificates reject relabelled messages too",
          arguments: ["hybster", "linearhybster", "dqhybster", "destiny"])
    func modelled(protocol name: String) throws {
        for seed in UInt64(1)...5 {
            let (o, replay) = Self.scenario(name, seed: seed)
            let report = try Simulation(options: o).run()
            #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
        }
    }
}
