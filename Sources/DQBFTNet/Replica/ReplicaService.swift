#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import DQBFTCore
import DQBFTCrypto
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Errors starting a replica.
public enum ReplicaServiceError: Error, CustomStringConvertible {
    case unknownReplica(Int)
    case dataDirectoryLocked(String)
    case alreadyStarted
    /// A listener could not be opened: what it was for, the address, and why.
    case cannotListen(role: String, address: String, reason: String)
    /// The data directory was used before but its log is gone: starting as a new
    /// replica could contradict votes it sent.
    case logMissing(String)
    /// The checkpoint snapshot does not match the certificate stored with it.
    case snapshotMismatch(String)
    /// The data directory is empty (or missing) and this is not declared a first
    /// start (`Options.startsNewReplica`).
    case dataDirectoryEmpty(String)
    /// The data directory belongs to another replica or another cluster.
    case dataDirectoryOfAnother(String, found: String, expected: String)

    public var description: String {
        switch self {
        case .cannotListen(let role, let address, let reason):
            return "cannot listen for \(role) on \(address): \(reason)"
        case .logMissing(let p):
            return "data directory \(p) was used before (lock file or snapshot present) but its write-ahead log is missing; "
                + "refusing to start as a new replica, which could contradict what it sent (move the directory away to really start afresh)"
        case .dataDirectoryEmpty(let p):
            return "data directory \(p) is empty: this replica has not run there before, or its log was lost. A replica "
                + "without its log could contradict the votes it sent, so it does not start by itself. If this is the "
                + "replica's first start, say so ('dqbft replica --new', ReplicaService.Options.startsNewReplica); if the log "
                + "was lost, restore it (a replica whose log is gone for good counts as one of the f faulty ones when it rejoins)"
        case .dataDirectoryOfAnother(let p, let found, let expected):
            return "data directory \(p) belongs to another replica or cluster ('\(found)' in \(p)/\(DataDirectoryIdentity.fileName)); "
                + "this replica is '\(expected)'"
        case .snapshotMismatch(let p): return "\(p): the state does not match the checkpoint certificate stored with it"
        case .unknownReplica(let i): return "replica \(i) is not in the cluster configuration"
        case .dataDirectoryLocked(let p): return "data directory \(p) is in use by another replica process"
        case .alreadyStarted: return "the replica service was already started"
        }
    }
}

/// One replica as a network service: a TCP listener for peers and clients,
/// authenticated outbound connections to every other replica, the protocol loop,
/// the write-ahead log and (optionally) a Prometheus `/metrics` endpoint.
/// Hosted by swift-service-lifecycle: `run()` serves until graceful shutdown
/// (SIGTERM/SIGINT in a `ServiceGroup`) or cancellation, then stops cleanly.
///
/// Guarantees: the core only ever sees authenticated, verified messages, one at a
/// time; every vote, proposal, checkpoint and view change it sends is fsynced to
/// `<dataDirectory>/wal` before it leaves (when a data directory is given); all
/// queues, frames and connection counts are bounded (see `Options`).
/// On restart the log is replayed into a fresh core (`Replica.restore(sent:)`):
/// the replica keeps the views it entered and the votes and proposals it sent;
/// the state of its newest stable checkpoint comes back from
/// `<dataDirectory>/checkpoint.snapshot` (written, with its certificate, each time
/// the stable checkpoint moves, before any log segment below it is deleted);
/// then it rejoins by `recover()` and, if behind, state transfer. So a restart of
/// every replica at once keeps every executed checkpoint. A corrupt log or
/// snapshot, or a used data directory without a log, stops `start` with an error
/// naming the file; a log write failure calls `Options.onFatal` (by default: exit).
public final class ReplicaService: Service, @unchecked Sendable {
    public struct Options: Sendable {
        /// Directory of the write-ahead log; nil runs without durability.
        public var dataDirectory: String?
        /// Port of the Prometheus endpoint (0 = any free port); nil = no endpoint.
        public var metricsPort: Int?
        public var metricsHost = "127.0.0.1"
        /// Address to listen on; nil = the host in the configuration file.
        public var listenHost: String?
        /// Most simultaneous inbound connections (pending handshakes + peers +
        /// clients); `ConnectionAdmission` splits them: `2 × (N − 1)` are reserved
        /// for replicas, as many for handshakes from replicas' configured hosts,
        /// `maxPendingHandshakes` for other handshakes in progress, the rest for clients.
        public var maxConnections = 1024
        /// Most connections whose handshake is in progress (0: a quarter of `maxConnections`).
        public var maxPendingHandshakes = 0
        /// Most connections of one client key.
        public var maxConnectionsPerClientKey = 4
        /// Most pending and client connections from one address that is not a
        /// replica's configured host (0: an eighth of `maxConnections`).
        public var maxConnectionsPerSource = 0
        /// How long an accepted connection may take to authenticate before it is closed.
        public var handshakeTimeout: TimeAmount = .seconds(5)
        /// A client connection with no traffic either way for this long is closed,
        /// freeing its slot (nil: never): connections whose client machine died
        /// without closing them. A live `DQBFTClient` reconnects at once.
        public var clientIdleTimeout: TimeAmount? = .seconds(300)
        /// Most messages of one inbound connection waiting for the protocol loop;
        /// beyond it the connection stops reading (TCP backpressure) until half drained.
        public var maxQueuedPerConnection = 4096
        public var verificationThreads = 2
        /// Network event loops when the service creates its own group; the protocol
        /// loop runs on the first of them (fewer thread hops per message).
        public var eventLoopThreads = 1
        public var peerLink = PeerLink.Options()
        /// Log segments rotate at this size (and at each stable checkpoint); a
        /// segment is deleted once every instance's stable checkpoint released it.
        public var walSegmentBytesMax = 64 << 20
        /// `.fsync` (default) survives power loss; `.write` only process crashes.
        public var walSyncMode = WriteAheadLog.SyncMode.fsync
        /// Least time between two checkpoint snapshots (each writes the whole state;
        /// log segments are deleted only with a snapshot). A vote beyond the window of
        /// the newest snapshot's checkpoints takes one at once: after a restart it
        /// would lie outside the restored window (`ReplicaLoop.outlivesSnapshot`).
        public var snapshotIntervalMs = 200
        /// Whether an empty or missing data directory may start as a new replica (its
        /// first start). Otherwise such a directory is refused
        /// (`ReplicaServiceError.dataDirectoryEmpty`): a replica whose log was wiped,
        /// or whose path is mistyped, would start with no memory of the votes it sent.
        public var startsNewReplica = false
        /// The file operations of the log and snapshots (tests inject failures here).
        public var logIO: any LogIO = PosixLogIO()
        /// Called once if the log or a snapshot cannot be written: durability is
        /// lost, and the replica has stopped sending. The default prints why and
        /// exits the process (status 74); a restart replays the log and is safe.
        public var onFatal: @Sendable (Error) -> Void = { error in
            let text = "dqbft replica: write-ahead log failed, exiting: \(error)\n"
            _ = text.withCString { systemWrite(2, $0, strlen($0)) }
            exit(74)
        }
        public init() {}
    }

    public let id: ReplicaID
    let cluster: ClusterFile
    /// The state machine every (re)start begins from.
    let app: any StateMachine
    let signer: Ed25519Signer
    let options: Options
    let logger: Logger
    let group: EventLoopGroup
    let ownsGroup: Bool
    public let metrics: ReplicaMetrics

    // Set by start(), read by stop(); guarded by `state`.
    struct Running {
        var verificationPool: NIOThreadPool
        var clientVerificationPool: NIOThreadPool
        var ioPool: NIOThreadPool
        var loop: ReplicaLoop
        var peers: [PeerLink]
        var listener: Channel
        var metricsServer: MetricsHTTPServer?
        var lockFD: Int32
        var admission: ConnectionAdmission
    }
    let state = LockedBox<Running?>(nil)
    let accepted = LockedBox<[ObjectIdentifier: Channel]>([:])

    /// - Parameter group: event loops for the network and the protocol loop (one of
    ///   them); nil creates `options.eventLoopThreads` threads.
    /// `app` is the replicated state machine, in its initial state (the same on every
    /// replica; the key-value store unless you bring your own): a replica that
    /// restarts begins from it and receives the executed state by state transfer.
    public init(cluster: ClusterFile, id: ReplicaID, privateKey: Curve25519.Signing.PrivateKey, options: Options = Options(),
                app: any StateMachine = KeyValueStore(),
                group: EventLoopGroup? = nil, logger: Logger = Logger(label: "dqbft.replica")) throws {
        guard id.index < cluster.n else { throw ReplicaServiceError.unknownReplica(id.index) }
        self.id = id
        self.app = app
        self.cluster = cluster
        self.signer = Ed25519Signer(me: id, privateKey: privateKey)
        self.options = options
        var logger = logger
        logger[metadataKey: "replica"] = "\(id)"
        self.logger = logger
        self.group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.eventLoopThreads))
        self.ownsGroup = group == nil
        self.metrics = ReplicaMetrics()
    }

    /// The port the listener is bound to (after `start`).
    public var listenPort: Int? { state.withLock { $0?.listener.localAddress?.port } }
    /// The port of the metrics endpoint (after `start`), if enabled.
    public var metricsPort: Int? { state.withLock { $0?.metricsServer?.port } }

    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    /// A socket error in words ("address already in use") rather than a raw errno dump.
    static func reason(_ error: any Error) -> String {
        if let e = error as? IOError {
            let text = String(cString: strerror(e.errnoCode)).lowercased()
            return e.errnoCode == EADDRINUSE ? text + " (another process, perhaps another replica, holds the port)" : text
        }
        return "\(error)"
    }

    /// Opens the log, binds the listener, connects to peers and starts the protocol.
    public func start() async throws {
        guard state.withLock({ $0 == nil }) else { throw ReplicaServiceError.alreadyStarted }
        let config = cluster.configuration
        let verifier = cluster.verifier
        let entry = cluster.replicas[id.index]
        // Every instance's series exist from the start, at view 0 (a log replay below may move them).
        metrics.buildInfo(protocol: cluster.protocol)
        let kind = cluster.protocolKind
        let instances = (kind == .rcc ? [] : [InstanceID.main])
            + (kind.isDQ || kind == .rcc ? (0..<cluster.n).map { InstanceID(rawValue: UInt16($0)) } : [])
        for instance in instances { metrics.instanceEnteredView(instance, .zero, counts: false) }

        var wal: WriteAheadLog?
        var lockFD: Int32 = -1
        var restored = 0
        var viewRecords: [InstanceID: [UInt8]] = [:]
        var startEffects: [ReplicaEffect] = []
        var snapshotPath: String?
        var replica = Replica(me: id, config: config, parameters: cluster.parameters, protocol: cluster.protocolKind,
                              app: app, signer: signer, seed: UInt64.random(in: 0...UInt64.max))
        if let dir = options.dataDirectory {
            try WriteAheadLog.makeDirectory(dir)
            let used = access(dir + "/LOCK", F_OK) == 0
            snapshotPath = dir + "/checkpoint.snapshot"
            lockFD = open(dir + "/LOCK", O_RDWR | O_CREAT, 0o600)
            guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
                if lockFD >= 0 { close(lockFD) }
                throw ReplicaServiceError.dataDirectoryLocked(dir)
            }
            do throws(any Error) {
                let recovery = try WriteAheadLog.recover(directory: dir + "/wal", io: options.logIO)
                let snapshot = try SnapshotFile.read(snapshotPath!, io: options.logIO).map { bytes in
                    do { return try CheckpointSnapshot.decode(bytes) } catch {
                        throw StorageError.corrupt(path: snapshotPath!, reason: "\(error)")
                    }
                }
                let identity = DataDirectoryIdentity.line(cluster: cluster, id: id)
                let recorded = DataDirectoryIdentity.recorded(in: dir)
                if let recorded, recorded != identity {
                    throw ReplicaServiceError.dataDirectoryOfAnother(dir, found: recorded, expected: identity)
                }
                if recovery.segments == 0 && (used || snapshot != nil || recorded != nil) { throw ReplicaServiceError.logMissing(dir) }
                if recovery.segments == 0 && !options.startsNewReplica {
                    unlink(dir + "/LOCK")  // created just now: leave the directory as it was
                    throw ReplicaServiceError.dataDirectoryEmpty(dir)
                }
                (restored, viewRecords) = Self.restore(&replica, from: recovery.records)
                if let snapshot {
                    guard replica.restore(snapshot: snapshot.state, certificates: snapshot.certificates,
                                          into: &startEffects)
                    else { throw ReplicaServiceError.snapshotMismatch(snapshotPath!) }
                }
                logger.info("write-ahead log replayed", metadata: [
                    "records": "\(recovery.records.count)", "restored": "\(restored)", "segments": "\(recovery.segments)",
                    "tornTail": "\(recovery.tornTail)", "snapshot": "\(snapshot.map { "\($0.state.sequence)" } ?? "none")",
                    "state": "\(replica.composition.status)"])
                // Appends continue in the newest segment; what each recovered segment
                // still holds decides when a rotation may delete it.
                wal = try WriteAheadLog(directory: dir + "/wal", segmentBytesMax: options.walSegmentBytesMax,
                                        syncMode: options.walSyncMode, holds: Self.holds(of: recovery), io: options.logIO)
                // After the log exists: a crash in between leaves a log without this file (adopted next time).
                if recorded == nil { try DataDirectoryIdentity.record(identity, in: dir) }
            } catch {
                close(lockFD)
                throw error
            }
        }

        let verificationPool = NIOThreadPool(numberOfThreads: options.verificationThreads)
        verificationPool.start()
        // Client requests get their own threads: replica messages never wait behind them.
        let clientVerificationPool = NIOThreadPool(numberOfThreads: options.verificationThreads)
        clientVerificationPool.start()
        let ioPool = NIOThreadPool(numberOfThreads: 1)
        ioPool.start()
        let protocolLoop = group.next()
        let metrics = self.metrics, logger = self.logger
        let outbox = DurableOutbox(loop: protocolLoop, wal: wal, io: ioPool, logger: logger,
                                   onFatal: options.onFatal, onSynced: { records, nanos in
                                       metrics.walRecords.increment(by: Int64(records))
                                       metrics.walSyncLatency.recordNanoseconds(nanos)
                                   })
        let loop = ReplicaLoop(replica: replica, loop: protocolLoop, outbox: outbox, metrics: metrics, logger: logger)
        loop.restoredMessages = restored
        loop.viewRecords = viewRecords
        loop.snapshotPath = snapshotPath
        loop.snapshotSequence = replica.lastExecuted
        loop.restorableLows = ReplicaLoop.certifiedLows(replica.composition.stableProofs)
        loop.snapshotIntervalNanos = Int64(max(0, options.snapshotIntervalMs)) * 1_000_000
        loop.startEffects = startEffects

        var links: [PeerLink?] = Array(repeating: nil, count: cluster.n)
        for peer in cluster.replicas where peer.id != id.index {
            var security = SecureChannelConfiguration(local: .replica(signer), isInitiator: true,
                                                      expectedPeer: ReplicaID(peer.id), acceptsClients: false,
                                                      verifier: verifier, replicaCount: cluster.n)
            security.encryptsFrames = cluster.encryptsFrames
            links[peer.id] = PeerLink(peer: ReplicaID(peer.id), host: peer.host, port: peer.port, eventLoop: group.next(),
                                      security: security, options: options.peerLink, logger: logger)
        }
        loop.start(peers: links)
        for link in links { link?.start() }

        let warnings = LogRateLimiter()
        var inboundSecurity = SecureChannelConfiguration(local: .replica(signer), isInitiator: false, expectedPeer: nil,
                                                         acceptsClients: true, verifier: verifier, replicaCount: cluster.n,
                                                         handshakeTimeout: options.handshakeTimeout)
        inboundSecurity.warnings = warnings
        inboundSecurity.encryptsFrames = cluster.encryptsFrames
        let messageVerifier = cluster.messageVerifier
        let accepted = self.accepted
        let admission = ConnectionAdmission(maxConnections: options.maxConnections, replicaCount: cluster.n,
                                            maxPending: options.maxPendingHandshakes,
                                            maxPerClientKey: options.maxConnectionsPerClientKey,
                                            maxPerSource: options.maxConnectionsPerSource,
                                            replicaHosts: Set(cluster.replicas.filter { $0.id != id.index }.map(\.host)))
        let clientBudget = ClientVerificationBudget()
        let clientIdleTimeout = options.clientIdleTimeout, maxInflight = options.maxQueuedPerConnection
        // An authenticated connection keeps its slot only if admission grants one;
        // a replica's newest connection may evict its oldest.
        let admit: @Sendable (Channel, SecureChannelEstablished) -> Bool = { channel, established in
            switch admission.authenticated(ObjectIdentifier(channel), peer: established.peer, clientKey: established.clientKey) {
            case .refused: return false
            case .admitted(let evict):
                if let evict, let old = accepted.withLock({ $0[evict] }) { old.close(promise: nil) }
                return true
            }
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                guard admission.accept(id, remote: channel.remoteAddress?.ipAddress) else {
                    warnings.warning("too many connections, refusing", metadata: ["remote": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                                                                                  "occupancy": "\(admission.occupancy)"], logger: logger)
                    return channel.close()
                }
                accepted.withLock { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in
                    accepted.withLock { _ = $0.removeValue(forKey: id) }
                    admission.close(id)
                }
                return channel.eventLoop.makeCompletedFuture {
                    let handler = InboundHandler(core: loop, verifier: messageVerifier, verificationPool: verificationPool,
                                                 limits: .default, metrics: metrics, logger: logger, clientBudget: clientBudget,
                                                 warnings: warnings, clientVerificationPool: clientVerificationPool,
                                                 clientIdleTimeout: clientIdleTimeout, maxInflight: maxInflight, admit: admit)
                    try channel.pipeline.syncOperations.addSecureFraming(inboundSecurity, logger: logger, then: handler)
                }
            }
        let listener: Channel
        var metricsServer: MetricsHTTPServer?
        do {
            let host = options.listenHost ?? entry.host
            do { listener = try await bootstrap.bind(host: host, port: entry.port).get() } catch {
                throw ReplicaServiceError.cannotListen(role: "peers and clients (replica \(id.rawValue))",
                                                       address: "\(host):\(entry.port)", reason: Self.reason(error))
            }
            do {
                if let port = options.metricsPort {
                    metricsServer = try await MetricsHTTPServer.start(host: options.metricsHost, port: port,
                                                                      registry: metrics.registry, group: group,
                                                                      health: { [weak self] in self?.healthFuture() })
                }
            } catch {
                try? await listener.close()
                throw ReplicaServiceError.cannotListen(role: "metrics (replica \(id.rawValue), --metrics-port)",
                                                       address: "\(options.metricsHost):\(options.metricsPort ?? 0)",
                                                       reason: Self.reason(error))
            }
        } catch {
            // Undo everything started so far, so a failed start leaks nothing.
            try? await loop.stop().get()
            for link in links { try? await link?.close().get() }
            try? await verificationPool.shutdownGracefully()
            try? await clientVerificationPool.shutdownGracefully()
            try? await ioPool.shutdownGracefully()
            if lockFD >= 0 { close(lockFD) }
            throw error
        }
        state.withLock {
            $0 = Running(verificationPool: verificationPool, clientVerificationPool: clientVerificationPool, ioPool: ioPool, loop: loop,
                         peers: links.compactMap { $0 }, listener: listener, metricsServer: metricsServer, lockFD: lockFD,
                         admission: admission)
        }
        // Gauges fed from the links, refreshed every second on the protocol loop.
        let droppedSeen = LockedBox<[ReplicaID: Int]>([:])
        protocolLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { task in
            guard let running = self.state.withLock({ $0 }) else { task.cancel(); return }
            running.loop.publishRejections()
            let depth = running.peers.reduce(0) { $0 + $1.queueDepth.withLock { $0 } }
            metrics.peerQueueDepth.set(Double(depth))
            for peer in running.peers {
                let dropped = peer.dropped.withLock { $0 }
                let before = droppedSeen.withLock { seen in defer { seen[peer.peer] = dropped }; return seen[peer.peer] ?? 0 }
                metrics.peer(peer.peer, connected: peer.isUp.withLock { $0 }, queued: peer.queueDepth.withLock { $0 },
                             droppedSinceLast: max(0, dropped - before))
            }
        }

        logger.info("replica started", metadata: ["listen": "\(listener.localAddress.map { "\($0)" } ?? "?")",
                                                  "metrics": "\(metricsServer.map { "\($0.port)" } ?? "off")",
                                                  "protocol": "\(cluster.protocol)", "n": "\(cluster.n)", "f": "\(cluster.f)"])
    }

    /// Hands the replica the messages it logged before a restart (records of kind 1,
    /// see `ReplicaLoop.sentRecord`), oldest first; returns how many it took and,
    /// per instance, the record of the last view change or new view among them.
    /// Records that do not decode are skipped: the log's checksums already
    /// rejected torn writes, so such a record comes from an incompatible version.
    static func restore(_ replica: inout Replica, from records: [[UInt8]])
        -> (restored: Int, viewRecords: [InstanceID: [UInt8]]) {
        var restored = 0
        var viewRecords: [InstanceID: [UInt8]] = [:]
        for record in records where record.count > 3 && record[0] == 1 {
            guard let message = try? WireMessage.decode(Array(record[3...])) else { continue }
            replica.restore(sent: message)
            restored += 1
            if let instance = ReplicaLoop.viewInstance(of: message) { viewRecords[instance] = record }
        }
        return (restored, viewRecords)
    }

    /// What each recovered log segment's records still need (`ReplicaLoop.pin`);
    /// a record that does not decode keeps its segment for good.
    static func holds(of recovery: LogRecovery) -> [UInt64: SegmentHold] {
        var holds: [UInt64: SegmentHold] = [:]
        var next = 0
        for (index, count) in recovery.segmentRecords {
            var hold = SegmentHold()
            for record in recovery.records[next..<(next + count)] {
                if record.count > 3, record[0] == 1, let m = try? WireMessage.decode(Array(record[3...])) {
                    hold.add(ReplicaLoop.pin(of: m))
                } else {
                    hold.add(.permanent)
                }
            }
            holds[index] = hold
            next += count
        }
        return holds
    }

    /// Where the replica is (after `start`).
    /// Where this replica stands, as `/status` shows it; nil when not running.
    public func health() async throws -> ServiceHealth? {
        try await healthFuture()?.get()
    }

    func healthFuture() -> EventLoopFuture<ServiceHealth>? {
        guard let running = state.withLock({ $0 }) else { return nil }
        let up = running.peers.filter { $0.isUp.withLock { $0 } }.map(\.peer)
        let down = running.peers.filter { !$0.isUp.withLock { $0 } }.map(\.peer)
        let (id, name, quorum, directory) = (id, cluster.protocol, cluster.configuration.quorum, options.dataDirectory)
        let connections = running.admission.occupancy
        let ioPool = running.ioPool
        return running.loop.status().flatMap { status in
            var health = ServiceHealth(replica: id, protocol: name, quorum: quorum, status: status, peersUp: up, peersDown: down)
            health.client_connections = connections.clients
            health.pending_connections = connections.pending
            guard let directory else { return running.loop.loop.makeSucceededFuture(health) }
            // The file system is read on the I/O thread, never on the protocol loop.
            return ioPool.runIfActive(eventLoop: running.loop.loop) {
                health.measureDisk(dataDirectory: directory)
                return health
            }
        }
    }

    public func status() async throws -> ReplicaStatus {
        guard let loop = state.withLock({ $0?.loop }) else { throw ChannelError.ioOnClosedChannel }
        return try await loop.status().get()
    }

    /// Stops serving: closes every connection, cancels timers, releases the log.
    public func stop() async {
        guard let running = state.withLock({ s -> Running? in defer { s = nil }; return s }) else { return }
        try? await running.loop.stop().get()
        try? await running.listener.close()
        for peer in running.peers { try? await peer.close().get() }
        for channel in accepted.withLock({ Array($0.values) }) { try? await channel.close() }
        await running.metricsServer?.close()
        try? await running.verificationPool.shutdownGracefully()
        try? await running.clientVerificationPool.shutdownGracefully()
        try? await running.ioPool.shutdownGracefully()
        if running.lockFD >= 0 { close(running.lockFD) }
        if ownsGroup { try? await group.shutdownGracefully() }
        logger.info("replica stopped")
    }
}
