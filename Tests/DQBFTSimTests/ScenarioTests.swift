import DQBFTCore
import Testing

@testable import DQBFTSim

/// Readable scenarios, named like specifications.
@Suite("PBFT scenarios")
struct ScenarioTests {
    func options(_ edit: (inout SimulationOptions) -> Void) -> SimulationOptions {
        var o = SimulationOptions()
        o.durationSeconds = 8
        o.clients = 16
        o.batchSize = 8
        edit(&o)
        return o
    }

    @Test("fault-free run: safe, live, every replica sends, clients get N replies")
    func faultFree() throws {
        let r = try Simulation(options: options { _ in }).run()
        #expect(r.safety == "ok" && r.liveness == "ok")
        #expect(r.executed_ops > 1000)
        #expect(r.view_changes == 0)
        #expect(r.client_replies_per_request > 3.5)
    }

    @Test("same seed, same report (determinism)")
    func determinism() throws {
        let o = options { $0.faults.events = [(2_000_000_000, .crash(ReplicaID(0)))]; $0.seed = 9 }
        var a = try Simulation(options: o).run(), b = try Simulation(options: o).run()
        a.wall_s = 0; b.wall_s = 0
        #expect(a.json() == b.json())
    }

    @Test("view change: primary crashes, n=4 f=1")
    func primaryCrash() throws {
        let r = try Simulation(options: options { $0.faults.events = [(2_000_000_000, .crash(ReplicaID(0)))] }).run()
        // Judged from 7 s (the default grace: progress, view-change and client
        // timeouts after the crash): PBFT is back by then.
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.liveness)")
        #expect(r.view_changes >= 1)
    }

    @Test("view change: primary equivocates, n=4 f=1")
    func primaryEquivocates() throws {
        let r = try Simulation(options: options { $0.faults.byzantine = [ReplicaID(0): .equivocate] }).run()
        #expect(r.safety == "ok" && r.liveness == "ok")
    }

    @Test("a silent backup does not stop progress, n=4 f=1")
    func silentBackup() throws {
        let r = try Simulation(options: options { $0.faults.byzantine = [ReplicaID(1): .silent] }).run()
        #expect(r.safety == "ok" && r.liveness == "ok")
        #expect(r.view_changes == 0)
    }

    @Test("a partitioned replica catches up by state transfer after healing, n=4 f=1")
    func stateTransfer() throws {
        let r = try Simulation(options: options {
            $0.checkpointInterval = 16
            $0.windowSize = 64
            // Healed at 4 s, judged from 6 s: the replica must be executing by then.
            $0.liveness.graceSeconds = 2
            $0.faults.events = [(1_000_000_000, .partition([[ReplicaID(3)], [ReplicaID(0), ReplicaID(1), ReplicaID(2)]])),
                                (4_000_000_000, .heal)]
        }).run()
        #expect(r.safety == "ok" && r.liveness == "ok")
        #expect(r.state_transfers >= 1)
    }
}
