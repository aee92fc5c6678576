import DequeModule

/// A replica: admits client requests, batches the ones it proposes, hands
/// consensus messages to its composition (single-primary PBFT, DQPBFT or RCC),
/// executes the composition's execution slots in order against the state machine,
/// deduplicates clients, replies, takes checkpoints and transfers state when it
/// falls behind.
///
/// Pure: every input returns effects through `out`; it never reads a clock or does
/// I/O. Guarantees: executes each execution slot exactly once and in order (a
/// state transfer replaces a prefix); each `(client, timestamp)` executes at most
/// once; a checkpoint's state digest is agreed by a quorum before the log below it
/// is forgotten; state from a peer is installed only if it matches a certified
/// checkpoint digest.
public struct Replica: Sendable {
    public let me: ReplicaID
    public let config: ClusterConfiguration
    public let parameters: ReplicaParameters
    public private(set) var composition: any Composition
    public private(set) var app: any StateMachine
    public private(set) var clients: ClientTable
    /// Highest execution slot executed (or installed by state transfer).
    public private(set) var lastExecuted: SequenceNumber = .zero

    /// Requests waiting to be proposed, in arrival order.
    public internal(set) var pending = Deque<ClientRequest>()
    /// Newest timestamp queued per client, to drop duplicates before proposing.
    var pendingTimestamps: [ClientID: UInt64] = [:]
    /// Requests the replica itself set aside (its composition counts the rest).
    var ownRejections = RejectionCounts()
    var batchTimerRunning = false
    /// Requests forwarded elsewhere that this replica waits to see executed.
    /// Each with the request-timer tick at which watching began: the timer ticks
    /// every half timeout, and a request raises suspicion only once three ticks have
    /// passed since (at least a whole timeout, as the first may come at once).
    var watched: [ClientID: (request: ClientRequest, since: UInt64)] = [:]
    var requestTick: UInt64 = 0
    var requestTimerRunning = false
    /// Execution slots handed over by the composition and not executed yet: behind
    /// the slot executing now, out of order, or above an awaited state
    /// (`Replica+CarryOut.swift`).
    var queued: [SequenceNumber: [Batch]] = [:]
    /// True while `executeQueued` executes: slots made executable meanwhile only queue.
    var draining = false
    /// The certified checkpoint this replica is fetching, if any.
    public internal(set) var awaitingState: (sequence: SequenceNumber, digest: Digest)?
    var stateSource = 0
    /// The chunks of the awaited state gathered so far (`Replica+StateTransfer.swift`).
    var assembly: StateAssembly?
    /// A peer's chunk of the state at a checkpoint newer than `awaitingState`, kept
    /// until this replica learns that checkpoint's certificate (see `onStateRequest`).
    var offeredChunk: (chunk: StateChunk, from: ReplicaID)?
    /// Per peer, the stable checkpoint whose chunk it was last offered (`onStateRequest`).
    var stateOffers: [ReplicaID: SequenceNumber] = [:]
    /// Encoded checkpoint states served to peers (encoded once per checkpoint).
    var encodedStates: [(sequence: SequenceNumber, bytes: [UInt8])] = []
    /// States at the stable checkpoint and every later one (copy-on-write values
    /// that share structure), for peers' state transfer.
    var checkpointStates: [(sequence: SequenceNumber, app: any StateMachine, clients: ClientTable, frontier: [UInt8])] = []
    /// Linear Hybster / Destiny: proven replies through an execution collector.
    var execution: ExecutionCertifier?
    /// Executes ordered slots (`DirectExecution`, or one shared by the replicas of
    /// one process: the simulator's).
    let executor: any SlotExecutor
    /// The executor's name for this replica's application state and client table.
    var lineage: UInt64 = 0
    /// Hybrid fault model: checkpoint states this replica logged durably before it
    /// voted for them, handed back by `restore(sent:)` after a restart
    /// (`Replica+DurableCheckpoints.swift`).
    var durableStates: [StateReply] = []

    public init(me: ReplicaID, config: ClusterConfiguration, parameters: ReplicaParameters = ReplicaParameters(),
                protocol kind: ProtocolKind = .pbft, app: any StateMachine = KeyValueStore(),
                signer: any ReplicaSigner, hybrid: HybridCrypto? = nil, seed: UInt64 = 0,
                executor: any SlotExecutor = DirectExecution()) {
        precondition(config.faultModel == kind.faultModel, "\(kind) runs under the \(kind.faultModel) fault model")
        precondition(kind.faultModel == .byzantine || hybrid != nil, "\(kind) needs a trusted subsystem (hybrid crypto)")
        precondition(hybrid.map { $0.scheme.threshold == config.quorum } ?? true,
                     "hybrid certificates must combine a quorum (\(config.quorum) of N=\(config.replicaCount)) shares")
        self.me = me
        self.config = config
        self.parameters = parameters
        self.executor = executor
        self.app = app
        self.clients = ClientTable(capacity: parameters.maxClients, replyBudget: parameters.maxStoredReplyBytes,
                                   evictionAge: parameters.clientEvictionAge)
        var app = app
        var clients = self.clients
        // The empty execution frontier: nothing executed (DQ: 12 zero bytes per D-instance).
        let emptyFrontier = [UInt8](repeating: 0, count: kind.isDQ ? 12 * config.replicaCount : 0)
        let genesis = Self.stateDigest(app: &app, clients: &clients).chained(with: Digest.of(emptyFrontier))
        self.app = app
        // Single-primary PBFT, Hybster and Linear Hybster re-send stalled proposals;
        // DQ and RCC recover them their own way (flooding, reinstating, probation).
        let pbft = { var p = parameters.pbft; p.retransmitsProposals = kind.isSinglePrimary; return p }()
        let makePBFT: InstanceFactory<PBFTInstance> = { id, primary, genesis in
            PBFTInstance(id: id, config: config, me: me, initialPrimary: primary, parameters: pbft, genesisDigest: genesis,
                         signer: signer)
        }
        let hybridParameters = HybridParameters(base: pbft, pattern: kind.commitPattern)
        let makeHybrid: InstanceFactory<HybridInstance> = { id, primary, genesis in
            HybridInstance(id: id, config: config, me: me, initialPrimary: primary, parameters: hybridParameters,
                           genesisDigest: genesis, signer: signer, crypto: hybrid!)
        }
        switch kind {
        case .pbft: composition = SinglePrimaryComposition(kind: kind, me: me, genesis: genesis, makeInstance: makePBFT)
        case .hybster, .linearhybster:
            composition = SinglePrimaryComposition(kind: kind, me: me, genesis: genesis, makeInstance: makeHybrid)
        case .dqpbft:
            composition = DQComposition(kind: kind, config: config, me: me, dq: parameters.dq, genesis: genesis, seed: seed,
                                        makeInstance: makePBFT)
        case .dqhybster, .destiny:
            composition = DQComposition(kind: kind, config: config, me: me, dq: parameters.dq, genesis: genesis, seed: seed,
                                        makeInstance: makeHybrid)
        case .rcc:
            composition = RCCComposition(config: config, me: me, pbft: parameters.pbft, genesis: genesis, signer: signer)
        }
        if kind.usesExecutionProofs, let hybrid { execution = ExecutionCertifier(me: me, config: config, crypto: hybrid) }
        checkpointStates = [(.zero, app, clients, composition.executionFrontier(at: .zero))]
    }

    /// The digest checkpoints agree on: application state plus client table.
    public static func stateDigest(app: inout any StateMachine, clients: inout ClientTable) -> Digest {
        app.stateDigest.chained(with: clients.digest)
    }

    /// The state digest at the execution slot just executed: application, client
    /// table and the composition's execution frontier.
    public var stateDigest: Digest {
        mutating get {
            Self.stateDigest(app: &app, clients: &clients).chained(with: Digest.of(composition.executionFrontier(at: lastExecuted)))
        }
    }

    // MARK: - Inputs

    /// True if `message` would change nothing here (a duplicate proposal or
    /// certificate): shells drop such messages before verifying them, which keeps
    /// flooded copies and repeated certificates from costing signature checks.
    /// Changes nothing; `mutating` so the check reaches the composition in place
    /// instead of copying the replica (it runs for every message).
    public mutating func isRedundant(_ message: WireMessage) -> Bool {
        switch message {
        case .consensus(_, let instance, let m): return composition.isRedundant(m, instance: instance)
        case .executionProof(_, let p): return execution?.isProven(p.sequence) ?? false
        default: return false
        }
    }

    /// Messages the replica, its composition and its instances set aside without
    /// acting on them, by reason (`Rejection`).
    public var rejections: RejectionCounts {
        var all = composition.rejections
        all.add(ownRejections)
        return all
    }

    /// Handles one authenticated message.
    public mutating func handle(_ message: WireMessage, into out: inout [ReplicaEffect]) {
        switch message {
        case .request(let r): onRequest(r, into: &out)
        case .reply: break
        case .consensus(let from, let instance, let m):
            step(into: &out) { $0.receive(m, instance: instance, from: from, into: &$1) }
        case .stateRequest(let from, let req): onStateRequest(req, from: from, into: &out)
        // A whole state is this replica's own record (its log or snapshot file,
        // `restore`); peers send chunks.
        case .stateReply: break
        case .stateChunk(let from, let chunk): onStateChunk(chunk, from: from, into: &out)
        case .executionShare(let from, let share): execution?.onShare(share, from: from, view: composition.replyView, into: &out)
        case .executionProof(_, let proof): execution?.onProof(proof)
        }
    }

    public mutating func timerFired(_ timer: ReplicaTimer, into out: inout [ReplicaEffect]) {
        switch timer {
        case .batch:
            batchTimerRunning = false
            proposeBatches(force: true, into: &out)
        case .request:
            requestTimerRunning = false
            requestTick += 1
            watched = watched.filter { (clients[$0.key]?.timestamp ?? 0) < $0.value.request.timestamp }
            var suspected = Set<ReplicaID>()
            let late = watched.values.sorted(by: { $0.request.client < $1.request.client })
                .filter { $0.since + 3 <= requestTick && suspected.insert($0.request.assignedReplica).inserted }
            step(into: &out) { composition, o in
                for (request, _) in late { composition.suspect(for: request, into: &o) }
            }
            armRequestTimer(into: &out)
        case .stateTransfer:
            guard let want = awaitingState else { break }
            // Peers forget states below their stable checkpoint: if a newer state
            // is certified by now, ask for that one instead.
            let stable = composition.stableState
            if stable.sequence > want.sequence, stable.sequence > lastExecuted {
                awaitingState = stable
                queued = queued.filter { $0.key > stable.sequence }
            }
            if !installOffered(into: &out) { requestState(into: &out) }
        case .instance, .orderGate, .orderWatch:
            step(into: &out) { $0.timerFired(timer, into: &$1) }
        }
    }

    /// After a crash: re-arm timers and announce where this replica is.
    public mutating func recover(into out: inout [ReplicaEffect]) {
        batchTimerRunning = false
        requestTimerRunning = false
        step(into: &out) { $0.recover(into: &$1) }
        if awaitingState != nil { requestState(into: &out) }
        armRequestTimer(into: &out)
        proposeBatches(force: false, into: &out)
    }

    /// Whether forgetting that this replica sent `message` could make it contradict
    /// itself after a restart (a proposal, vote, checkpoint or view change). A shell
    /// that restarts replicas logs these durably before they leave and hands them
    /// back to `restore(sent:)`.
    ///
    /// Hybrid replicas log what their trusted counter certified (PREPAREs, commit
    /// shares, VIEW-CHANGEs, NEW-VIEWs and their acknowledgements): a restarted
    /// replica's counter continues from where it stopped, and its next VIEW-CHANGE
    /// must show every certified message up to there. What it received and vouches
    /// for comes through `ReplicaEffect.persist`. Combined certificates re-sent to
    /// peers (commit and NEW-VIEW proofs) and retries of logged shares carry no new
    /// promise.
    public static func mustPersist(_ message: WireMessage) -> Bool {
        guard case .consensus(_, _, let m) = message else { return false }
        switch m {
        case .prePrepare, .prepare, .commit, .checkpoint, .viewChange, .newView: return true
        case .fetch, .payload, .status: return false
        case .hybrid(let h):
            switch h {
            case .prepare, .commit, .viewChange, .newView, .newViewAck: return true
            case .commitRetry, .commitProof, .newViewProof: return false
            }
        }
    }

    /// On a replica built from nothing after a restart, before `recover`: re-learns
    /// one message this replica sent before it (logged by `mustPersist`, replayed
    /// oldest first), so it keeps its views, votes and proposal slots. Messages
    /// signed by other replicas are ignored.
    public mutating func restore(sent message: WireMessage) {
        if case .stateReply(let from, let state) = message, from == me { return restoreCheckpointState(state) }
        guard case .consensus(let from, let instance, let m) = message, from == me else { return }
        composition.restore(sent: m, instance: instance)
    }

    /// Where this replica stands, for humans.
    public var status: String {
        "executed=\(lastExecuted.rawValue) pending=\(pending.count) awaiting=\(awaitingState.map { "\($0.sequence.rawValue)" } ?? "-") "
            + composition.status
    }

    // MARK: - Client requests

    mutating func onRequest(_ r: ClientRequest, into out: inout [ReplicaEffect]) {
        if let done = clients[r.client], r.timestamp <= done.timestamp {
            // A dropped reply (the table's byte budget) is answered like a lost one: not at all.
            guard r.timestamp == done.timestamp, !done.replyDropped else { return }
            if execution != nil {
                execution!.retransmission(of: r.client, timestamp: r.timestamp, request: done.request, result: done.reply,
                                          view: composition.replyView, into: &out)
            } else {
                out.append(.reply(ClientReply(client: r.client, timestamp: r.timestamp, request: done.request,
                                              view: composition.replyView, replica: me, result: done.reply)))
            }
            return
        }
        // A request the table will refuse is ordered all the same: only a refusal
        // that f+1 replicas give at one point of execution tells the client to re-sign.
        if composition.proposes(r) {
            guard pending.count < parameters.maxPendingRequests,
                  (pendingTimestamps[r.client] ?? 0) < r.timestamp else { return ownRejections.note(.requestNotQueued) }
            pendingTimestamps[r.client] = r.timestamp
            pending.append(r)
            proposeBatches(force: false, into: &out)
        } else {
            // Forward the request and watch that it executes in time.
            guard (watched[r.client]?.request.timestamp ?? 0) < r.timestamp else { return ownRejections.note(.duplicate) }
            watched[r.client] = (r, requestTick)
            if let target = composition.forwardTarget(for: r), target != me { out.append(.send(.request(r), to: target)) }
            armRequestTimer(into: &out)
        }
    }

    mutating func armRequestTimer(into out: inout [ReplicaEffect]) {
        guard !requestTimerRunning, !watched.isEmpty else { return }
        requestTimerRunning = true
        out.append(.setTimer(.request, afterNanos: max(1, parameters.requestTimeoutNanos / 2)))
    }

    /// Cuts full batches (or, when `force`, a partial one) while the composition
    /// lets this replica propose. (Not a `step`: the loop reads the replica's own
    /// queue between proposals.)
    mutating func proposeBatches(force: Bool, into out: inout [ReplicaEffect]) {
        var o = CompositionOutput()
        while composition.canPropose, !pending.isEmpty, force || pending.count >= parameters.batchSize {
            var requests: [ClientRequest] = []
            requests.reserveCapacity(min(pending.count, parameters.batchSize))
            while requests.count < parameters.batchSize, let r = pending.popFirst() {
                if pendingTimestamps[r.client] == r.timestamp { pendingTimestamps[r.client] = nil }
                if (clients[r.client]?.timestamp ?? 0) < r.timestamp { requests.append(r) }
            }
            if !requests.isEmpty { composition.propose(Batch(requests: requests), into: &o) }
        }
        if !pending.isEmpty && !batchTimerRunning {
            batchTimerRunning = true
            out.append(.setTimer(.batch, afterNanos: parameters.batchTimeoutNanos))
        }
        carryOut(o, into: &out)
    }

    // MARK: - Composition steps and execution (carrying out: Replica+CarryOut.swift)

    /// One input to the composition: a fresh output for `input`, then `carryOut`.
    @inline(__always)
    mutating func step(into out: inout [ReplicaEffect], _ input: (inout any Composition, inout CompositionOutput) -> Void) {
        var o = CompositionOutput()
        input(&composition, &o)
        carryOut(o, into: &out)
    }

    /// Executes one slot through the executor, answers its clients and, at a
    /// checkpoint, keeps the state there; returns the checkpoint's state digest
    /// (application, client table, execution frontier), nil if `seq` is no checkpoint.
    mutating func execute(_ seq: SequenceNumber, _ batches: [Batch], into out: inout [ReplicaEffect]) -> Digest? {
        precondition(seq == lastExecuted.advanced(by: 1), "execution slots run in order, without gaps (\(seq) after \(lastExecuted))")
        let view = composition.replyView  // once: reading it through the existential copies the replica
        let executedDigest = batches.count == 1 ? batches[0].digest : batches.reduce(Digest.zero) { $0.chained(with: $1.digest) }
        let checkpoint = composition.isCheckpoint(seq)
        var proven: [ClientReply] = []
        let outcome = executor.execute(OrderedSlot(sequence: seq, batches: batches, digest: executedDigest, isCheckpoint: checkpoint),
                                       app: &app, clients: &clients, lineage: &lineage)
        let count = outcome.results.count
        answer(batches, outcome.results, view: view, proven: &proven, into: &out)
        let stateDigest = outcome.stateDigest
        precondition(!checkpoint || stateDigest != nil, "the executor returned no state digest at checkpoint \(seq)")
        if execution != nil, let first = batches.first(where: { !$0.requests.isEmpty })?.requests.first {
            // The replica the first client is assigned to collects the execution shares.
            let collector = first.assignedReplica.index < config.replicaCount ? first.assignedReplica : ReplicaID(0)
            execution!.executed(seq, replies: proven, collector: collector, into: &out)
        }
        out.append(.executed(seq, executedDigest, requests: count))
        lastExecuted = seq
        guard checkpoint, let stateDigest else { return nil }
        let frontier = composition.executionFrontier(at: seq)
        let digest = stateDigest.chained(with: Digest.of(frontier))
        checkpointStates.append((seq, app, clients, frontier))
        pruneCheckpointStates()
        persistCheckpointState(seq, into: &out)
        out.append(.checkpointed(seq, stateDigest: digest))
        return digest
    }

    /// Answers the requests of `batches` that the execution ran (`results`, by
    /// position among the batches' requests, in order).
    mutating func answer(_ batches: [Batch], _ results: [ExecutedRequest], view: ViewNumber,
                         proven: inout [ClientReply], into out: inout [ReplicaEffect]) {
        var next = results.makeIterator()
        var pending = next.next()
        var index: Int32 = 0
        for batch in batches {
            for r in batch.requests {
                defer { index += 1 }
                guard let executed = pending, executed.index == index else { continue }
                replied(to: r, request: executed.request, result: executed.result, view: view, proven: &proven, into: &out)
                pending = next.next()
            }
        }
    }

    /// Answers (or, with execution proofs, queues the answer to) an executed request.
    @inline(__always)
    mutating func replied(to r: ClientRequest, request: Digest, result: [UInt8], view: ViewNumber,
                          proven: inout [ClientReply], into out: inout [ReplicaEffect]) {
        if !watched.isEmpty { watched[r.client] = nil }
        let reply = ClientReply(client: r.client, timestamp: r.timestamp, request: request, view: view, replica: me, result: result)
        if execution != nil { proven.append(reply) } else { out.append(.reply(reply)) }
    }

    // MARK: - State transfer (the rest: Replica+StateTransfer.swift)

    /// Installs a whole state (assembled from chunks, or this replica's own logged
    /// or snapshotted one) if it is the awaited one and decodes, within `limits`,
    /// to a state with the certified digest; true if installed.
    @discardableResult
    mutating func installState(_ rep: StateReply, limits: WireLimits = .default, into out: inout [ReplicaEffect]) -> Bool {
        guard let want = awaitingState, rep.sequence == want.sequence else { return false }
        var candidateApp = app
        var candidateClients: ClientTable
        let frontier: [UInt8]
        do {
            var r = try WireReader(rep.snapshot, limits: limits)
            try candidateApp.restore(from: try r.readBytes("app", limit: r.limits.maxFrameBytes), limits: limits)
            candidateClients = try ClientTable.decode(&r, capacity: parameters.maxClients,
                                                      replyBudget: parameters.maxStoredReplyBytes,
                                                      evictionAge: parameters.clientEvictionAge)
            frontier = try r.readBytes("frontier", limit: r.limits.maxFrameBytes)
            try r.expectEnd()
        } catch { return false }
        let installed = Self.stateDigest(app: &candidateApp, clients: &candidateClients)
        guard installed.chained(with: Digest.of(frontier)) == want.digest,
              (try? composition.installFrontier(frontier)) != nil else { return false }
        app = candidateApp
        clients = candidateClients
        executor.installed(sequence: want.sequence, stateDigest: installed, app: &app, clients: &clients, lineage: &lineage)
        lastExecuted = want.sequence
        awaitingState = nil
        assembly = nil
        if let offer = offeredChunk, offer.chunk.sequence <= lastExecuted { offeredChunk = nil }
        checkpointStates.append((want.sequence, app, clients, frontier))
        pruneCheckpointStates()
        persistCheckpointState(want.sequence, into: &out)
        out.append(.cancelTimer(.stateTransfer))
        out.append(.stateInstalled(want.sequence))
        step(into: &out) { $0.stateInstalled(want.sequence, into: &$1) }
        executeQueued(into: &out)
        return true
    }
}
