#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DQBFTCore
import DQBFTCrypto
import DQBFTNet
import Logging
import NIOCore
import NIOPosix

/// An application's handle on a replicated service.
///
/// `connect` opens an authenticated (replica-side) channel to every replica;
/// `submit` sends an operation to the current primary, waits for f+1 matching
/// replies, and on a timeout re-sends it to every replica (so backups forward it
/// and, if the primary is faulty, trigger a view change), doubling the timeout
/// each attempt until `operationTimeout`.
///
/// Guarantees: a returned result was produced by at least one correct replica
/// (f+1 identical replies from distinct, handshake-authenticated replicas); each
/// operation is submitted under one `(client id, timestamp)`, so retries never
/// execute it twice; up to `concurrency` operations run at once (one per client
/// lane), more wait for a free lane; cancelling the calling task ends the wait
/// with `CancellationError` (the operation may still execute). Every request is
/// signed with `Options.identity` (a fresh key unless given), whose key owns this
/// client's ids, so no replica can issue a request in this client's name when
/// the cluster requires client signatures (the default); the same key signs the
/// handshake of every connection, so no one else can have this client's replies
/// routed to them.
public actor DQBFTClient {
    public struct Options: Sendable {
        /// Operations that may be outstanding at once (client ids this client owns).
        public var concurrency = 1
        /// First wait for a reply quorum before re-sending to every replica.
        public var attemptTimeout: TimeAmount = .seconds(1)
        /// Longest wait between attempts.
        public var maxAttemptTimeout: TimeAmount = .seconds(8)
        /// Give up on an operation after this long.
        public var operationTimeout: TimeAmount = .seconds(30)
        /// How long `connect` waits for f+1 replicas to be reachable before it fails
        /// with `.unavailable`; nil returns at once (operations then wait, within their
        /// own deadlines, for replicas that come up later).
        public var connectTimeout: TimeAmount? = .seconds(5)
        /// The key that signs this client's requests and owns its client ids (nil:
        /// a fresh one per connection). Reuse one only with a single client at a
        /// time: two clients with one key would reuse each other's timestamps.
        public var identity: ClientSigningKey?
        /// A floor for each lane's first timestamp. Lanes start from the wall clock in
        /// nanoseconds anyway (so a key reused across runs is not answered from the
        /// replicas' reply cache); set this only to a value persisted from an earlier
        /// run if the clock may have been set back since.
        public var firstTimestamp: UInt64 = 0
        public init() {}
    }

    public let cluster: ClusterFile
    let options: Options
    let group: EventLoopGroup
    let ownsGroup: Bool
    nonisolated let collector: ReplyCollector
    nonisolated let links: [PeerLink]
    let base: UInt64
    let identity: ClientSigningKey
    let signsRequests: Bool
    var timestamps: [UInt64]
    /// The epoch requests name: the highest floor f+1 replicas named in a refusal.
    var epoch: UInt64 = 0
    var freeLanes: [Int]
    /// Per lane, the replica that proposes its requests (multi-leader protocols).
    var targets: [ReplicaID]
    var laneWaiters: [CheckedContinuation<Int, Never>] = []
    var closed = false
    var sweeper: RepeatedTask?

    func setSweeper(_ task: RepeatedTask) { sweeper = task }

    /// Where a lane's timestamps start: the wall clock in nanoseconds. Replicas
    /// execute a client's request only if its timestamp is above the last one they
    /// executed for that client id, and answer an old one from their cache; a
    /// client that reused its identity after a restart and counted from 0 again
    /// got old cached results for new operations. Starting from the clock keeps
    /// timestamps increasing across restarts without a file to persist (a lane
    /// would need more than 10^9 operations per second to outrun it), as long as
    /// the clock is not set back between two runs by more than the run lasted.
    static func firstTimestamp() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    init(cluster: ClusterFile, options: Options, group: EventLoopGroup?, logger: Logger) {
        precondition(options.concurrency >= 1 && UInt64(options.concurrency) <= ClientSignature.idsPerKey)
        self.cluster = cluster
        self.options = options
        let eventLoops = group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = eventLoops
        self.ownsGroup = group == nil
        let collector = ReplyCollector(quorum: cluster.configuration.replyQuorum)
        self.collector = collector
        let identity = options.identity ?? ClientSigningKey()
        self.identity = identity
        signsRequests = cluster.requiresClientSignatures
        let base = identity.idBase.rawValue
        self.base = base
        timestamps = Array(repeating: max(options.firstTimestamp, Self.firstTimestamp()), count: options.concurrency)
        freeLanes = Array((0..<options.concurrency).reversed())
        targets = (0..<options.concurrency).map { ReplicaID(Int((base &+ UInt64($0)) % UInt64(cluster.n))) }
        let verifier = cluster.verifier
        let limits = WireLimits.default
        let lanes = UInt32(options.concurrency)
        links = cluster.replicas.map { entry in
            var security = SecureChannelConfiguration(local: .client(identity, lanes: lanes), isInitiator: true,
                                                      expectedPeer: ReplicaID(entry.id), acceptsClients: false,
                                                      verifier: verifier, replicaCount: cluster.n)
            security.encryptsFrames = cluster.encryptsFrames
            let from = ReplicaID(entry.id)
            var linkOptions = PeerLink.Options()
            linkOptions.connectionLogLevel = .debug
            return PeerLink(peer: from, host: entry.host, port: entry.port, eventLoop: eventLoops.next(),
                            security: security, options: linkOptions, logger: logger, onMessage: { buffer in
                                // Only replies from the authenticated replica itself count.
                                guard let message = try? WireMessage.decode(Array(buffer.readableBytesView), limits: limits),
                                      case .reply(let reply) = message, reply.replica == from else { return }
                                collector.deliver(reply)
                            })
        }
    }

    /// Connects to every replica of `configuration` and waits (up to
    /// `options.connectTimeout`) until f+1 of them are reachable; if they are not,
    /// closes everything and throws `DQBFTClientError.unavailable` naming the
    /// addresses it could not reach.
    public static func connect(configuration: ClusterFile, options: Options = Options(), group: EventLoopGroup? = nil,
                               logger: Logger = Logger(label: "dqbft.client")) async throws -> DQBFTClient {
        let client = DQBFTClient(cluster: configuration, options: options, group: group, logger: logger)
        for link in client.links { link.start() }
        // One sweeper ends overdue waits (cheaper than a timer per request).
        let collector = client.collector
        let sweeper = client.links[0].eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(5), delay: .milliseconds(5)) { _ in
            collector.expire()
        }
        await client.setSweeper(sweeper)
        guard let timeout = options.connectTimeout else { return client }
        let deadline = NIODeadline.now() + timeout
        while true {
            var down: [String] = []
            for (i, link) in client.links.enumerated() where (try? await link.isEstablished().get()) != true {
                let entry = configuration.replicas[i]
                down.append("replica \(entry.id) at \(entry.host):\(entry.port)")
            }
            if configuration.n - down.count >= configuration.configuration.replyQuorum { return client }
            if NIODeadline.now() >= deadline {
                await client.close()
                throw DQBFTClientError.unavailable(unreachable: down)
            }
            do { try await Task.sleep(nanoseconds: 20_000_000) } catch {
                await client.close()
                throw error
            }
        }
    }

    /// Connects, runs `body` with the client, and closes the client when `body`
    /// returns or throws (the scoped form of `connect` + `close`).
    public static func withClient<Result: Sendable>(
        configuration: ClusterFile, options: Options = Options(), group: EventLoopGroup? = nil,
        logger: Logger = Logger(label: "dqbft.client"), _ body: (DQBFTClient) async throws -> Result
    ) async throws -> Result {
        let client = try await connect(configuration: configuration, options: options, group: group, logger: logger)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Closes every connection; outstanding operations fail.
    public func close() async {
        guard !closed else { return }
        closed = true
        sweeper?.cancel()
        collector.expire(now: .distantFuture)  // wake every waiter; they see `closed`
        for link in links { try? await link.close().get() }
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    func acquireLane() async -> Int {
        if let lane = freeLanes.popLast() { return lane }
        return await withCheckedContinuation { laneWaiters.append($0) }
    }

    func releaseLane(_ lane: Int) {
        if !laneWaiters.isEmpty { laneWaiters.removeFirst().resume(returning: lane) } else { freeLanes.append(lane) }
    }

    /// Submits an operation for the replicated state machine and returns its
    /// result once f+1 replicas agree on it. `timeout` bounds this call (default
    /// `Options.operationTimeout`). Throws `DQBFTClientError` (`.timeout`, `.closed`,
    /// `.refused`) or `CancellationError`; after a timeout or a cancellation the
    /// operation may still execute once.
    ///
    /// If f+1 replicas refuse the command because this client's entry was evicted
    /// from their client table (`ClientRefusal.staleEpoch`), that timestamp can never
    /// execute, so the command is signed again under a new timestamp and the epoch
    /// they named, within the same deadline.
    public func submit(operation: [UInt8], timeout callTimeout: TimeAmount? = nil) async throws -> [UInt8] {
        guard !closed else { throw DQBFTClientError.closed }
        let lane = await acquireLane()
        defer { releaseLane(lane) }
        let deadline = NIODeadline.now() + (callTimeout ?? options.operationTimeout)
        var attempts = 0
        while true {
            switch try await send(operation, lane: lane, deadline: deadline, attempts: &attempts) {
            case .result(let result): return result
            case .refused(.staleEpoch(let floor)): epoch = max(epoch, floor)
            case .refused(.tableFull): throw DQBFTClientError.refused("the replicas' client table is full")
            }
        }
    }

    /// Sends `operation` under the lane's next timestamp until a quorum answers,
    /// with the timeout doubling between attempts.
    func send(_ operation: [UInt8], lane: Int, deadline: NIODeadline,
              attempts attempt: inout Int) async throws -> ReplyCollector.Answer {
        timestamps[lane] += 1
        let client = ClientID(base + UInt64(lane)), timestamp = timestamps[lane], epoch = self.epoch
        // PBFT: send to the primary of the newest view seen. Multi-leader protocols
        // (DQPBFT, RCC): each lane has an assigned replica that proposes its
        // requests; after a timeout the lane moves to the next replica.
        let singlePrimary = cluster.protocolKind == .pbft
        var target = singlePrimary ? cluster.configuration.primary(of: collector.highestView) : targets[lane]
        let identity = self.identity, signs = signsRequests
        func frame(for target: ReplicaID) -> ByteBuffer {
            let request = ClientRequest(client: client, timestamp: timestamp, assignedReplica: target, operation: operation,
                                        epoch: epoch)
            return ByteBufferAllocator().buffer(bytes: WireMessage.request(signs ? identity.sign(request) : request).encode())
        }
        var request = frame(for: target)
        collector.begin(client, timestamp: timestamp,
                        request: ClientRequest(client: client, timestamp: timestamp, operation: operation).digest)
        defer { collector.end(client) }
        var timeout = options.attemptTimeout
        var first = true
        while true {
            attempt += 1
            if first {
                first = false
                links[target.index].send(request)
            } else {
                if !singlePrimary {
                    target = ReplicaID((target.index + 1) % cluster.n)
                    targets[lane] = target
                    request = frame(for: target)
                }
                for link in links { link.send(request) }
            }
            let remaining = deadline - NIODeadline.now()
            if let answer = await collector.wait(client, timeout: min(timeout, remaining)) {
                return answer
            }
            try Task.checkCancellation()
            if closed { throw DQBFTClientError.closed }
            if NIODeadline.now() >= deadline { throw DQBFTClientError.timeout(attempts: attempt) }
            timeout = min(timeout * 2, options.maxAttemptTimeout)
        }
    }

    // MARK: - Key-value store

    public func put(_ key: [UInt8], _ value: [UInt8], timeout: TimeAmount? = nil) async throws {
        let result = try await submit(operation: KeyValueOperation.put(key: key, value: value).encode(), timeout: timeout)
        guard result == KeyValueResult.ok else { throw Self.error(for: result) }
    }

    /// The value stored under `key`, or nil if there is none.
    public func get(_ key: [UInt8], timeout: TimeAmount? = nil) async throws -> [UInt8]? {
        let result = try await submit(operation: KeyValueOperation.get(key: key).encode(), timeout: timeout)
        if result == KeyValueResult.notFound { return nil }
        guard result.first == 0 else { throw Self.error(for: result) }
        return Array(result.dropFirst())
    }

    /// Deletes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ key: [UInt8], timeout: TimeAmount? = nil) async throws -> Bool {
        let result = try await submit(operation: KeyValueOperation.delete(key: key).encode(), timeout: timeout)
        if result == KeyValueResult.notFound { return false }
        guard result == KeyValueResult.ok else { throw Self.error(for: result) }
        return true
    }

    public func put(_ key: String, _ value: String, timeout: TimeAmount? = nil) async throws {
        try await put(Array(key.utf8), Array(value.utf8), timeout: timeout)
    }
    public func get(_ key: String, timeout: TimeAmount? = nil) async throws -> String? {
        try await get(Array(key.utf8), timeout: timeout).map { String(decoding: $0, as: UTF8.self) }
    }
    @discardableResult
    public func delete(_ key: String, timeout: TimeAmount? = nil) async throws -> Bool {
        try await delete(Array(key.utf8), timeout: timeout)
    }

    static func error(for result: [UInt8]) -> DQBFTClientError {
        result == KeyValueResult.invalid ? .invalidOperation : .unexpectedResult(result)
    }
}
