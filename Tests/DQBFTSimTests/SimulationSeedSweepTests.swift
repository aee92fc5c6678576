import DQBFTCore
import Testing

@testable import DQBFTSim

/// Random fault schedules, many seeds: every run must stay safe, its client history
/// (20% gets, 5% deletes) linearizable, and it must make progress once its faults
/// have healed. A failure names the seed and the `dqbft simulate` line that replays it.
@Suite("Seed sweeps")
struct SimulationSeedSweepTests {
    @Test("hybrid protocols: safety always, liveness after healing",
          arguments: [("linearhybster", 3), ("linearhybster", 5), ("linearhybster", 7),
                      ("destiny", 3), ("destiny", 5), ("destiny", 7), ("hybster", 5), ("dqhybster", 5),
                      // Even N: quorums of f+2 (⌊N/2⌋+1), not f+1.
                      ("linearhybster", 4), ("destiny", 4), ("hybster", 4), ("dqhybster", 6)])
    func hybridSweep(protocol name: String, replicas: Int) throws {
        let seeds: UInt64 = replicas % 2 == 0 ? 30 : name == "linearhybster" || name == "destiny" ? (replicas == 7 ? 60 : 70) : 30
        try sweep(protocol: name, replicas: replicas, seeds: seeds)
    }

    @Test("safety always, liveness after healing",
          arguments: [("pbft", 4), ("pbft", 7), ("dqpbft", 4), ("dqpbft", 7), ("rcc", 4), ("rcc", 7)])
    func sweep(protocol name: String, replicas: Int) throws {
        try sweep(protocol: name, replicas: replicas, seeds: replicas == 4 ? 110 : 100)
    }

    /// Seeds known to fail, by "protocol/N": found when the oracles became strict
    /// (every client, every correct replica, throughput; checkpoint states). Each is
    /// still run and reported as a known issue; any other seed that fails fails the
    /// test. Remove a seed once fixed.
    static let knownStalls: [String: Set<UInt64>] = [
        // Hybrid sweeps restart replicas amnesiacally since hybrid replicas log what
        // their trusted counters certified (and, since, their checkpoint states).
        // Left over: destiny/3 65 is a real throughput loss (about 42 ops/s against
        // 88 from 8 s to the end). (38, a replica missing the commit of an ordered
        // D-slot, is fixed: HybridStallScenarioTests.orderedDSlotCommitFetched.)
        "destiny/3": [65],
        // Destiny N=7, both stalled with and without the fixes of DQStallScenarioTests
        // (measured 2026-12-07 on the build with the ordered-D-slot catch-up):
        // 7 (`--byzantine 0:drop-to,1:slow,2:silent`): O-views 0-2 have Byzantine
        // primaries and nothing executes until 10.8 s; client c6's first request (to
        // correct R5) is answered at 11.0 s, after its retransmissions had moved its
        // assignment to R0, so its next request walks R0, R1, R2 (all faulty), one
        // per 3 s retransmission. Timing-sensitive (passed at some intermediate
        // builds; recovery ratio 0.05-0.12 either way). 51 (`--byzantine 0:drop-to
        // --restart-rolled-back 1@2.1`): clients c1 and c11 are assigned to R0, then
        // R1 (both faulty), and their request is not executed after reaching R2 at
        // 14.5 s; recovery ratio 0.04. Not triaged further.
        "destiny/7": [7, 51],
        // 53, 55: runs that crawl (36 to 53 O-slots in 20 s) through view-change
        // storms: D-instances rotate through whole rounds of views (views 14 to 49),
        // faulty owners are reinstated again and again. Vote re-sending on the
        // progress timeout and an earned (backed-off) reinstatement were measured and
        // made no clear net gain (docs/TESTING.md). (32 and 70, listed before, pass
        // since the ordered-D-slot catch-up.)
        // 57 (since replies name their request, 32 bytes more each, which shifted
        // the timing; the binaries before that pass it with the same recovery ratio,
        // 0.555): client c6's request (ts 23) to its correct coordinator R5 at 12.75 s,
        // after replicas 2 and 3 restarted, is not executed by the end (20 s) through
        // two retransmissions (15.8 s to all, 18.8 s reassigned to R6). Not triaged.
        // 25 (with the ordered-D-slot catch-up; not checked without it): replicas 2
        // and 3 alone (2 < f+1) moved D3 to view 1 while the other five delivered
        // D3#7 in view 0; both wait for it at execution slot 61 (from 7.0 s and
        // 4.3 s) to the end, asking every watch period. Not triaged further.
        "dqpbft/7": [25, 53, 55, 57],
        // (dqhybster/5 5 passes since DQComposition.advanceQueue, dqhybster/6 21 since
        // execution blocked on a D-slot suspects its coordinator: DQStallScenarioTests.)
    ]
    func sweep(protocol name: String, replicas: Int, seeds: UInt64) throws {
        try SweepExpectation.expectPasses(.faults, protocol: name, replicas: replicas, seeds: 1...seeds,
                                          known: Self.knownStalls["\(name)/\(replicas)"] ?? [],
                                          listedIn: "SimulationSeedSweepTests.knownStalls")
    }

    /// Amnesiac restarts of hybrid replicas: f+1 replicas crash and restart close
    /// together with nothing but their durable log and their sealed trusted
    /// counters, or the initial primary (of the single instance, of the O-instance
    /// and of D0) restarts. A restarted replica's counter continues where it
    /// stopped, so its next VIEW-CHANGE must show every message certified up to
    /// there; before hybrid replicas logged what their counters certified and what
    /// those certifications vouched for (`Replica.mustPersist`,
    /// `InstanceEffect.persist`, `HybridInstance.restore`), none of them could,
    /// no quorum justified a view change and the cluster stalled for good: e.g.
    /// `dqbft simulate --protocol destiny --replicas 3 --clients 12 --batch 4
    /// --topology azure10 --duration 20 --warmup 0 --seed 28 --costs nominal
    /// --checkpoint-interval 16 --progress-timeout 2 --view-change-timeout 3
    /// --client-timeout 3 --crash 2@3.0,1@1.4 --restart 2@3.9,1@3.7` executed
    /// nothing after 6.9 s (with `--pause` instead it recovered, ratio 0.89).
    ///
    /// Known issue, not about consensus: with f+1 Destiny replicas restarting
    /// close together, the clients of a restarted replica can stay without an
    /// answer. Their last batch executed at an execution slot whose shares went to
    /// that replica as execution collector while it was down; the replicas that
    /// executed the slot and then restarted lost their shares, the restarted ones
    /// skip the slot by state transfer, so only one share of it is ever re-sent and
    /// its reply proof never forms (destiny N=3 seed 5: execution slot 72, replica
    /// 0 re-sends its share on every retransmission until the end). Ordering such a
    /// request again and answering it in the new slot fixed these runs but made a
    /// Byzantine destiny N=7 sweep seed (7) stall; left to the reply path.
    @Test("hybrid protocols recover from amnesiac restarts (f+1 close together, the primary)",
          arguments: ["hybster", "linearhybster", "dqhybster", "destiny"], [3, 5])
    func hybridAmnesiacRestarts(protocol name: String, replicas: Int) throws {
        // (crash at, restart at) per replica, seconds.
        let together: [Int: (Double, Double)] = replicas == 3
            ? [2: (3.0, 3.9), 1: (1.4, 3.7)]
            : [2: (3.0, 3.9), 1: (1.4, 3.7), 3: (2.2, 3.4)]
        let primary: [Int: (Double, Double)] = [0: (2.0, 2.8)]
        for (schedule, seeds) in [(together, [28, 5, 11] as [UInt64]), (primary, [28, 5])] {
            for seed in seeds {
                var o = SweepScenario.faults(protocol: name, replicas: replicas, seed: seed).options
                o.faults.events = []
                for (r, (crash, restart)) in schedule.sorted(by: { $0.key < $1.key }) {
                    o.faults.events.append((SimTime(crash * 1e9), .crash(ReplicaID(UInt16(r)))))
                    o.faults.events.append((SimTime(restart * 1e9), .restart(ReplicaID(UInt16(r)))))
                }
                o.faults.byzantine = [:]
                o.faults.lossProbability = 0
                o.faults.jitterNanos = 0
                o.liveness = SimulationOptions().liveness
                let keys = schedule.keys.sorted()
                let replay = SweepScenario(options: o, flags: [
                    "--crash " + keys.map { "\($0)@\(schedule[$0]!.0)" }.joined(separator: ","),
                    "--restart " + keys.map { "\($0)@\(schedule[$0]!.1)" }.joined(separator: ","),
                ]).replay
                let report = try Simulation(options: o).run()
                #expect(report.safety == "ok", "seed \(seed): \(report.safety_violations); replay: \(replay)")
                if name == "destiny" && schedule.count > 1 && !(replicas == 3 && seed == 28) {
                    // Known issue, see above.
                    withKnownIssue("Destiny: replies of a slot whose executors all restarted are never proven",
                                   isIntermittent: true) {
                        #expect(report.liveness == "ok", "seed \(seed): \(report.liveness); replay: \(replay)")
                    }
                } else {
                    #expect(report.liveness == "ok", "seed \(seed): \(report.liveness); replay: \(replay)")
                }
            }
        }
    }

    /// Checks the run's recorded history; a failure explains the first keys and
    /// gives the line that writes the history for `dqbft check-history`.
    static func expectLinearizable(_ simulation: Simulation, seed: UInt64, replay: String) throws {
        let check = try LinearizabilityChecker().check(simulation.recordedHistory)
        #expect(check.verdict == .linearizable,
                "seed \(seed): history \(check.text(explaining: 2))\nreplay: \(replay) --history h.jsonl && dqbft check-history h.jsonl")
    }
}
