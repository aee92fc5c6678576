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
    var timerGenerations: [[ReplicaTimer: UInt32]]
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
        timerGenerations = Array(repeating: [:], count: machineBase)
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

    // MARK: - Running

    /// Runs to the end of virtual time and returns the report.
    public func run() throws -> SimulationReport {
        let wallStart = DispatchTime.now().uptimeNanoseconds
        var lastProgress = wallStart
        var nextProgressCheck: SimTime = 1_000_000_000
        while let event = queue.pop() {
            if event.time > end { break }
            now = event.time
            metrics.events += 1
            switch event.kind {
            case .deliver(let to, let packet):
                if Int(to) < machineBase { replicaReceives(Int(to), packet) } else { machineReceives(Int(to) - machineBase, packet) }
            case .timer(let node, let timer, let generation):
                let i = Int(node)
                guard alive[i], timerGenerations[i][timer] == generation else { continue }
                timerGenerations[i][timer] = generation &+ 1
                let busy = cpus[i].busyNanos
                let done = cpus[i].process(arrival: now, verify: 0, handle: UInt64(options.costs.messageReceiveNanos))
                var out = takeEffects()
                replicas[i].timerFired(timer, into: &out)
                dispatch(from: i, out, at: afterCrypto(i, done))
                returnEffects(&out)
                metrics.cpuByClass[TrafficClass.timer] += cpus[i].busyNanos - busy
            case .clientSweep(let m): sweep(Int(m))
            case .fault(let index): apply(options.faults.events[Int(index)].fault)
            case .round(let index): beginTwinsRound(Int(index))
            }
            if options.showProgress && now >= nextProgressCheck {
                nextProgressCheck += 1_000_000_000
                let wall = DispatchTime.now().uptimeNanoseconds
                if wall - lastProgress > 2_000_000_000 {
                    lastProgress = wall
                    FileHandle.standardError.write(Data(String(format: "  t=%.0fs/%.0fs  ops=%d  events=%d\n", Double(now) / 1e9,
                                                                options.durationSeconds, metrics.completed, metrics.events).utf8))
                }
            }
        }
        try finishHistory()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        return try makeReport(wallSeconds: wall)
    }

    // MARK: - Replicas

    func replicaReceives(_ i: Int, _ packet: Packet) {
        guard alive[i] else { return }
        let busy = cpus[i].busyNanos
        var out = takeEffects()
        defer {
            metrics.cpuByClass[packet.traffic] += cpus[i].busyNanos - busy
            returnEffects(&out)
        }
        if let message = packet.message {
            if i == traced {
                FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) R\(i) <- \(String(describing: message).prefix(200))\n".utf8))
            }
            if replicas[i].isRedundant(message) {
                _ = cpus[i].process(arrival: now, verify: 0, handle: options.costs.handleCost(message))
                return
            }
            // What the runtime checks, by the same rule (`MessageVerifier`); what it
            // costs is charged below.
            // A packet from a replica node comes over a channel authenticated as that
            // node's identity (a twin's is its original's); from a client machine, as
            // no replica.
            let sender = Int(packet.from)
            if !verifier.verify(message, channelPeer: sender < machineBase ? identities[sender] : nil) { return }
            if !relabelled.isEmpty, relabelled.contains(message), !safety.faulty.contains(identities[i]) {
                safety.forgeryAccepted("R\(i) accepted a view change that R\(packet.from) relabelled as its own")
            }
            let done = cpus[i].process(arrival: now, verify: options.costs.verifyCost(message, hybrid: hybridKind),
                                       handle: options.costs.handleCost(message))
            replicas[i].handle(message, into: &out)
            dispatch(from: i, out, at: afterCrypto(i, done))
            if case .relabel? = byzantine[i], let own = Relabel.asOwn(message, me: ReplicaID(i)) {
                if case .consensus(_, _, .hybrid(.viewChange)) = own { relabelled.insert(own) }
                send(own, from: i, to: (0..<n).filter { $0 != i }, at: done, behaviour: nil)
            }
        } else {
            let k = UInt64(packet.requests.count)
            let done = cpus[i].process(arrival: now, verify: k * UInt64(options.costs.hmacNanos),
                                       handle: k * UInt64(options.costs.messageReceiveNanos))
            for r in packet.requests { replicas[i].handle(.request(r), into: &out) }
            dispatch(from: i, out, at: afterCrypto(i, done))
        }
    }

    /// The shared effects buffer, empty, for one core call (`returnEffects` gives it back).
    @inline(__always) func takeEffects() -> [ReplicaEffect] {
        var out: [ReplicaEffect] = []
        swap(&out, &effects)
        return out
    }

    @inline(__always) func returnEffects(_ out: inout [ReplicaEffect]) {
        out.removeAll(keepingCapacity: true)
        swap(&out, &effects)
    }

    /// Replica `i` as built at the start of a run (genesis state, no memory).
    func freshReplica(_ i: Int) -> Replica {
        Replica(me: identities[i], config: config, parameters: replicaParameters, protocol: kind,
                signer: ModelSigner(me: identities[i]), hybrid: hybridCryptos[i], seed: options.seed &+ UInt64(i),
                executor: executionMemo ?? DirectExecution())
    }

    /// Carries out a replica's effects, after the Byzantine wrapper (if any) has
    /// rewritten them; sends leave when the CPU has finished producing them.
    func dispatch(from i: Int, _ effects: [ReplicaEffect], at start: SimTime) {
        let behaviour = byzantine[i]
        if sentLogs[i] != nil {
            for effect in effects {
                switch effect {
                case .send(let m, _), .broadcast(let m): if Replica.mustPersist(m) { sentLogs[i]!.append(m) }
                case .persist(let m): sentLogs[i]!.append(m)
                default: break
                }
            }
        }
        if i == traced {
            for e in effects {
                if case .reply = e { continue }
                FileHandle.standardError.write(Data("t=\(Double(now) / 1e9) R\(i) \(String(describing: e).prefix(300))\n".utf8))
            }
        }
        var t = start
        for effect in effects {
            switch effect {
            case .send(let m, let to):
                t = max(cpus[i].extend(by: options.costs.sendCost(m, recipients: 1)), start)
                send(m, from: i, to: [to.index], at: t, behaviour: behaviour)
            case .broadcast(let m):
                t = max(cpus[i].extend(by: options.costs.sendCost(m, recipients: n - 1)), start)
                send(m, from: i, to: (0..<n).filter { $0 != i }, at: t, behaviour: behaviour)
            case .reply(let r):
                replyBuckets[Int(machineOfClient[Int(r.client.rawValue)])].append(r)
            case .setTimer(let timer, let ns):
                let g = (timerGenerations[i][timer] ?? 0) &+ 1
                timerGenerations[i][timer] = g
                queue.schedule(at: start + ns, .timer(node: Int32(i), timer: timer, generation: g))
            case .cancelTimer(let timer):
                // Generations only grow, so a cancelled event can never match again.
                timerGenerations[i][timer, default: 0] &+= 1
            case .executed(let seq, let digest, let count):
                safety.executed(replica: identities[i], sequence: seq, digest: digest)
                if i < n { liveness.advanced(i, at: now) }
                t = cpus[i].extend(by: UInt64(Double(count) * options.costs.executePerRequestNanos))
            case .checkpointed(let seq, let digest): safety.checkpointed(replica: identities[i], sequence: seq, stateDigest: digest)
            case .stateInstalled:
                metrics.stateTransfers += 1
                if i < n { liveness.advanced(i, at: now) }
            case .viewChanged(let instance, let view):
                if !safety.faulty.contains(identities[i]) { metrics.views.insert("\(instance)/\(view.rawValue)") }
            case .persist: break  // logged above, when the replica's log is kept
            }
        }
        for m in replyBuckets.indices where !replyBuckets[m].isEmpty {
            var replies: [ClientReply] = []
            swap(&replies, &replyBuckets[m])
            if case .silent = behaviour { continue }
            switch behaviour {
            case .withholdProofs?: replies.removeAll { $0.proof != nil }
            case .lyingCollector?: for k in replies.indices where replies[k].proof != nil { replies[k].proof!.signature[0] ^= 0xFF }
            default: break
            }
            if replies.isEmpty { continue }
            let size = replies.reduce(frameOverhead) { $0 + 2 + $1.encodedSize }
            t = max(cpus[i].extend(by: UInt64(options.costs.messageSendNanos + options.costs.hmacNanos)), start)
            transmit(Packet(from: Int32(i), replies: replies, size: size), from: i, to: machineBase + m, at: t)
        }
    }

    func send(_ m: WireMessage, from i: Int, to targets: [Int], at t: SimTime, behaviour: ByzantineBehaviour?) {
        let size = m.encodedSize + frameOverhead
        switch behaviour {
        case nil:
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .silent: return
        case .fuzz: sendFuzzed(m, from: i, to: targets, at: t)
        case .dropTo(let victims):
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets where !victims.contains(ReplicaID(j)) { transmit(packet, from: i, to: j, at: t) }
        case .slow(let delay):
            let packet = Packet(from: Int32(i), message: m, size: size)
            // Held back after the links, not sent in the future: reserving the
            // receivers' downlinks `delay` ahead stalled every other sender behind it.
            for j in targets { transmit(packet, from: i, to: j, at: t, holdNanos: delay) }
        case .withhold:
            let packet = Packet(from: Int32(i), message: m, size: size)
            var receivers = targets
            if case .consensus(_, _, .prePrepare) = m { receivers = Array(targets.prefix(config.quorum - 1)) }
            for j in receivers { transmit(packet, from: i, to: j, at: t) }
        case .collude(let partner):
            var message = m
            if case .consensus(let from, let instance, .prePrepare(var pp)) = m, case .order(let batch) = pp.payload {
                let highest = batch.refs.filter { $0.replica == partner }.map(\.sequence.rawValue).max() ?? 0
                let next = max(collusionNext[partner] ?? 1, highest + 1)
                collusionNext[partner] = next + 1
                pp.payload = .order(OrderBatch(refs: batch.refs + [DSlotRef(replica: partner, sequence: SequenceNumber(next))]))
                message = .consensus(from: from, instance: instance, .prePrepare(pp))
            }
            let packet = Packet(from: Int32(i), message: message, size: message.encodedSize + frameOverhead)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .relabel:
            guard !Relabel.suppresses(m) else { return }
            let packet = Packet(from: Int32(i), message: m, size: size)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .badShares, .lyingCollector, .withholdProofs:
            guard let forged = Equivocation.hybridFault(m, behaviour: behaviour!) else { return }
            let packet = Packet(from: Int32(i), message: forged, size: forged.encodedSize + frameOverhead)
            for j in targets { transmit(packet, from: i, to: j, at: t) }
        case .equivocate:
            let honest = Packet(from: Int32(i), message: m, size: size)
            if hybridKind != nil {
                // A hybrid replica cannot equivocate: its trusted counter refuses to
                // certify a second message for the same value. Try, and count refusals.
                if Equivocation.attemptHybrid(m, certifier: hybridCryptos[i]!.counter) { equivocationsRefused += 1 }
                for j in targets { transmit(honest, from: i, to: j, at: t) }
                return
            }
            let forged = Equivocation.conflicting(m).map { Packet(from: Int32(i), message: $0, size: $0.encodedSize + frameOverhead) }
            for j in targets {
                transmit(j >= n / 2 ? (forged ?? honest) : honest, from: i, to: j, at: t)
            }
        }
    }

    func transmit(_ packet: Packet, from i: Int, to j: Int, at t: SimTime, holdNanos: SimTime = 0) {
        if twins != nil { transmitWithTwins(packet, from: i, to: j, at: t, holdNanos: holdNanos); return }
        if let groups = partition, i < n, j < n, groups[i] != groups[j] { return }
        link(packet, from: i, to: j, at: t, holdNanos: holdNanos)
    }

    /// Puts `packet` on the wire from node `i` to node `j`.
    func link(_ packet: Packet, from i: Int, to j: Int, at t: SimTime, holdNanos: SimTime = 0) {
        if i < n { metrics.sent(by: i, bytes: packet.size, traffic: packet.traffic) }
        guard let arrival = network.transmit(from: i, to: j, size: packet.size, at: t) else { return }
        queue.schedule(at: arrival + holdNanos, .deliver(to: Int32(j), packet: packet))
    }

    // MARK: - Faults

    func apply(_ fault: Fault) {
        switch fault {
        case .crash(let r):
            alive[r.index] = false
            for key in Array(timerGenerations[r.index].keys) { timerGenerations[r.index][key]! &+= 1 }
        case .restartRolledBack(let r):
            guard !alive[r.index] else { return }
            if let realCrypto, hybridKind != nil {
                // The real subsystem restarts from an old sealed state; what it decides
                // (refusal, when it detects the rollback) is what the restarted replica gets.
                hybridCryptos[r.index] = realCrypto.restartRolledBack(r)
            } else if let model = hybridCryptos[r.index]?.counter as? ModelCounterCertifier {
                model.rolledBack = true
            }
            apply(.restart(r))
        case .restart(let r):
            // Amnesia: only the durable log (and, for hybrid protocols, the trusted
            // subsystem in `hybridCryptos`, which `freshReplica` hands over) survives.
            guard !alive[r.index] else { return }
            var fresh = freshReplica(r.index)
            for m in sentLogs[r.index] ?? [] { fresh.restore(sent: m) }
            replicas[r.index] = fresh
            apply(.resume(r))
        case .resume(let r):
            guard !alive[r.index] else { return }
            alive[r.index] = true
            cpus[r.index].loopFree = now
            var out: [ReplicaEffect] = []
            replicas[r.index].recover(into: &out)
            dispatch(from: r.index, out, at: afterCrypto(r.index, now))
        case .partition(let groups):
            var g = Array(repeating: groups.count, count: machineBase)
            for (k, members) in groups.enumerated() { for r in members { g[r.index] = k } }
            partition = g
        case .heal: partition = nil
        case .slowCPU(let r, let factor): cpus[r.index].slowdown = factor
        }
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
