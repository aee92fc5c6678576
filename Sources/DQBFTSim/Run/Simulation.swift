import DQBFTCore
import Foundation

/// A deterministic discrete-event simulation of one cluster and its clients:
/// virtual clock, modelled network and CPU, injected faults and Byzantine
/// behaviours, checkers and metrics. The replicas are the real protocol cores.
///
/// Guarantees: the report (apart from `wall_s`) is a function of the options,
/// including the seed; safety is checked on every executed slot of every correct
/// replica and every reply a client accepts.
public final class Simulation {
    let options: SimulationOptions
    let kind: ProtocolKind
    let config: ClusterConfiguration
    let n: Int
    /// Identity of every replica node: node i < n is replica i; nodes from n on are
    /// twins (`SimulationOptions.twins`) and carry the identity of their original.
    let identities: [ReplicaID]
    /// Number of replica nodes (replicas and twins): client machine m is node machineBase + m.
    let machineBase: Int
    /// The running Twins scenario (nil without twins).
    var twins: TwinsState?
    var queue = EventQueue()
    var now: SimTime = 0
    let end: SimTime
    let warmupEnd: SimTime
    var replicas: [Replica] = []
    let replicaParameters: ReplicaParameters
    /// Per replica, its trusted subsystem (hybrid protocols): it outlives restarts.
    var hybridCryptos: [HybridCrypto?] = []
    /// Per replica that will restart (`Fault.restart`), the messages it must not
    /// forget having sent (`Replica.mustPersist`), oldest first: its durable log.
    var sentLogs: [Int: [WireMessage]] = [:]
    var alive: [Bool]
    var cpus: [CPUModel]
    /// Per node, which firing of each timer is current.
    var timers: [TimerGenerations]
    var network: NetworkModel
    var machines: [ClientMachine] = []
    /// Machine index of every client, by client id (ids are dense from 1).
    var machineOfClient: [Int32] = [0]
    /// Index of every client in its machine's `clients`, by client id.
    var clientSlot: [Int32] = [0]
    let workload: Workload
    var partition: [Int]?  // group of each replica while partitioned
    /// Replicas up when the run starts: clients are only assigned to these.
    let upAtStart: [Int]
    let verifier: MessageVerifier
    /// Hybrid protocols: the modelled certificate scheme, and per replica its
    /// trusted counter and the meter of crypto work done inside core calls.
    let hybridKind: HybridCryptoKind?
    /// False when real hybrid crypto was handed in (no fault-free reference then:
    /// its CPU time is not charged, so the two runs would not compare).
    let modelledCrypto: Bool
    var meters: [CryptoMeter] = []
    /// Real hybrid cryptography, when the run uses it instead of the model.
    let realCrypto: (any HybridCryptoProvider)?
    /// Equivocation attempts the trusted counter refused (hybrid protocols).
    var equivocationsRefused = 0
    /// Debugging: the replica whose effects are printed (env DQBFT_TRACE=ID).
    let traced: Int? = ProcessInfo.processInfo.environment["DQBFT_TRACE"].flatMap { Int($0) }
    /// Client id whose requests and replies are traced to stderr (DQBFT_TRACE_CLIENT).
    let tracedClient: Int? = ProcessInfo.processInfo.environment["DQBFT_TRACE_CLIENT"].flatMap { Int($0) }
    let byzantine: [ByzantineBehaviour?]
    var metrics: Metrics
    var safety: SafetyChecker
    var liveness: LivenessChecker
    var history: HistoryWriter?
    var rng: SimRandom
    /// View changes a `relabel` replica passed off as its own: one that a correct
    /// replica's verifier accepts is a forged certificate, a safety violation.
    var relabelled: Set<WireMessage> = []
    /// Next never-disseminated D-slot a colluding O-primary orders, per partner.
    var collusionNext: [ReplicaID: UInt64] = [:]
    /// Per fuzzing replica, its generator of mutations (`Fuzz`).
    var fuzzRandoms: [Int: SimRandom] = [:]
    /// The effects buffer handed to every core call, kept with its capacity: an
    /// O-slot that executes many batches yields thousands of replies, and a fresh
    /// array would grow (and page-fault) to that size again on every call.
    var effects: [ReplicaEffect] = []
    /// Replies a dispatch gathers per client machine (empty between dispatches).
    var replyBuckets: [[ClientReply]] = []
    /// Execution shared by the replicas (nil with `sharedExecution` off).
    let executionMemo: SharedExecution?
    let frameOverhead = 4 + 32  // length prefix + MAC

    /// `realCrypto`, for hybrid protocols: real trusted subsystems and
    /// threshold-signature providers (e.g. `SoftwareHybridCluster`) instead of the
    /// modelled ones; equivocation attempts and rolled-back restarts act on them.
    /// Their CPU time is not charged to the model.
    public init(options: SimulationOptions, realCrypto: (any HybridCryptoProvider)? = nil) throws {
        try options.validate()
        self.options = options
        self.n = options.replicas
        let identities = Self.nodeIdentities(options), machineBase = identities.count
        self.identities = identities
        self.machineBase = machineBase
        let down = Self.downAtStart(options)
        self.upAtStart = (0..<options.replicas).filter { !down.contains($0) }
        guard let kind = ProtocolKind(rawValue: options.protocolName) else {
            throw SimulationError.invalidArgument("unknown protocol \(options.protocolName)")
        }
        var config = ClusterConfiguration(replicas: n, faultModel: kind.faultModel)
        config.mutant = options.mutant
        self.config = config
        self.end = SimTime(options.durationSeconds * 1e9)
        self.warmupEnd = SimTime(options.warmup * 1e9)
        var rng = SimRandom(seed: options.seed)
        let topology = try Topology.named(options.topology)
        let machineCount = min(topology.regionCount, options.clients)
        var region = identities.map { $0.index % topology.regionCount }
        region += (0..<machineCount).map { $0 % topology.regionCount }
        let nodeCount = machineBase + machineCount
        network = NetworkModel(nodeCount: nodeCount, region: region,
                               isClientMachine: (0..<nodeCount).map { $0 >= machineBase },
                               bandwidthMbps: options.bandwidthMbps,
                               clientBandwidthMbps: options.clientBandwidthMbps ?? options.bandwidthMbps * 10,
                               topology: topology, jitterNanos: options.faults.jitterNanos,
                               lossProbability: options.faults.lossProbability, rng: rng.fork())
        alive = Array(repeating: true, count: machineBase)
        cpus = Array(repeating: CPUModel(cores: options.cores), count: machineBase)
        timers = Array(repeating: TimerGenerations(), count: machineBase)
        workload = Workload(options: options)
        let hybridKind = Self.cryptoKind(of: kind)
        self.hybridKind = hybridKind
        self.modelledCrypto = realCrypto == nil || hybridKind == nil
        let threshold = config.quorum, executionThreshold = config.weakQuorum, costs = options.costs
        if realCrypto != nil, options.twins != nil { throw SimulationError.invalidArgument("twins run with the modelled crypto only") }
        if let realCrypto, realCrypto.replicaCount != n {
            throw SimulationError.invalidArgument("real crypto for \(realCrypto.replicaCount) replicas, but N=\(n)")
        }
        self.realCrypto = realCrypto
        verifier = MessageVerifier(config: config, signatures: ModelSignatures(),
                                   certificates: realCrypto?.crypto(for: ReplicaID(0)).scheme
                                       ?? hybridKind.map { ModelCertificateScheme(threshold: threshold, executionThreshold: executionThreshold,
                                                                                      kind: $0, costs: costs, meter: nil) })
        byzantine = (0..<machineBase).map { $0 < options.replicas ? options.faults.byzantine[ReplicaID($0)] : nil }
        metrics = Metrics(replicas: n, timeline: options.timeline, warmupEnd: SimTime(options.warmup * 1e9))
        safety = SafetyChecker(faulty: options.faults.permanentlyFaulty.union(options.faults.byzantine.keys)
            .union(options.twins?.twinned ?? []))
        liveness = LivenessChecker(options: options)
        if options.historyPath != nil || options.recordHistory {
            history = try HistoryWriter(path: options.historyPath, inMemory: options.recordHistory)
        }
        self.rng = rng
        executionMemo = options.sharedExecution ? SharedExecution() : nil

        let parameters = ReplicaParameters(
            batchSize: options.batchSize, batchTimeoutNanos: SimTime(options.batchTimeoutSeconds * 1e9),
            requestTimeoutNanos: SimTime(options.progressTimeoutSeconds * 1.5e9),
            pbft: PBFTParameters(checkpointInterval: options.checkpointInterval, windowSize: options.windowSize,
                                 progressTimeoutNanos: SimTime(options.progressTimeoutSeconds * 1e9),
                                 viewChangeTimeoutNanos: SimTime(options.viewChangeTimeoutSeconds * 1e9)),
            dq: DQParameters(floodFanout: options.floodFanout,
                             orderGateTimeoutNanos: SimTime(options.progressTimeoutSeconds * 1e9),
                             orderWatchNanos: SimTime(options.progressTimeoutSeconds * 1e9)))
        self.kind = kind
        for i in 0..<machineBase {
            let me = identities[i]
            if i >= n, options.twins?.independentTrustedSubsystems != true {
                // A twin shares its original's trusted subsystem: one counter for both.
                hybridCryptos.append(hybridCryptos[me.index])
                if hybridKind != nil { meters.append(meters[me.index]) }
                continue
            }
            var crypto: HybridCrypto?
            if let realCrypto, hybridKind != nil {
                crypto = realCrypto.crypto(for: ReplicaID(i))
                meters.append(CryptoMeter())
            } else if let hybridKind {
                let meter = CryptoMeter()
                let certifier = ModelCounterCertifier(me: me, kind: hybridKind, costs: options.costs, meter: meter)
                meters.append(meter)
                crypto = HybridCrypto(counter: certifier,
                                      scheme: ModelCertificateScheme(threshold: threshold, executionThreshold: executionThreshold,
                                                                     kind: hybridKind, costs: options.costs, meter: meter),
                                      execution: ModelExecutionSigner(me: me, costs: options.costs, meter: meter))
            }
            hybridCryptos.append(crypto)
        }
        self.replicaParameters = parameters
        replicas = (0..<machineBase).map(freshReplica)
        for (_, fault) in options.faults.events {
            switch fault {
            case .restart(let r), .restartRolledBack(let r): sentLogs[r.index] = []
            default: break
            }
        }
        // Clients spread round-robin over the machines (one per region).
        for m in 0..<machineCount {
            machines.append(ClientMachine(index: m, node: Int32(machineBase + m), rng: rng.fork()))
        }
        replyBuckets = Array(repeating: [], count: machineCount)
        let staggerSteps = UInt64(max(1, min(10, Int(options.warmup * 10))))
        for c in 0..<options.clients {
            let m = c % machineCount
            let id = ClientID(UInt64(c + 1))
            machineOfClient.append(Int32(m))
            var client = ClientMachine.Client(id: id, target: initialTarget(client: c, machine: m, regions: topology.regionCount))
            client.retransmitAt = (rng.next() % staggerSteps) * 100_000_000
            clientSlot.append(Int32(machines[m].clients.count))
            machines[m].clients.append(client)
        }
        if let lc = options.loadChange {
            // Extra clients that start at the load change, in every region but one.
            if let name = lc.exceptRegion, !topology.regionNames.contains(name) {
                throw SimulationError.invalidArgument("--load-change: unknown region '\(name)' (regions: \(topology.regionNames.joined(separator: ", ")))")
            }
            let start = SimTime(lc.time * 1e9)
            var next = options.clients
            for m in 0..<machineCount where topology.regionNames[m % topology.regionCount] != lc.exceptRegion {
                let existing = machines[m].clients.count
                let extra = Int((Double(existing) * (lc.factor - 1)).rounded())
                for k in 0..<extra {
                    next += 1
                    let id = ClientID(UInt64(next))
                    machineOfClient.append(Int32(m))
                    var client = ClientMachine.Client(id: id, target: initialTarget(client: existing + k, machine: m,
                                                                                     regions: topology.regionCount))
                    client.retransmitAt = start + (rng.next() % 5) * 20_000_000
                    clientSlot.append(Int32(machines[m].clients.count))
                    machines[m].clients.append(client)
                }
            }
        }
        for m in 0..<machineCount { queue.schedule(at: 0, .clientSweep(machine: Int32(m))) }
        for (i, f) in options.faults.events.enumerated() { queue.schedule(at: f.time, .fault(index: Int32(i))) }
        if let scenario = options.twins { startTwins(scenario) }
    }

    deinit { queue.removeAll() }

    /// PBFT clients start at the primary; multi-primary clients are assigned to a
    /// replica in their own region, spread evenly, among the replicas that are up
    /// when the run starts (replicas crashed at time 0 have no clients).
    func initialTarget(client c: Int, machine m: Int, regions: Int) -> ReplicaID {
        guard !kind.isSinglePrimary else { return ReplicaID(0) }
        let up = upAtStart
        let local = up.filter { $0 % regions == m % regions }
        let pool = local.isEmpty ? (up.isEmpty ? Array(0..<n) : up) : local
        return ReplicaID(pool[(c / max(1, regions)) % pool.count])
    }
}

extension Simulation {
    /// Moves the crypto work replica `i` did in its last core call onto its worker
    /// cores; what it sends leaves after that work is done.
    func afterCrypto(_ i: Int, _ done: SimTime) -> SimTime {
        guard hybridKind != nil else { return done }
        let work = meters[i].drain()
        return work == 0 ? done : cpus[i].offload(work, after: done)
    }

    /// Replicas the fault schedule crashes at time 0.
    static func downAtStart(_ options: SimulationOptions) -> Set<Int> {
        Set(options.faults.events.compactMap { e -> Int? in
            if e.time == 0, case .crash(let r) = e.fault { return r.index }
            return nil
        })
    }

    static func cryptoKind(of kind: ProtocolKind) -> HybridCryptoKind? {
        switch kind.faultModel {
        case .byzantine: return nil
        case .hybrid: return kind.usesExecutionProofs ? .threshSign : .trinx
        }
    }
}

extension Simulation {
    /// One line per replica describing where it is (for debugging and tests).
    public var replicaStatus: [String] {
        replicas.enumerated().map { i, r in
            "R\(i) alive=\(alive[i]) \(r.status)"
        }
    }
}
