import DQBFTCore
import DQBFTCrypto
import Testing

@testable import DQBFTSim

/// With `--real-crypto`, the Byzantine behaviours that try to beat the trusted
/// subsystem act on the real (software) subsystem, not on a stand-in: an
/// equivocating primary asks it to certify a second message for a counter value,
/// and a replica restarted from a rolled-back sealed state gets a subsystem that
/// detected the rollback and certifies nothing.
@Suite("Real trusted subsystem under Byzantine faults")
struct RealCryptoFaultTests {
    static func options(_ name: String, seed: UInt64) -> SimulationOptions {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 3
        o.clients = 12
        o.batchSize = 4
        o.durationSeconds = 4
        o.warmupSeconds = 0
        o.seed = seed
        return o
    }

    @Test("an equivocating primary is refused by its real trusted counter", arguments: ["linearhybster", "hybster"])
    func equivocation(protocol name: String) throws {
        var o = Self.options(name, seed: 3)
        o.faults.byzantine[ReplicaID(0)] = .equivocate
        let replay = "dqbft simulate --protocol \(name) --replicas 3 --clients 12 --batch 4 --duration 4 --warmup 0 --seed 3 "
            + "--byzantine 0:equivocate --real-crypto"
        let crypto = try SoftwareHybridCluster(replicas: 3, f: 1, seed: 3, kind: name == "hybster" ? .trinx : .threshSign)
        let simulation = try Simulation(options: o, realCrypto: crypto)
        let report = try simulation.run()
        #expect(simulation.equivocationsRefused > 0, "the real counter was never asked; replay: \(replay)")
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
        #expect(report.executed_ops > 0, "replay: \(replay)")
    }

    @Test("a replica restarted from a rolled-back sealed state is refused by its real subsystem")
    func rollback() throws {
        var o = Self.options("destiny", seed: 4)
        o.faults.events = [(SimTime(1e9), .crash(ReplicaID(2))), (SimTime(2e9), .restartRolledBack(ReplicaID(2)))]
        o.liveness.graceSeconds = 1
        let replay = "dqbft simulate --protocol destiny --replicas 3 --clients 12 --batch 4 --duration 4 --warmup 0 --seed 4 "
            + "--crash 2@1 --restart-rolled-back 2@2 --real-crypto --liveness-grace 1"
        let crypto = try SoftwareHybridCluster(replicas: 3, f: 1, seed: 4, kind: .threshSign)
        let report = try Simulation(options: o, realCrypto: crypto).run()
        guard case .rolledBack? = crypto.refusals[ReplicaID(2)] else {
            Issue.record("the real subsystem accepted a rolled-back state: \(String(describing: crypto.refusals)); replay: \(replay)")
            return
        }
        #expect(crypto.crypto(for: ReplicaID(2)).counter.certify(.zero, instance: .main, value: CounterValue(rawValue: 1 << 50)) == nil)
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
        #expect(report.liveness == "ok", "\(report.liveness); replay: \(replay)")
    }
}
