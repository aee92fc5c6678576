import DQBFTCore
import Testing

@testable import DQBFTSim

/// Timers must tell a slow or faulty primary from a busy one: under steady load,
/// runs many times longer than every timeout see no view change and no client
/// retransmission, and the redundant-message filter leaves results intact.
@Suite("Steady load")
struct SteadyLoadTests {
    @Test("steady load for many progress timeouts: no view change, no retransmission",
          arguments: ["pbft", "dqpbft", "hybster", "linearhybster", "destiny"])
    func noSpuriousViewChanges(name: String) throws {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = name == "pbft" || name == "dqpbft" ? 4 : 5
        o.topology = .azure10
        o.clients = 200
        o.batchSize = 16
        o.durationSeconds = 6
        o.progressTimeoutSeconds = 0.6
        o.clientTimeoutSeconds = 1.5
        let r = try Simulation(options: o).run()
        #expect(r.safety == "ok" && r.liveness == "ok", "seed \(o.seed)")
        #expect(r.view_changes == 0, "\(r.instance_view_changes)")
        #expect(r.client_retransmissions == 0)
        #expect(r.executed_ops > 1000)
    }

    @Test("clients are assigned only to replicas that are up when the run starts", arguments: ["dqpbft", "destiny"])
    func clientsAvoidReplicasDownAtStart(name: String) throws {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 7
        o.clients = 70
        o.batchSize = 8
        o.durationSeconds = 4
        let f = name == "destiny" ? 3 : 2
        o.faults.events = (1...f).map { (0, .crash(ReplicaID($0))) }
        o.liveness.graceSeconds = 1  // the crashes are at 0 s: judge from 1 s on
        let r = try Simulation(options: o).run()
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect(r.client_retransmissions == 0)
        #expect(r.executed_ops > 500)
    }

    @Test("flooded copies of a proposal are dropped before verification: fewer verified bytes, same commits")
    func floodedCopiesAreRedundant() throws {
        var o = SimulationOptions()
        o.protocolName = "destiny"
        o.replicas = 7
        o.clients = 70
        o.batchSize = 8
        o.durationSeconds = 3
        o.floodFanout = 3
        let r = try Simulation(options: o).run()
        #expect(r.safety == "ok" && r.liveness == "ok")
        // Forwarded PREPAREs were sent, yet handling them cost far less than one
        // share verification each: copies of a PREPARE already held are dropped.
        let sent = r.messages_by_kind["D:propose-forwarded"] ?? 0
        let cpu = r.cpu_ms_by_kind["D:propose-forwarded"] ?? 0
        #expect(sent > 0)
        #expect(cpu / sent < CostTable.default.blsShareVerifyNanos / 1e6 * 0.5)
    }
}
