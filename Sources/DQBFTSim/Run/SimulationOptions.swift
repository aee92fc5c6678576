import DQBFTCore
import Foundation

/// Everything that defines one simulated run. Together with the seed it
/// determines the run completely.
public struct SimulationOptions: Sendable {
    public var protocolName = "pbft"
    public var replicas = 4
    public var clients = 64
    public var batchSize = 50
    public var payloadBytes = 512
    public var durationSeconds = 10.0
    /// Excluded from the figures; nil means a fifth of the run.
    public var warmupSeconds: Double?
    public var topology: Topology.Kind = .lan
    public var bandwidthMbps = 1000.0
    /// Bandwidth of each client machine; nil means ten times the replicas'.
    public var clientBandwidthMbps: Double?
    public var cores = 8
    public var seed: UInt64 = 1
    public var faults = FaultSchedule()
    public var costs = CostTable.default
    /// Distinct keys the workload uses.
    public var keySpace: UInt64 = 1000
    /// Fraction of operations that are gets (`--read-ratio`), in [0, 1]; 0 is the
    /// paper's all-put workload.
    public var readRatio = 0.0
    /// Fraction of operations that are deletes (`--delete-ratio`), in [0, 1], with
    /// `readRatio + deleteRatio ≤ 1`; the rest are puts.
    public var deleteRatio = 0.0
    /// How long a client waits before retransmitting to every replica.
    public var clientTimeoutSeconds = 2.0
    public var batchTimeoutSeconds = 0.005
    public var checkpointInterval: UInt64 = 64
    public var windowSize: UInt64 = 256
    public var progressTimeoutSeconds = 1.0
    public var viewChangeTimeoutSeconds = 2.0
    /// Adds a per-second throughput timeline to the report.
    public var timeline = false
    /// Writes one JSON line per client operation to this path (`HistoryWriter`).
    public var historyPath: String?
    /// Keeps the same history in memory, as `Simulation.recordedHistory` (for tests).
    public var recordHistory = false
    /// Prints a progress line to standard error on long runs.
    public var showProgress = false
    /// Uneven load: at `time`, every region but `exceptRegion` gets `factor` times its clients.
    public var loadChange: (time: Double, factor: Double, exceptRegion: String?)?
    /// DQ: how many random replicas each D-PrePrepare is flooded to
    /// (`DQParameters.floodFanout`).
    public var floodFanout = DQParameters().floodFanout
    /// Replicas that execute a slot from the same state as another replica did adopt
    /// its result (`SharedExecution`) instead of computing it again. The report is the
    /// same either way; sharing saves most of the CPU and memory of execution.
    public var sharedExecution = true
    /// A deliberate protocol bug (`Mutant`), for the mutation check of the tests:
    /// by default the value of the environment variable `DQBFT_MUTANT` (unset: none),
    /// so that `Scripts/mutants.sh` can run the unchanged test suite against each.
    public var mutant: Mutant? = ProcessInfo.processInfo.environment["DQBFT_MUTANT"].flatMap(Mutant.init(rawValue:))
    /// How the liveness oracle judges the run (grace period, recovery ratio,
    /// fault-free reference run).
    public var liveness = LivenessOptions()
    /// Twins: replicas that run as two honest nodes with one identity, and the
    /// partitions of every round (nil: no twins).
    public var twins: TwinsScenario?

    public init() {}

    public var warmup: Double { warmupSeconds ?? durationSeconds / 5 }

    /// Puts and deletes ask for the previous value (etcd's `prev_kv`), so that a
    /// history can show a lost or stale write: on when the workload reads or
    /// deletes or a history is recorded, off for the paper's workload, whose replies
    /// stay one byte.
    public var workloadReturnsPrevious: Bool { readRatio > 0 || deleteRatio > 0 || historyPath != nil || recordHistory }

    /// Rejects inconsistent options with a message naming the flag.
    public func validate() throws {
        func fail(_ s: String) throws -> Never { throw SimulationError.invalidArgument(s) }
        guard let kind = ProtocolKind(rawValue: protocolName) else {
            try fail("--protocol: unknown protocol '\(protocolName)' (available: \(ProtocolKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        switch kind.faultModel {
        case .byzantine: guard replicas >= 4 else { try fail("--replicas must be at least 4 for \(kind) (N ≥ 3f+1 with f ≥ 1)") }
        case .hybrid: guard replicas >= 3 else { try fail("--replicas must be at least 3 for \(kind) (N ≥ 2f+1 with f ≥ 1)") }
        }
        guard replicas <= 1000 else { try fail("--replicas must be at most 1000") }
        guard clients >= 1 && clients <= 2_000_000 else { try fail("--clients must be between 1 and 2,000,000") }
        guard batchSize >= 1 && batchSize <= 10_000 else { try fail("--batch must be between 1 and 10,000") }
        guard payloadBytes >= 24 && payloadBytes <= 1 << 20 else { try fail("--payload must be between 24 and 1 MiB") }
        guard durationSeconds > 0 && durationSeconds <= 3600 else { try fail("--duration must be in (0, 3600] seconds") }
        guard warmup >= 0 && warmup < durationSeconds else { try fail("--warmup must be in [0, duration)") }
        guard bandwidthMbps > 0 else { try fail("--bandwidth-mbps must be positive") }
        guard cores >= 1 && cores <= 256 else { try fail("--cores must be between 1 and 256") }
        guard keySpace >= 1 else { try fail("--keys must be positive") }
        guard (liveness.graceSeconds ?? 0) >= 0 else { try fail("--liveness-grace must not be negative") }
        guard liveness.minRecoveryRatio >= 0 && liveness.minRecoveryRatio <= 1 else { try fail("--min-recovery-ratio must be in [0, 1]") }
        guard readRatio >= 0 && readRatio <= 1 else { try fail("--read-ratio must be in [0, 1], got \(readRatio)") }
        guard deleteRatio >= 0 && deleteRatio <= 1 else { try fail("--delete-ratio must be in [0, 1], got \(deleteRatio)") }
        guard readRatio + deleteRatio <= 1 else {
            try fail("--read-ratio + --delete-ratio must be at most 1, got \(readRatio) + \(deleteRatio)")
        }
        guard checkpointInterval >= 1, windowSize / 2 >= checkpointInterval, windowSize <= PBFTParameters.maxWindowSize else {
            try fail("--checkpoint-interval must be between 1 and \(PBFTParameters.maxWindowSize / 4) (the window holds four intervals)")
        }
        for (t, f) in faults.events {
            guard Double(t) / 1e9 <= durationSeconds else { try fail("fault \(f) at \(Double(t) / 1e9)s is after the end of the run") }
            switch f {
            case .crash(let r), .restart(let r), .resume(let r), .slowCPU(let r, _), .restartRolledBack(let r):
                guard r.index < replicas else { try fail("fault names replica \(r.rawValue) but there are \(replicas)") }
            case .partition(let groups):
                guard groups.joined().allSatisfy({ $0.index < replicas }) else { try fail("partition names an unknown replica") }
            case .heal: break
            }
        }
        if let lc = loadChange {
            guard lc.time >= 0 && lc.time < durationSeconds, lc.factor >= 1 && lc.factor <= 100 else {
                try fail("--load-change expects T:FACTOR[:EXCEPT_REGION] with T inside the run and 1 ≤ FACTOR ≤ 100")
            }
        }
        for r in faults.byzantine.keys where r.index >= replicas {
            try fail("--byzantine names replica \(r.rawValue) but there are \(replicas)")
        }
        let f = ClusterConfiguration.maxFaults(replicas: replicas, model: kind.faultModel)
        if let twins { try twins.validate(replicas: replicas, f: f, faulty: faults.permanentlyFaulty) }
        if faults.permanentlyFaulty.count > f {
            try fail("\(faults.permanentlyFaulty.count) replicas are Byzantine or crashed for good, but N=\(replicas) tolerates only f=\(f)")
        }
    }
}

extension Workload {
    /// The workload `options` describe: payload size, key space, read and delete ratios.
    init(options: SimulationOptions) {
        self.init(payloadBytes: options.payloadBytes, keySpace: options.keySpace)
        readRatio = options.readRatio
        deleteRatio = options.deleteRatio
        returnsPrevious = options.workloadReturnsPrevious
    }
}
