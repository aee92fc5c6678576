import DQBFTCore
import Logging
import NIOCore
import NIOPosix

/// The protocol loop: the one place a `Replica` lives. Every input (verified
/// message, timer) runs on one event loop, one at a time, and its effects are
/// carried out here.
///
/// Guarantees: the core sees inputs strictly one at a time; timers are real
/// scheduled tasks keyed by `ReplicaTimer` (setting one that is set replaces it,
/// a cancelled or replaced timer never fires); every message the replica sends
/// is encoded once, recorded in the write-ahead log if it is a vote, proposal,
/// checkpoint or view change, and leaves only after that record is fsynced
/// (group commit, `DurableOutbox`); replies go to the newest open connection of the
/// key that owns the client id (proven in its handshake), and are dropped (client
/// retries) if there is none. A connection of another key never takes over a route
/// (ids are derived from keys, so that needs a hash collision; it is refused), and
/// when the newest connection of a key closes, its older open one gets the replies.
final class ReplicaLoop: @unchecked Sendable {
    /// Most client keys routed to connections (bounds the routing table; one entry
    /// per key, whatever its lanes).
    static let maxClientRoutes = 1 << 16
    /// Most requests whose latency is being tracked.
    static let maxTrackedRequests = 1 << 16

    let loop: EventLoop
    let me: ReplicaID
    let n: Int
    let logger: Logger
    let metrics: ReplicaMetrics
    let allocator = ByteBufferAllocator()
    var replica: Replica
    var peers: [PeerLink?] = []
    let outbox: DurableOutbox

    /// Per client id base (one per key), its open connections, newest last.
    var clients: [ClientID: [ClientLink]] = [:]
    var arrivals: [ClientID: (timestamp: UInt64, at: NIODeadline)] = [:]
    /// Which firing of each timer is current, and the scheduled task of each armed one.
    var timers = TimerGenerations()
    var timerTasks: [ReplicaTimer: Scheduled<Void>] = [:]
    var effects: [ReplicaEffect] = []
    var stopped = false
    var stateTransfers = 0
    /// The protocol's rejection counts at the last metrics refresh.
    var rejectionsPublished = RejectionCounts()
    var stateChunksReceived = 0
    var stateBytesReceived = 0
    /// Per instance, the log record of the last VIEW-CHANGE or NEW-VIEW this
    /// replica sent: carried into each new log segment, so the view it left is
    /// never lost to segment deletion.
    var viewRecords: [InstanceID: [UInt8]] = [:]
    var restoredMessages = 0
    /// The newest view each instance entered (from `.viewChanged` effects).
    var instanceViews: [InstanceID: ViewNumber] = [:]
    /// Where the stable checkpoint's snapshot goes (nil: no data directory).
    var snapshotPath: String?
    /// The stable checkpoint whose snapshot was last handed to the outbox.
    var snapshotSequence = SequenceNumber.zero
    /// Least time between two snapshots (each writes the whole state).
    var snapshotIntervalNanos: Int64 = 200_000_000
    var lastSnapshotAt = NIODeadline.uptimeNanoseconds(0)
    /// A retry is scheduled for a stable checkpoint the interval held back.
    var snapshotRetryScheduled = false
    /// Per instance (its pin key), the stable checkpoint a restart brings back: the
    /// certificates in the newest snapshot handed to the outbox (or restored at start).
    var restorableLows: [UInt16: UInt64] = [:]
    /// The instances' window (`PBFTParameters.windowSize`).
    let windowSize: UInt64
    /// A vote recorded since the last snapshot lies beyond the window of
    /// `restorableLows`: the next snapshot may not wait for the interval.
    var snapshotOwed = false
    /// Effects of restoring the replica from its snapshot, carried out at `start`.
    var startEffects: [ReplicaEffect] = []

    init(replica: Replica, loop: EventLoop, outbox: DurableOutbox, metrics: ReplicaMetrics, logger: Logger) {
        self.replica = replica
        self.loop = loop
        self.me = replica.me
        self.n = replica.config.replicaCount
        self.outbox = outbox
        self.windowSize = replica.parameters.pbft.windowSize
        self.metrics = metrics
        self.logger = logger
    }

    // MARK: - Inputs (any thread)

    /// Starts the replica after a (re)start: the core re-arms its timers and asks
    /// peers where they are, which leads to state transfer if it is behind.
    func start(peers: [PeerLink?]) {
        loop.execute {
            self.peers = peers
            self.effects = self.startEffects
            self.startEffects = []
            self.replica.recover(into: &self.effects)
            self.process()
        }
    }

    /// Hands the core one verified message; `done` runs after it was handled.
    func deliver(_ message: WireMessage, fromClient: Bool, done: (@Sendable () -> Void)? = nil) {
        if loop.inEventLoop {
            // The connection shares the protocol loop: no task hop needed.
            handleDelivered(message, fromClient: fromClient)
            done?()
            return
        }
        loop.execute {
            self.handleDelivered(message, fromClient: fromClient)
            done?()
        }
    }

    func handleDelivered(_ message: WireMessage, fromClient: Bool) {
        guard !stopped else { return }
        if fromClient, case .request(let r) = message {
            metrics.requestsReceived.increment()
            if arrivals.count < Self.maxTrackedRequests || arrivals[r.client] != nil {
                arrivals[r.client] = (r.timestamp, .now())
            }
        }
        if case .stateChunk(_, let chunk) = message {
            stateChunksReceived += 1
            stateBytesReceived += chunk.bytes.count
        }
        if logger.logLevel <= .debug {
            // Say why a message changed nothing (`Rejection`): what the counts gained.
            let before = replica.rejections
            replica.handle(message, into: &effects)
            let reasons = replica.rejections.since(before)
            if !reasons.isEmpty {
                logger.debug("message set aside", metadata: ["message": "\(InboundHandler.summary(message))",
                                                             "reason": "\(reasons.map(\.description).joined(separator: ","))"])
            }
        } else {
            replica.handle(message, into: &effects)
        }
        process()
    }

    /// Adds what the protocol set aside since the last call to the labelled
    /// rejection counters (on the protocol loop, once a second).
    func publishRejections() {
        let now = replica.rejections
        guard now.total != rejectionsPublished.total else { return }
        for reason in now.since(rejectionsPublished) {
            metrics.protocolRejected(reason, count: now[reason] &- rejectionsPublished[reason])
        }
        rejectionsPublished = now
    }

    /// Runs `body` on the protocol loop: now if already there, else as a task.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }

    func registerClient(_ link: ClientLink) {
        onLoop {
            let routes = self.clients[link.base] ?? []
            guard !routes.isEmpty || self.clients.count < Self.maxClientRoutes else {
                self.logger.warning("client routing table full, closing connection", metadata: ["client": "\(link.base)"])
                link.channel.close(promise: nil)
                return
            }
            guard routes.allSatisfy({ $0.key == link.key }) else {
                self.logger.warning("another key claims a client id base in use, closing connection",
                                    metadata: ["client": "\(link.base)"])
                link.channel.close(promise: nil)
                return
            }
            self.clients[link.base] = routes + [link]
            self.metrics.clientConnections.increment()
        }
    }

    func unregisterClient(_ link: ClientLink) {
        onLoop {
            guard var routes = self.clients[link.base], routes.contains(where: { $0 === link }) else { return }
            routes.removeAll { $0 === link }
            if routes.isEmpty {
                self.clients[link.base] = nil
                for i in 0..<UInt64(link.lanes) { self.arrivals[ClientID(link.base.rawValue + i)] = nil }
            } else {
                self.clients[link.base] = routes
            }
            self.metrics.clientConnections.decrement()
        }
    }

    /// The connection replies to `client` go to: the newest of its key's that owns the id.
    func route(_ client: ClientID) -> ClientLink? {
        clients[ClientSignature.idBase(owning: client)]?.last { $0.owns(client) }
    }

    func status() -> EventLoopFuture<ReplicaStatus> {
        loop.submit {
            ReplicaStatus(lastExecuted: self.replica.lastExecuted, stateDigest: self.replica.stateDigest,
                          view: self.replica.composition.replyView,
                          awaitingState: self.replica.awaitingState != nil, stateTransfers: self.stateTransfers,
                          stateChunksReceived: self.stateChunksReceived, stateBytesReceived: self.stateBytesReceived,
                          restoredMessages: self.restoredMessages,
                          detail: self.replica.composition.status,
                          views: self.instanceViews.reduce(into: ["main": self.replica.composition.replyView.rawValue]) {
                              $0["\($1.key)"] = $1.value.rawValue
                          },
                          stableCheckpoint: self.replica.composition.stableState.sequence)
        }
    }

    func stop() -> EventLoopFuture<Void> {
        loop.submit {
            self.stopped = true
            for (_, task) in self.timerTasks { task.cancel() }
            self.timerTasks = [:]
            self.timers.cancelAll()
        }
    }

    // MARK: - Effects (on the loop)

    func timerFired(_ timer: ReplicaTimer, generation: UInt32) {
        guard !stopped, timers.fire(timer, generation: generation) else { return }
        timerTasks[timer] = nil
        replica.timerFired(timer, into: &effects)
        process()
    }

    /// Log record of a sent message: kind 1, destination (0xFFFF = all), message bytes.
    static func sentRecord(_ bytes: [UInt8], to: ReplicaID?) -> [UInt8] {
        let dest = to?.rawValue ?? 0xFFFF
        return [1, UInt8(dest >> 8), UInt8(truncatingIfNeeded: dest)] + bytes
    }

    func persist(_ message: WireMessage, _ record: [UInt8]) {
        let pin = Self.pin(of: message)
        outbox.record(record, pin: pin)
        if Self.outlivesSnapshot(pin, restorable: restorableLows, window: windowSize) { snapshotOwed = true }
        if let instance = Self.viewInstance(of: message) { viewRecords[instance] = record }
    }

    /// Whether the record pinned `pin` is a vote (proposal, checkpoint) for a slot
    /// beyond the window of the stable checkpoint a restart would bring back
    /// (`restorable`, per pin key).
    ///
    /// Why it matters: after every replica restarts, a view change decides from the
    /// highest restored stable checkpoint and looks only one window above it
    /// (`NewViewDecision`). A replica's stable checkpoint keeps moving between two
    /// snapshots (they are taken at most every `snapshotIntervalNanos`), and its
    /// window with it; a vote beyond the window of its last snapshot would be
    /// ignored after the restart, and a committed slot could be proposed anew — a
    /// write clients were told of lost (`DiskRestartTests`, snapshots trailing by a
    /// window). So such a vote makes the next snapshot due at once, and since it is
    /// requested before the vote is released, the vote leaves only after it.
    static func outlivesSnapshot(_ pin: LogPin, restorable: [UInt16: UInt64], window: UInt64) -> Bool {
        guard case .slot(let instance, let sequence) = pin, instance != executionPinKey else { return false }
        let (limit, overflow) = (restorable[instance] ?? 0).addingReportingOverflow(window)
        return !overflow && sequence > limit
    }

    /// Per instance (pin key), the sequence of its certificate in `proofs` (genesis: 0).
    static func certifiedLows(_ proofs: [(instance: InstanceID, checkpoints: [SignedCheckpoint])]) -> [UInt16: UInt64] {
        var lows: [UInt16: UInt64] = [:]
        for (instance, checkpoints) in proofs { lows[instance.rawValue] = checkpoints.first?.sequence.rawValue ?? 0 }
        return lows
    }

    /// The pin key of records that concern an execution slot rather than an
    /// instance's slot (no instance has this id: replica ids stay below 1024).
    static let executionPinKey: UInt16 = 0xFFFE

    /// How long the log must keep the record of `message` (sent by this replica):
    /// a vote, proposal or checkpoint until its instance's stable checkpoint reaches
    /// its slot; the last VIEW-CHANGE/NEW-VIEW of an instance is carried into every
    /// new segment (`viewRecords`), so its own segment need not be kept; anything
    /// else (the hybrid view-change messages) as long as the log exists.
    static func pin(of message: WireMessage) -> LogPin {
        // A hybrid replica's own checkpoint state (`ReplicaEffect.persist`): until
        // the stable checkpoint (whose snapshot is written first) reaches it.
        if case .stateReply(_, let state) = message { return .slot(instance: executionPinKey, sequence: state.sequence.rawValue) }
        guard case .consensus(_, let instance, let m) = message else { return .permanent }
        let i = instance.rawValue
        switch m {
        case .prePrepare(let pp): return .slot(instance: i, sequence: pp.sequence.rawValue)
        case .prepare(let v), .commit(let v): return .slot(instance: i, sequence: v.sequence.rawValue)
        case .checkpoint(let c): return .slot(instance: i, sequence: c.sequence.rawValue)
        case .viewChange, .newView: return .none
        case .hybrid(.prepare(let p)): return .slot(instance: i, sequence: p.sequence.rawValue)
        case .hybrid(.commit(let c)): return .slot(instance: i, sequence: c.sequence.rawValue)
        default: return .permanent
        }
    }

    /// Once the stable checkpoint moved: hands the outbox its snapshot (with the
    /// certificate) and a rotation that deletes the log segments every instance's
    /// stable checkpoint releases. The snapshot is written before any deletion.
    ///
    /// Each snapshot writes the whole state, so one is taken at most every
    /// `snapshotIntervalNanos` and never while the previous one is being written
    /// (a later stable checkpoint is snapshotted by a retry then). Segments are
    /// deleted only with a snapshot, by the low watermarks of its moment: the log
    /// never lacks what lies between the newest snapshot and now. A vote beyond the
    /// window of the newest snapshot's checkpoints (`snapshotOwed`, see
    /// `outlivesSnapshot`) makes the snapshot due at once, interval or not; the
    /// outbox runs it after the one in flight and before that vote leaves.
    func snapshotStableCheckpoint() {
        let stable = replica.composition.stableState.sequence
        guard !stopped, stable > snapshotSequence || snapshotOwed, let path = snapshotPath else { return }
        let now = NIODeadline.now()
        let wait = (lastSnapshotAt + .nanoseconds(snapshotIntervalNanos)) - now
        if !snapshotOwed && (outbox.rotationsInFlight > 0 || wait.nanoseconds > 0) {
            if !snapshotRetryScheduled {
                snapshotRetryScheduled = true
                loop.scheduleTask(in: max(wait, .milliseconds(10))) {
                    self.snapshotRetryScheduled = false
                    self.snapshotStableCheckpoint()
                }
            }
            return
        }
        guard let encodeState = replica.checkpointStateEncoder(at: stable) else { return }
        snapshotSequence = stable
        lastSnapshotAt = now
        snapshotOwed = false
        let proofs = replica.composition.stableProofs
        restorableLows = Self.certifiedLows(proofs)
        let encode: @Sendable () -> [UInt8] = {
            CheckpointSnapshot(state: encodeState(), certificates: proofs).encode()
        }
        var marks: [UInt16: UInt64] = [:]
        for (instance, seq) in replica.composition.lowWatermarks { marks[instance.rawValue] = seq.rawValue }
        marks[Self.executionPinKey] = stable.rawValue
        outbox.requestRotate(carrying: viewRecords.keys.sorted().map { viewRecords[$0]! }, releasing: marks,
                             snapshot: (path, encode))
    }

    /// The instance whose view `message` records, if it is a VIEW-CHANGE or NEW-VIEW
    /// (the records carried across log rotation).
    static func viewInstance(of message: WireMessage) -> InstanceID? {
        guard case .consensus(_, let instance, let m) = message else { return nil }
        switch m {
        case .viewChange, .newView: return instance
        default: return nil
        }
    }

    func process() {
        guard !effects.isEmpty else { return }
        var toPeers = [[ByteBuffer]](repeating: [], count: n)
        var toClients: [ObjectIdentifier: (ClientLink, [ByteBuffer])] = [:]
        var bytesOut = 0
        for effect in effects {
            switch effect {
            case .send(let m, let to):
                guard to.index < n, to != me else { continue }
                let bytes = m.encode()
                if Replica.mustPersist(m) { persist(m, Self.sentRecord(bytes, to: to)) }
                toPeers[to.index].append(allocator.buffer(bytes: bytes))
                bytesOut += bytes.count
            case .broadcast(let m):
                let bytes = m.encode()
                if Replica.mustPersist(m) { persist(m, Self.sentRecord(bytes, to: nil)) }
                let buffer = allocator.buffer(bytes: bytes)
                for i in 0..<n where i != me.index { toPeers[i].append(buffer) }
                bytesOut += bytes.count * (n - 1)
            case .reply(let r):
                if let a = arrivals[r.client], a.timestamp == r.timestamp {
                    arrivals[r.client] = nil
                    metrics.requestLatency.recordNanoseconds((NIODeadline.now() - a.at).nanoseconds)
                }
                guard let link = route(r.client) else { continue }
                let bytes = WireMessage.reply(r).encode()
                toClients[ObjectIdentifier(link), default: (link, [])].1.append(allocator.buffer(bytes: bytes))
                bytesOut += bytes.count
            case .setTimer(let timer, let nanos):
                timerTasks[timer]?.cancel()
                let generation = timers.arm(timer)
                timerTasks[timer] = loop.scheduleTask(in: .nanoseconds(Int64(min(nanos, UInt64(Int64.max))))) {
                    self.timerFired(timer, generation: generation)
                }
            case .cancelTimer(let timer):
                timers.cancel(timer)
                timerTasks.removeValue(forKey: timer)?.cancel()
            case .executed(let seq, _, let requests):
                metrics.batchesExecuted.increment()
                metrics.requestsExecuted.increment(by: Int64(requests))
                metrics.lastExecuted.set(Double(seq.rawValue))
            case .checkpointed: break  // observability for the simulator's safety checker
            case .persist(let m):
                // Logged like a sent message (replayed by `Replica.restore(sent:)`),
                // before anything that follows leaves.
                persist(m, Self.sentRecord(m.encode(), to: me))
            case .stateInstalled(let seq):
                metrics.stateTransfers.increment()
                stateTransfers += 1
                metrics.lastExecuted.set(Double(seq.rawValue))
                logger.info("installed state snapshot", metadata: ["sequence": "\(seq)"])
            case .viewChanged(let instance, let view):
                instanceViews[instance] = view
                metrics.view.set(Double(replica.composition.replyView.rawValue))
                metrics.instanceEnteredView(instance, view)
                logger.info("entered view", metadata: ["instance": "\(instance)", "view": "\(view)"])
            @unknown default:
                logger.debug("ignoring effect", metadata: ["effect": "\(effect)"])
            }
        }
        effects.removeAll(keepingCapacity: true)
        snapshotStableCheckpoint()
        metrics.bytesOut.increment(by: Int64(bytesOut))
        let hasPeerOutput = toPeers.contains { !$0.isEmpty }
        guard hasPeerOutput || !toClients.isEmpty else { return }
        let peers = self.peers, metrics = self.metrics
        outbox.release {
            for (i, frames) in toPeers.enumerated() where !frames.isEmpty && i < peers.count { peers[i]?.send(frames) }
            for (_, entry) in toClients {
                metrics.repliesSent.increment(by: Int64(entry.1.count))
                entry.0.write(entry.1) { lost in metrics.repliesDropped.increment(by: Int64(lost)) }
            }
        }
        metrics.outboxDepth.set(Double(outbox.queuedActions))
    }
}
