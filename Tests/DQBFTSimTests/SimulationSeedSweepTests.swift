import DQBFTCore
import Testing

@testable import DQBFTSim

/// Random fault schedules, many seeds: every run must stay safe, its client history
/// (20% gets, 5% deletes) linearizable, and it must make progress once its faults
/// have healed. A failure names the seed and the `dqbft simulate` line that replays it.
@Suite("Seed sweeps")
struct SimulationSeedSweepTests {
    /// Draws a fault schedule from `seed`: crashes with restarts, partitions,
    /// loss, jitter and up to f Byzantine replicas, all healed by `healBy`.
    static func randomScenario(seed: UInt64, replicas: Int, protocol name: String = "pbft") -> (SimulationOptions, [String]) {
        var rng = SimRandom(seed: seed ^ 0xD0B)
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = replicas
        // Geo-distributed (real round-trip times) keeps each run cheap while
        // exercising reordering across regions; faults heal by 6 s, the run ends at 20 s.
        // Timeouts sit well above the slowest quorum round trip (about 0.7 s).
        o.topology = .azure10
        o.clients = 12
        o.batchSize = 4
        o.durationSeconds = 20
        o.warmupSeconds = 0
        o.seed = seed
        o.progressTimeoutSeconds = 2
        o.viewChangeTimeoutSeconds = 3
        o.clientTimeoutSeconds = 3
        o.checkpointInterval = 16
        o.windowSize = 64
        o.readRatio = 0.2
        o.deleteRatio = 0.05
        o.recordHistory = true
        var flags: [String] = []
        let kind = ProtocolKind(rawValue: name)!
        let f = ClusterConfiguration.maxFaults(replicas: replicas, model: kind.faultModel)
        var faulty = Set<Int>()
        // Byzantine replicas (at most f, sometimes none).
        let byzantineCount = Int(rng.next() % UInt64(f + 1))
        var behaviours = ["silent", "equivocate", "drop-to", "slow"]
        if !kind.isSinglePrimary && kind.faultModel == .byzantine { behaviours += ["withhold", "collude=\(replicas - 1)"] }
        if kind.isDQ && kind.faultModel == .hybrid { behaviours += ["withhold"] }
        if kind.faultModel == .hybrid { behaviours += ["bad-shares", "lying-collector", "withhold-proofs"] }
        var byz: [String] = []
        while faulty.count < byzantineCount {
            let r = Int(rng.next() % UInt64(replicas))
            guard faulty.insert(r).inserted else { continue }
            let b = behaviours[Int(rng.next() % UInt64(behaviours.count))]
            o.faults.byzantine[ReplicaID(r)] = try! ByzantineBehaviour.parse(b, replicas: replicas)
            byz.append("\(r):\(b)")
        }
        if !byz.isEmpty { flags.append("--byzantine \(byz.joined(separator: ","))") }
        // Crash-restarts of correct replicas (transient: they come back). Under the
        // Byzantine fault model half of them come back with nothing but their log
        // of sent messages, as a real process does (its own stream, so the rest of
        // the schedule is the same either way).
        var amnesia = SimRandom(seed: seed ^ 0xA3E5)
        var crashes: [String] = [], restarts: [String] = [], fromLog: [String] = []
        for _ in 0..<Int(rng.next() % 3) {
            let r = Int(rng.next() % UInt64(replicas))
            let at = 1 + Double(rng.next() % 30) / 10
            let back = at + 0.5 + Double(rng.next() % 20) / 10
            o.faults.events.append((SimTime(at * 1e9), .crash(ReplicaID(r))))
            crashes.append("\(r)@\(at)")
            if kind.faultModel == .byzantine && amnesia.next() % 2 == 0 {
                o.faults.events.append((SimTime(back * 1e9), .restartFromLog(ReplicaID(r))))
                fromLog.append("\(r)@\(back)")
            } else {
                o.faults.events.append((SimTime(back * 1e9), .restart(ReplicaID(r))))
                restarts.append("\(r)@\(back)")
            }
        }
        // Hybrid protocols: sometimes a replica comes back with a rolled-back trusted
        // counter; it is refused and counts against f.
        if kind.faultModel == .hybrid, faulty.count < f, rng.next() % 4 == 0 {
            var r = Int(rng.next() % UInt64(replicas))
            while faulty.contains(r) { r = (r + 1) % replicas }
            faulty.insert(r)
            let at = 1 + Double(rng.next() % 30) / 10, back = at + 1
            o.faults.events.append((SimTime(at * 1e9), .crash(ReplicaID(r))))
            o.faults.events.append((SimTime(back * 1e9), .restartRolledBack(ReplicaID(r))))
            crashes.append("\(r)@\(at)")
            flags.append("--restart-rolled-back \(r)@\(back)")
        }
        if !crashes.isEmpty { flags.append("--crash \(crashes.joined(separator: ","))") }
        if !restarts.isEmpty { flags.append("--restart \(restarts.joined(separator: ","))") }
        if !fromLog.isEmpty { flags.append("--restart-from-log \(fromLog.joined(separator: ","))") }
        if rng.next() % 2 == 0 {
            let cut = 1 + Int(rng.next() % UInt64(replicas - 1))
            let ids = (0..<replicas).map { ReplicaID($0) }
            let start = 1 + Double(rng.next() % 20) / 10, stop = start + 0.5 + Double(rng.next() % 20) / 10
            o.faults.events.append((SimTime(start * 1e9), .partition([Array(ids[..<cut]), Array(ids[cut...])])))
            o.faults.events.append((SimTime(stop * 1e9), .heal))
            flags.append("--partition \(start)-\(stop):" + ids[..<cut].map { "\($0.rawValue)" }.joined(separator: "/") + "|"
                         + ids[cut...].map { "\($0.rawValue)" }.joined(separator: "/"))
        }
        if rng.next() % 3 == 0 {
            o.faults.lossProbability = 0.01
            o.faults.jitterNanos = 2_000_000
            flags.append("--loss 0.01 --jitter-ms 2")
        }
        return (o, flags)
    }

    static func replayLine(_ o: SimulationOptions, _ flags: [String]) -> String {
        "dqbft simulate --protocol \(o.protocolName) --replicas \(o.replicas) --clients \(o.clients) --batch \(o.batchSize) "
            + "--topology azure10 --duration \(o.durationSeconds) --warmup 0 --seed \(o.seed) --costs nominal "
            + "--checkpoint-interval \(o.checkpointInterval) --progress-timeout 2 --view-change-timeout 3 --client-timeout 3 "
            + "--read-ratio \(o.readRatio) --delete-ratio \(o.deleteRatio) " + flags.joined(separator: " ")
    }

    @Test("hybrid protocols: safety always, liveness after healing",
          arguments: [("linearhybster", 3), ("linearhybster", 5), ("linearhybster", 7),
                      ("destiny", 3), ("destiny", 5), ("destiny", 7), ("hybster", 5), ("dqhybster", 5)])
    func hybridSweep(protocol name: String, replicas: Int) throws {
        let seeds: UInt64 = name == "linearhybster" || name == "destiny" ? (replicas == 7 ? 60 : 70) : 30
        try sweep(protocol: name, replicas: replicas, seeds: seeds)
    }

    @Test("safety always, liveness after healing",
          arguments: [("pbft", 4), ("pbft", 7), ("dqpbft", 4), ("dqpbft", 7), ("rcc", 4), ("rcc", 7)])
    func sweep(protocol name: String, replicas: Int) throws {
        try sweep(protocol: name, replicas: replicas, seeds: replicas == 4 ? 110 : 100)
    }

    /// Safety, linearizability and liveness after healing are all strict: a seed that
    /// ends unsafe, with a history no order explains, or stalled fails the test with
    /// its replay line.
    func sweep(protocol name: String, replicas: Int, seeds: UInt64) throws {
        var stalled: [String] = []
        for seed in 1...seeds {
            let (options, flags) = Self.randomScenario(seed: seed, replicas: replicas, protocol: name)
            let simulation = try Simulation(options: options)
            let report = try simulation.run()
            let replay = Self.replayLine(options, flags)
            #expect(report.safety == "ok", "seed \(seed): safety violation \(report.safety_violations); replay: \(replay)")
            try Self.expectLinearizable(simulation, seed: seed, replay: replay)
            if report.liveness != "ok" { stalled.append("seed \(seed): stalled after healing; replay: \(replay)") }
        }
        #expect(stalled.isEmpty, "\(stalled.count) of \(seeds) seeds stalled:\n\(stalled.joined(separator: "\n"))")
    }

    /// Checks the run's recorded history; a failure explains the first keys and
    /// gives the line that writes the history for `dqbft check-history`.
    static func expectLinearizable(_ simulation: Simulation, seed: UInt64, replay: String) throws {
        let check = try LinearizabilityChecker().check(simulation.recordedHistory)
        #expect(check.verdict == .linearizable,
                "seed \(seed): history \(check.text(explaining: 2))\nreplay: \(replay) --history h.jsonl && dqbft check-history h.jsonl")
    }

}
