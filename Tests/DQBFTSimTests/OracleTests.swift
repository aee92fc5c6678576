import DQBFTCore
import Testing

@testable import DQBFTSim

/// The oracles must be able to fail: runs that do not recover are reported stalled
/// with the right reason, and every kind of disagreement the safety checker guards
/// is named precisely.
@Suite("Oracles that can fail")
struct OracleTests {
    /// PBFT, N=4 on a LAN, 8 s, with `edit` applied.
    static func run(_ edit: (inout SimulationOptions) -> Void) throws -> SimulationReport {
        var o = SimulationOptions()
        o.durationSeconds = 8
        o.clients = 16
        o.batchSize = 8
        o.liveness.graceSeconds = 2
        edit(&o)
        return try Simulation(options: o).run()
    }

    static let ids = (0..<4).map { ReplicaID($0) }

    @Test("liveness: a partition that never heals leaves no quorum: every part of the oracle fails, n=4")
    func neverHealed() throws {
        let r = try Self.run { $0.faults.events = [(2_000_000_000, .partition([Array(Self.ids[..<2]), Array(Self.ids[2...])]))] }
        #expect(r.safety == "ok")
        #expect(r.liveness.hasPrefix("stalled: "), "\(r.liveness)")
        #expect(r.liveness.contains("16 of 16 clients completed nothing after 4.0 s"), "\(r.liveness)")
        for i in 0..<4 { #expect(r.liveness.contains("replica \(i) executed nothing after 4.0 s"), "\(r.liveness)") }
        #expect(r.liveness.contains("final-window throughput 0 ops/s"), "\(r.liveness)")
        #expect(r.recovery_ratio == 0)
        #expect(r.liveness_from_s == 4)
    }

    @Test("liveness: a replica cut off for good is named; the others and the clients carry on, n=4")
    func replicaCutOff() throws {
        let r = try Self.run { $0.faults.events = [(1_000_000_000, .partition([[Self.ids[3]], Array(Self.ids[..<3])]))] }
        #expect(r.safety == "ok")
        #expect(r.liveness.hasPrefix("stalled: replica 3 executed nothing after 3.0 s"), "\(r.liveness)")
        #expect(!r.liveness.contains("clients") && !r.liveness.contains("throughput"), "\(r.liveness)")
        #expect((r.recovery_ratio ?? 0) >= 0.5)
    }

    @Test("liveness: throughput that stays low after the last fault fails part (iii) alone, n=4")
    func throughputStaysLow() throws {
        // Every replica's CPU becomes 200 times slower at 1 s: nobody is suspected,
        // every client and replica still moves, but slowly.
        let r = try Self.run { o in
            o.faults.events = (0..<4).map { (1_000_000_000, .slowCPU(ReplicaID(UInt16($0)), factor: 200)) }
        }
        #expect(r.safety == "ok")
        #expect(r.liveness.hasPrefix("stalled: final-window throughput"), "\(r.liveness)")
        #expect((r.recovery_ratio ?? 1) < 0.5)
    }

    @Test("liveness: a fault-free run is its own reference; a run with no time left after the grace period is unchecked")
    func referenceAndUnchecked() throws {
        let clean = try Self.run { _ in }
        #expect(clean.liveness == "ok" && clean.recovery_ratio == 1, "\(clean.liveness)")
        let late = try Self.run { $0.faults.events = [(7_000_000_000, .crash(ReplicaID(2)))] }
        #expect(late.liveness.hasPrefix("unchecked: "), "\(late.liveness)")
        let noReference = try Self.run {
            $0.faults.events = [(1_000_000_000, .crash(ReplicaID(2)))]
            $0.liveness.faultFreeReference = false
        }
        #expect(noReference.liveness == "ok" && noReference.recovery_ratio == nil, "\(noReference.liveness)")
    }

    @Test("liveness: the verdict names idle clients, idle replicas and the throughput shortfall")
    func verdictReasons() {
        var o = SimulationOptions()
        o.faults.events = [(1_000_000_000, .crash(ReplicaID(1)))]
        o.liveness.graceSeconds = 0.95
        var checker = LivenessChecker(options: o)
        #expect(checker.windowStart == 2_000_000_000)  // rounded up to 100 ms
        checker.advanced(0, at: 2_500_000_000)
        checker.advanced(2, at: 1_500_000_000)
        let observation = LivenessChecker.Observation(
            end: 4_000_000_000, clientLastCompletion: [(ClientID(1), 3_000_000_000), (ClientID(2), 1_000_000_000), (ClientID(3), nil)],
            correctReplicas: [0, 2, 3], completions: 40, referenceCompletions: 100, minRecoveryRatio: 0.5)
        let (liveness, ratio) = checker.verdict(observation)
        #expect(ratio == 0.4)
        #expect(liveness == "stalled: 2 of 3 clients completed nothing after 2.0 s: c2 (last 1.0 s), c3 (last never); "
                    + "replica 2 executed nothing after 2.0 s (last 1.5 s); replica 3 executed nothing after 2.0 s (last never); "
                    + "final-window throughput 20 ops/s is 0.4 of the fault-free run's 50 (needs 0.5)")
    }

    @Test("safety: batches, checkpoint states, final states and replies that disagree are named")
    func safetyViolations() {
        var s = SafetyChecker(faulty: [ReplicaID(3)])
        let a = Digest.of([1]), b = Digest.of([2])
        s.executed(replica: ReplicaID(0), sequence: SequenceNumber(1), digest: a)
        s.executed(replica: ReplicaID(3), sequence: SequenceNumber(1), digest: b)  // faulty: exempt
        #expect(s.ok)
        s.executed(replica: ReplicaID(1), sequence: SequenceNumber(1), digest: b)
        #expect(s.violations.last?.hasPrefix("slot 1: R1 executed batch") == true, "\(s.violations)")

        s = SafetyChecker(faulty: [ReplicaID(3)])
        s.checkpointed(replica: ReplicaID(0), sequence: SequenceNumber(16), stateDigest: a)
        s.checkpointed(replica: ReplicaID(1), sequence: SequenceNumber(16), stateDigest: a)
        s.checkpointed(replica: ReplicaID(3), sequence: SequenceNumber(16), stateDigest: b)
        #expect(s.ok)
        s.checkpointed(replica: ReplicaID(2), sequence: SequenceNumber(16), stateDigest: b)
        #expect(s.violations == ["checkpoint 16: R2 has state \(b), R0 has \(a)"])

        s = SafetyChecker(faulty: [])
        s.finish(states: [(ReplicaID(0), SequenceNumber(9), a), (ReplicaID(1), SequenceNumber(8), b),
                          (ReplicaID(2), SequenceNumber(9), a)])
        #expect(s.ok, "replicas at different slots are not compared")
        s.finish(states: [(ReplicaID(0), SequenceNumber(9), a), (ReplicaID(1), SequenceNumber(9), b)])
        #expect(s.violations == ["end of run, 9 slots executed: R1 has state \(b), R0 has \(a)"])
    }

    @Test("safety: every reply in a client's window of recent requests is compared, not only the newest")
    func replyWindow() {
        var s = SafetyChecker(faulty: [])
        let c = ClientID(7)
        for t: UInt64 in 1...6 { s.reply(client: c, timestamp: t, result: [UInt8(t)], from: ReplicaID(0)) }
        // A late reply for request 4 (two requests back) that disagrees is caught.
        s.reply(client: c, timestamp: 4, result: [4], from: ReplicaID(1))
        #expect(s.ok)
        s.reply(client: c, timestamp: 4, result: [9], from: ReplicaID(2))
        #expect(s.violations == ["client 7 request 4: R2 replied 0x09, R0 replied 0x04"])
        // Request 1 fell out of the window of 4: it is counted, not compared.
        s.reply(client: c, timestamp: 1, result: [9], from: ReplicaID(2))
        #expect(s.violations.count == 1 && s.repliesOutsideWindow == 1)
    }

    @Test("faulty replicas: one restarted from a rolled-back trusted subsystem stays faulty, even if a pause of it ends later")
    func rolledBackStaysFaulty() {
        var schedule = FaultSchedule()
        let r = ReplicaID(0)
        schedule.events = [(1_000_000_000, .crash(r)), (2_000_000_000, .restartRolledBack(r)), (3_000_000_000, .resume(r))]
        #expect(schedule.permanentlyFaulty == [r])
        schedule.events = [(1_000_000_000, .crash(r)), (2_000_000_000, .restart(r))]
        #expect(schedule.permanentlyFaulty.isEmpty)
    }
}
