import ArgumentParser
import DQBFTCore
import DQBFTCrypto
import DQBFTNet
import DQBFTSim
import Foundation

/// `dqbft simulate`: one deterministic simulated run.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a protocol in the deterministic simulator and report throughput, latency and safety.",
        discussion: """
        Without flags it runs PBFT with 4 replicas and 64 clients on a LAN for 10 virtual seconds.
        The same flags and --seed always give the same result (except wall_s).
        Faults: --crash 0@3 crashes replica 0 at 3 s; --restart 0@6 brings it back as a real process comes back, with nothing
        but its durable log of sent messages (and, for hybrid protocols, its sealed trusted-counter state); its state comes by
        state transfer. --pause 0@3-6 stops replica 0 from 3 s to 6 s and lets it carry on with its memory intact (not a crash).
        --byzantine 1:silent,2:equivocate; --partition 2-5:0/1|2/3 splits the replicas from 2 s to 5 s.
        Liveness: after the last fault event plus a grace period (--liveness-grace), every client must complete an operation,
        every correct replica must execute, and throughput must reach --min-recovery-ratio of the same seed's fault-free run,
        which runs as well whenever there are faults (--no-fault-free-reference skips it and that check). The report says
        liveness ok, stalled (with the reasons) or unchecked (no time left after the grace period), and the recovery ratio.
        Workload: every operation is a put by default; --read-ratio 0.2 --delete-ratio 0.05 mixes in gets and deletes, \
        and --history FILE records the client history, which 'dqbft check-history FILE' checks for linearizability.
        Exit status: 0 safe and live (or liveness unchecked); 1 a safety violation; 4 liveness stalled (0 with \
        --allow-stall, for experiments that expect a stall); 3 an unreadable --costs file; 64 a bad command line.
        """,
        version: DQBFTVersion.current)

    @OptionGroup var runOptions: RunOptions
    @Flag(help: "Print one JSON object instead of a summary.") var json = false
    @Flag(help: "Hybrid protocols: real BLS12-381 threshold signatures and the software trusted subsystem instead of the modelled crypto (slow; CPU time is not charged to the model).") var realCrypto = false
    @Option(help: ArgumentHelp(
        "Write the client history to FILE for 'dqbft check-history FILE': one JSON line per completed operation, then one per operation still pending at the end (complete_s null).",
        discussion: "Puts and deletes then return the previous value, which the history records."))
    var history: String?
    @Flag(help: "Exit 0 when liveness stalled (for experiments that expect a stall); a safety violation still exits 1.")
    var allowStall = false

    func run() throws {
        var options = try runOptions.simulationOptions()
        options.historyPath = history
        options.showProgress = !json
        let report: SimulationReport
        let simulation: Simulation
        var crypto: SoftwareHybridCluster?
        if realCrypto {
            let config = ClusterConfiguration(replicas: options.replicas, faultModel: .hybrid)
            crypto = try SoftwareHybridCluster(replicas: options.replicas, f: config.f, seed: options.seed,
                                               kind: options.protocolName == "hybster" || options.protocolName == "dqhybster"
                                                   ? .trinx : .threshSign)
        }
        do { simulation = try Simulation(options: options, realCrypto: crypto) } catch let e as SimulationError {
            throw ValidationError(e.description)
        }
        report = try simulation.run()
        if ProcessInfo.processInfo.environment["DQBFT_DEBUG"] != nil {
            for line in simulation.replicaStatus { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        print(json ? report.json() : report.summary)
        if report.safety != "ok" {
            throw ExitStatus.fail(ExitStatus.negative, "safety violated: \(report.safety_violations.first ?? report.safety)")
        }
        if report.liveness.hasPrefix("stalled") && !allowStall {
            throw ExitStatus.fail(ExitStatus.stalled, "liveness \(report.liveness) (--allow-stall exits 0)")
        }
    }
}

/// Flags shared by `simulate` and `compare`.
struct RunOptions: ParsableArguments {
    @Option(name: .customLong("protocol"), help: "Protocol: pbft, dqpbft, rcc, hybster, linearhybster, dqhybster or destiny.") var protocolName = "pbft"
    @Option(help: "Number of replicas N.") var replicas = 4
    @Option(help: "Number of closed-loop clients.") var clients = 64
    @Option(help: "Requests per batch.") var batch = 50
    @Option(help: "Bytes per client command.") var payload = 512
    @Option(help: "Virtual seconds to simulate.") var duration = 10.0
    @Option(help: "Virtual seconds excluded from the figures (default: a fifth of the run).") var warmup: Double?
    @Option(help: "Network topology: lan or azure10.") var topology = "lan"
    @Option(help: "Uplink and downlink bandwidth of every replica, Mbit/s.") var bandwidthMbps = 1000.0
    @Option(help: "Cores per replica.") var cores = 8
    @Option(help: "Seed of every random choice.") var seed: UInt64 = 1
    @Option(help: "Crashes: ID@SECONDS[,...].") var crash: String?
    @Option(help: "Restarts of crashed replicas, as real processes: with only their durable log of sent messages (and their sealed trusted-counter state); the executed state comes by state transfer. ID@SECONDS[,...].")
    var restart: String?
    @Option(help: "Pauses: ID@START-END[,...] stops a replica and lets it carry on with its memory intact (not what a crash does).")
    var pause: String?
    @Option(help: "Restarts (as --restart) from a rolled-back trusted-counter state (hybrid protocols): ID@SECONDS[,...].") var restartRolledBack: String?
    @Option(help: "Byzantine replicas: ID:BEHAVIOUR[,...] with silent, equivocate, drop-to[=A/B], slow[=SECONDS], withhold, collude=ID, bad-shares, lying-collector, withhold-proofs, relabel, fuzz (sends seeded random mutations of its own messages).") var byzantine: String?
    @Option(help: "Partitions: START-END:A/B|C/D[,...] (seconds; replica ids by group).") var partition: String?
    @Option(help: "Slow CPUs: ID@SECONDS:FACTOR[,...].") var slowCpu: String?
    @Option(help: "Probability that a message is lost.") var loss = 0.0
    @Option(help: "Maximum extra one-way delay per message, ms.") var jitterMs = 0.0
    @Option(help: "Distinct keys the workload uses.") var keys: UInt64 = 1000
    @Option(help: "Fraction of operations that are gets, in [0, 1] (default 0: the paper's all-put workload). With reads, deletes or --history, puts and deletes return the previous value (etcd's prev_kv), so those replies carry a value.")
    var readRatio = 0.0
    @Option(help: "Fraction of operations that are deletes, in [0, 1]; --read-ratio + --delete-ratio ≤ 1, the rest are puts.")
    var deleteRatio = 0.0
    @Option(help: "Slots between checkpoints.") var checkpointInterval: UInt64 = 64
    @Option(help: "Seconds a backup waits for progress before it suspects the primary.") var progressTimeout = 1.0
    @Option(help: "Seconds a replica waits for a new view before trying the next.") var viewChangeTimeout = 2.0
    @Option(help: "Seconds a client waits before retransmitting to every replica.") var clientTimeout = 2.0
    @Option(help: "Cost table: 'measured' (the committed table measured by crypto-bench on the development machine), 'nominal' (round built-in figures) or a JSON file written by 'dqbft crypto-bench --write-costs'.") var costs = "measured"
    @Flag(help: "Add a per-second throughput timeline to the JSON.") var timeline = false
    @Option(help: "Uneven load: T:FACTOR[:EXCEPT_REGION] multiplies the clients of every region but one at T seconds.")
    var loadChange: String?
    @Option(help: "DQ: replicas each D-PrePrepare is flooded to (0: off).") var floodFanout = SimulationOptions().floodFanout
    @Option(help: "Liveness: seconds after the last fault event before the final window in which the run must be live (default: progress + view-change + client timeout).")
    var livenessGrace: Double?
    @Option(help: "Liveness: the final window's throughput must reach this fraction of the fault-free run's.") var minRecoveryRatio = 0.5
    @Flag(help: "Do not run the fault-free reference (no recovery ratio; throughput is then not judged).") var noFaultFreeReference = false
    @Flag(help: "Every replica executes every slot itself instead of adopting the identical result of a replica that executed it from the same state first (same report, slower; for checking).")
    var noSharedExecution = false

    func simulationOptions() throws -> SimulationOptions {
        var o = SimulationOptions()
        o.protocolName = protocolName.lowercased()
        o.replicas = replicas
        o.clients = clients
        o.batchSize = batch
        o.payloadBytes = payload
        o.durationSeconds = duration
        o.warmupSeconds = warmup
        guard let kind = Topology.Kind(rawValue: topology) else {
            throw ValidationError("--topology must be one of: \(Topology.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.topology = kind
        o.bandwidthMbps = bandwidthMbps
        o.cores = cores
        o.seed = seed
        o.keySpace = keys
        o.readRatio = readRatio
        o.deleteRatio = deleteRatio
        o.checkpointInterval = checkpointInterval
        o.progressTimeoutSeconds = progressTimeout
        o.viewChangeTimeoutSeconds = viewChangeTimeout
        o.clientTimeoutSeconds = clientTimeout
        o.windowSize = 4 * checkpointInterval
        o.timeline = timeline
        guard floodFanout >= 0 else { throw ValidationError("--flood-fanout must be 0 or more, got \(floodFanout)") }
        o.floodFanout = floodFanout
        o.sharedExecution = !noSharedExecution
        o.liveness.graceSeconds = livenessGrace
        o.liveness.minRecoveryRatio = minRecoveryRatio
        o.liveness.faultFreeReference = !noFaultFreeReference
        if let loadChange {
            let parts = loadChange.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts.count <= 3, let t = Double(parts[0]), let factor = Double(parts[1]) else {
                throw ValidationError("--load-change expects T:FACTOR[:EXCEPT_REGION], got '\(loadChange)'")
            }
            o.loadChange = (t, factor, parts.count == 3 ? parts[2] : nil)
        }
        do { o.costs = try CostTable.load(path: costs) } catch {
            throw ExitStatus.fail(ExitStatus.badInput, "--costs \(costs): not 'measured', 'nominal' or a readable cost table "
                                  + "written by 'dqbft crypto-bench --write-costs' (\(Self.reason(error)))")
        }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must be in [0, 1)") }
        o.faults.lossProbability = loss
        o.faults.jitterNanos = UInt64(max(0, jitterMs) * 1e6)
        for (id, t) in try Self.parseAt(crash, flag: "--crash") { o.faults.events.append((t, .crash(id))) }
        for (id, t) in try Self.parseAt(restart, flag: "--restart") { o.faults.events.append((t, .restart(id))) }
        for item in Self.items(pause) {
            let parts = item.split(separator: "@").map(String.init)
            let span = parts.count == 2 ? parts[1].split(separator: "-").compactMap { Double($0) } : []
            guard parts.count == 2, let id = UInt16(parts[0]), span.count == 2, span[0] >= 0, span[0] < span[1] else {
                throw ValidationError("--pause expects ID@START-END, got '\(item)'")
            }
            o.faults.events.append((UInt64(span[0] * 1e9), .crash(ReplicaID(id))))
            o.faults.events.append((UInt64(span[1] * 1e9), .resume(ReplicaID(id))))
        }
        for (id, t) in try Self.parseAt(restartRolledBack, flag: "--restart-rolled-back") {
            o.faults.events.append((t, .restartRolledBack(id)))
        }
        for item in Self.items(byzantine) {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = UInt16(parts[0]) else {
                throw ValidationError("--byzantine expects ID:BEHAVIOUR, got '\(item)'")
            }
            do { o.faults.byzantine[ReplicaID(id)] = try ByzantineBehaviour.parse(parts[1], replicas: replicas) } catch let e as SimulationError {
                throw ValidationError("--byzantine: \(e.description)")
            }
        }
        for item in Self.items(partition) {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            let span = parts.first?.split(separator: "-").compactMap { Double($0) } ?? []
            guard parts.count == 2, span.count == 2, span[0] < span[1] else {
                throw ValidationError("--partition expects START-END:A/B|C/D, got '\(item)'")
            }
            let groups = try parts[1].split(separator: "|").map { g in
                try g.split(separator: "/").map { s -> ReplicaID in
                    guard let v = UInt16(s) else { throw ValidationError("--partition: bad replica id '\(s)'") }
                    return ReplicaID(v)
                }
            }
            o.faults.events.append((UInt64(span[0] * 1e9), .partition(groups)))
            o.faults.events.append((UInt64(span[1] * 1e9), .heal))
        }
        for item in Self.items(slowCpu) {
            let parts = item.split(separator: ":").map(String.init)
            guard parts.count == 2, let factor = Double(parts[1]), factor >= 1,
                  let (id, t) = try Self.parseAt(parts[0], flag: "--slow-cpu").first else {
                throw ValidationError("--slow-cpu expects ID@SECONDS:FACTOR, got '\(item)'")
            }
            o.faults.events.append((t, .slowCPU(id, factor: factor)))
        }
        do { try o.validate() } catch let e as SimulationError { throw ValidationError(e.description) }
        return o
    }

    static func items(_ s: String?) -> [String] {
        (s ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The readable part of a file error (Foundation's descriptions name Cocoa domains).
    static func reason(_ error: any Error) -> String {
        if let e = error as? CocoaError, let path = e.filePath {
            return e.code == .fileReadNoSuchFile ? "no such file: \(path)" : "cannot read \(path)"
        }
        if let e = error as? DecodingError { return e.readable }
        return "\(error)"
    }

    static func parseAt(_ s: String?, flag: String) throws -> [(ReplicaID, UInt64)] {
        try items(s).map { item in
            let parts = item.split(separator: "@").map(String.init)
            guard parts.count == 2, let id = UInt16(parts[0]), let t = Double(parts[1]), t >= 0 else {
                throw ValidationError("\(flag) expects ID@SECONDS, got '\(item)'")
            }
            return (ReplicaID(id), UInt64(t * 1e9))
        }
    }
}
