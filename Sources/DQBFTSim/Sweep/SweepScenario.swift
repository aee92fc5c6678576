import DQBFTCore

/// One seeded run of a seed sweep: the simulation options a seed draws and the
/// `dqbft simulate` flags that replay exactly that run.
///
/// Guarantees: the same family, protocol, N and seed always give the same options
/// and the same replay line; every fault a scenario injects (crashes, restarts,
/// pauses, partitions, loss, jitter) has healed by 6 s of a 20 s run, so liveness
/// can be judged on the rest; Byzantine replicas never exceed f.
public struct SweepScenario: Sendable {
    /// What a sweep injects.
    public enum Family: String, Sendable, CaseIterable {
        /// Crashes with amnesiac restarts, pauses, partitions, loss and jitter, up to
        /// f Byzantine replicas with the classic behaviours; 20% gets, 5% deletes.
        case faults
        /// f replicas run the ByzzFuzz-style `fuzz` behaviour for the whole run.
        case fuzz
    }

    public var options: SimulationOptions
    /// Flags beyond the common settings (`replay` adds those).
    public var flags: [String]

    /// The `dqbft simulate` line that replays this run.
    public var replay: String {
        let o = options
        return "dqbft simulate --protocol \(o.protocolName) --replicas \(o.replicas) --clients \(o.clients) --batch \(o.batchSize) "
            + "--topology azure10 --duration \(o.durationSeconds) --warmup 0 --seed \(o.seed) --costs nominal "
            + "--checkpoint-interval \(o.checkpointInterval) --progress-timeout 2 --view-change-timeout 3 --client-timeout 3 "
            + "--read-ratio \(o.readRatio) --delete-ratio \(o.deleteRatio)" + flags.map { " " + $0 }.joined()
    }

    public static func make(_ family: Family, protocol name: String, replicas: Int, seed: UInt64) -> SweepScenario {
        switch family {
        case .faults: faults(protocol: name, replicas: replicas, seed: seed)
        case .fuzz: fuzz(protocol: name, replicas: replicas, seed: seed)
        }
    }

    /// The settings every sweep shares: geo-distributed (real round-trip times keep
    /// each run cheap while reordering across regions), 12 closed-loop clients,
    /// batches of 4, short checkpoints, 20 s. Timeouts sit well above the slowest
    /// quorum round trip (about 0.7 s).
    static func base(protocol name: String, replicas: Int, seed: UInt64) -> SimulationOptions {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = replicas
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
        o.recordHistory = true
        return o
    }

    /// Draws a fault schedule from `seed`: crashes with restarts, partitions, loss,
    /// jitter and up to f Byzantine replicas, all healed by 6 s.
    /// `hybridPauses` draws the schedules of the sweeps before hybrid replicas could
    /// restart amnesiacally (every hybrid crash a pause), which tests pinned then.
    public static func faults(protocol name: String, replicas: Int, seed: UInt64, hybridPauses: Bool = false) -> SweepScenario {
        var rng = SimRandom(seed: seed ^ 0xD0B)
        var o = base(protocol: name, replicas: replicas, seed: seed)
        o.readRatio = 0.2
        o.deleteRatio = 0.05
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
        // Crashes of correct replicas that come back. Three in four restart as a real
        // process does, with nothing but their durable log (and, under the hybrid
        // fault model, their sealed trusted counters); the rest are paused and resume
        // with their memory intact (its own stream, so the rest of the schedule is
        // the same either way).
        var amnesia = SimRandom(seed: seed ^ 0xA3E5)
        var crashes: [String] = [], restarts: [String] = [], pauses: [String] = []
        for _ in 0..<Int(rng.next() % 3) {
            let r = Int(rng.next() % UInt64(replicas))
            let at = 1 + Double(rng.next() % 30) / 10
            let back = at + 0.5 + Double(rng.next() % 20) / 10
            o.faults.events.append((SimTime(at * 1e9), .crash(ReplicaID(r))))
            if amnesia.next() % 4 != 0 && !(hybridPauses && kind.faultModel == .hybrid) {
                o.faults.events.append((SimTime(back * 1e9), .restart(ReplicaID(r))))
                crashes.append("\(r)@\(at)")
                restarts.append("\(r)@\(back)")
            } else {
                o.faults.events.append((SimTime(back * 1e9), .resume(ReplicaID(r))))
                pauses.append("\(r)@\(at)-\(back)")
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
        if !pauses.isEmpty { flags.append("--pause \(pauses.joined(separator: ","))") }
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
        // Throughput must come back to half the fault-free run's once transient
        // faults are over. Loss and Byzantine replicas go on in the final window, and
        // cost more than that with 12 closed-loop clients and 3 s client timeouts (a
        // lost request idles its client for 3 s): there the ratio is reported, not judged.
        if o.faults.lossProbability > 0 || !o.faults.byzantine.isEmpty {
            o.liveness.minRecoveryRatio = 0
            flags.append("--min-recovery-ratio 0")
        }
        return SweepScenario(options: o, flags: flags)
    }

    /// f replicas (drawn from the seed, so the primary fuzzes in some runs and
    /// backups in others) run `fuzz` for the whole run; no other faults, all puts.
    /// Liveness: every correct client and replica keeps going; fuzzing replicas are
    /// Byzantine for the whole run, so the throughput ratio is reported, not judged.
    public static func fuzz(protocol name: String, replicas: Int, seed: UInt64, fuzzers: Int? = nil) -> SweepScenario {
        var o = base(protocol: name, replicas: replicas, seed: seed)
        o.liveness.minRecoveryRatio = 0
        let kind = ProtocolKind(rawValue: name)!
        let f = ClusterConfiguration.maxFaults(replicas: replicas, model: kind.faultModel)
        var rng = SimRandom(seed: seed ^ 0xF022)
        var ids: [Int] = []
        while ids.count < (fuzzers ?? f) {
            let r = Int(rng.next() % UInt64(replicas))
            if !ids.contains(r) { ids.append(r) }
        }
        for r in ids { o.faults.byzantine[ReplicaID(r)] = .fuzz }
        return SweepScenario(options: o, flags: ["--byzantine " + ids.map { "\($0):fuzz" }.joined(separator: ","), "--min-recovery-ratio 0"])
    }
}
