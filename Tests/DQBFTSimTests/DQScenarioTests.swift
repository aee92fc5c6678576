import DQBFTCore
import DQBFTSim
import Testing

/// DQPBFT and RCC scenarios from the paper's §3.2, named like specifications.
@Suite("DQ and RCC scenarios")
struct DQScenarioTests {
    func run(_ name: String, replicas: Int = 4, _ edit: (inout SimulationOptions) -> Void = { _ in }) throws -> SimulationReport {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = replicas
        o.durationSeconds = 10
        o.clients = 32
        o.batchSize = 8
        o.progressTimeoutSeconds = 0.5
        o.viewChangeTimeoutSeconds = 1
        o.clientTimeoutSeconds = 1
        edit(&o)
        return try Simulation(options: o).run()
    }

    @Test("fault-free: safe, live, no view change", arguments: ["dqpbft", "rcc"])
    func faultFree(name: String) throws {
        let r = try run(name)
        #expect(r.safety == "ok" && r.liveness == "ok")
        #expect(r.view_changes == 0)
        #expect(r.executed_ops > 1000)
    }

    @Test("DQPBFT: a silent O-primary is replaced by a view change of the O-instance alone")
    func silentOrderingPrimary() throws {
        let r = try run("dqpbft") { $0.faults.byzantine = [ReplicaID(0): .silent] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect((r.instance_view_changes["main"] ?? 0) >= 1)
    }

    @Test("DQPBFT: a silent coordinator's D-instance changes view; its clients move on")
    func silentCoordinator() throws {
        let r = try run("dqpbft") { $0.faults.byzantine = [ReplicaID(2): .silent] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect(r.instance_view_changes["main"] == nil, "the O-instance must not change view")
    }

    @Test("DQPBFT: a coordinator that withholds its D-PrePrepare from f replicas (flooding)")
    func withholdingCoordinator() throws {
        let r = try run("dqpbft") { $0.faults.byzantine = [ReplicaID(1): .withhold] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
    }

    @Test("DQPBFT: the O-primary colludes with a coordinator to order a never-disseminated D-slot, n=7")
    func collusion() throws {
        let r = try run("dqpbft", replicas: 7) {
            $0.faults.byzantine = [ReplicaID(0): .collude(partner: ReplicaID(6)), ReplicaID(6): .silent]
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        // Either the colluding coordinator's D-instance is taken over (and fills the
        // slot with a no-op) or the O-primary is replaced first; both end the stall.
        #expect((r.instance_view_changes["D6"] ?? 0) + (r.instance_view_changes["main"] ?? 0) >= 1)
    }

    @Test("DQPBFT: an equivocating O-primary cannot break safety")
    func equivocatingOrderingPrimary() throws {
        let r = try run("dqpbft") { $0.faults.byzantine = [ReplicaID(0): .equivocate] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
    }

    @Test("DQPBFT: a crashed coordinator is replaced, then reinstated after its restart")
    func crashRestartCoordinator() throws {
        let r = try run("dqpbft") {
            $0.durationSeconds = 12
            $0.faults.events = [(2_000_000_000, .crash(ReplicaID(1))), (5_000_000_000, .restart(ReplicaID(1)))]
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        // The restarted replica catches up by state transfer; its D-instance was taken
        // over meanwhile (one view change at least) and it asked to be reinstated (one
        // more, to a view it leads).
        #expect(r.state_transfers >= 1)
        let changes = r.instance_view_changes["D1"] ?? 0
        #expect(changes >= 2, "D1 changed view \(changes) times: not taken over and reinstated")
    }

    @Test("DQPBFT: crash of the O-primary and a coordinator at once (case 3)")
    func bothFail() throws {
        let r = try run("dqpbft", replicas: 7) {
            $0.faults.events = [(2_000_000_000, .crash(ReplicaID(0))), (2_000_000_000, .crash(ReplicaID(3)))]
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect((r.instance_view_changes["main"] ?? 0) >= 1)
    }

    @Test("RCC: a silent primary's instance recovers on its own")
    func rccSilentPrimary() throws {
        let r = try run("rcc") { $0.faults.byzantine = [ReplicaID(2): .silent] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect((r.instance_view_changes["D2"] ?? 0) >= 1)
    }

    @Test("RCC: with f primaries crashed from the start only their instances change view, n=7")
    func rccCrashedPrimaries() throws {
        let r = try run("rcc", replicas: 7) {
            $0.faults.events = [(SimTime(0), .crash(ReplicaID(1))), (SimTime(0), .crash(ReplicaID(2)))]
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        #expect((r.instance_view_changes["D1"] ?? 0) >= 1 && (r.instance_view_changes["D2"] ?? 0) >= 1)
        // A round blocked on a failed instance must not get the healthy ones suspected.
        for healthy in [0, 3, 4, 5, 6] {
            #expect(r.instance_view_changes["D\(healthy)"] == nil, "instance D\(healthy) changed view: \(r.instance_view_changes)")
        }
        #expect(r.executed_ops > 10_000)
    }

    @Test("RCC: with the f highest ids crashed (each failed primary's successor failed too) all their instances are replaced at once, n=13")
    func rccCrashedSuccessors() throws {
        let r = try run("rcc", replicas: 13) {
            $0.faults.events = (9...12).map { (SimTime(0), .crash(ReplicaID(UInt16($0)))) }
            $0.timeline = true
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        for failed in 9...12 {
            #expect(r.instance_view_changes["D\(failed)"] == 1, "D\(failed) should skip the failed successors: \(r.instance_view_changes)")
        }
        for healthy in 0...8 {
            #expect(r.instance_view_changes["D\(healthy)"] == nil, "instance D\(healthy) changed view: \(r.instance_view_changes)")
        }
        // Replaced one after another, with NEW-VIEW timeouts doubling per failed
        // successor, execution resumed only after 15 s.
        let seconds = r.timeline ?? []
        #expect(seconds.count == 10 && seconds[4...].allSatisfy { $0.throughput_ops > 0 }, "\(seconds)")
    }

    @Test("RCC: a stalled round is noticed within a period and a quarter of the last execution, n=13")
    func rccStallNoticedPromptly() throws {
        let r = try run("rcc", replicas: 13) {
            $0.faults.events = (9...12).map { (SimTime(0), .crash(ReplicaID(UInt16($0)))) }
            $0.progressTimeoutSeconds = 2
            $0.timeline = true
        }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
        // Execution moves once after the round timer is armed; a timer that only
        // re-armed then suspected a period later and execution resumed in second 4.
        let seconds = r.timeline ?? []
        #expect(seconds.count == 10 && seconds[3].throughput_ops > 0, "\(seconds)")
    }

    @Test("slow replica: safe and live", arguments: ["pbft", "dqpbft"])
    func slowReplica(name: String) throws {
        let r = try run(name) { $0.faults.byzantine = [ReplicaID(3): .slow(delayNanos: 300_000_000)] }
        #expect(r.safety == "ok" && r.liveness == "ok", "\(r.safety_violations) \(r.liveness)")
    }

    /// Known limitation (README): an RCC round executes only once every instance has
    /// committed its slot, so a primary that delays everything it sends by just under
    /// the progress timeout is never replaced and sets the pace of every round:
    /// about 0.3% of the fault-free throughput here. Every client and replica still
    /// moves; only the throughput part of the liveness oracle fails, and it must.
    @Test("RCC: a primary slower than everyone but under the timeout sets the pace of every round (known limitation)")
    func rccSlowPrimary() throws {
        let r = try run("rcc") { $0.faults.byzantine = [ReplicaID(3): .slow(delayNanos: 300_000_000)] }
        #expect(r.safety == "ok", "\(r.safety_violations)")
        #expect(r.liveness.hasPrefix("stalled: final-window throughput") && !r.liveness.contains("executed nothing")
                    && !r.liveness.contains("completed nothing"), "\(r.liveness)")
        #expect((r.recovery_ratio ?? 1) < 0.05, "if RCC now replaces slow primaries, move rcc back into slowReplica")
    }
}
