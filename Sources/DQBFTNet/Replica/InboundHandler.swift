import DQBFTCore
import Logging
import NIOCore
import NIOPosix

/// The end of an accepted (inbound) connection's pipeline at a replica: decodes
/// authenticated frames, admits what the peer may send, verifies signatures off
/// the protocol loop and delivers verified messages in order.
///
/// Guarantees: a client connection may only submit requests for the client ids
/// it registered in its hello (anything else closes it); a replica connection may
/// send consensus, state-transfer and forwarded request messages, checked by the
/// core's `MessageVerifier` against the authenticated peer id; signature checks
/// run on `verificationPool`, yet messages from one connection reach the core in
/// the order they arrived; at most `maxInflight` messages per connection wait
/// for the protocol loop — beyond that the handler stops reading the socket
/// (TCP backpressure) until the loop catches up. Undecodable frames close the
/// connection and are logged with the peer (rate-limited).
///
/// Client requests cannot crowd out replica traffic: they are verified on their own
/// pool (`clientVerificationPool`), so a consensus message never queues behind a
/// client's request; a client connection has at most `maxClientOutstanding`
/// requests being verified, and all client connections together at most
/// `ClientVerificationBudget.limit` — at the limit client connections stop reading
/// (replica connections never do). A request
/// whose signature fails closes its connection: a correct client never sends one.
/// A client connection with no traffic in either direction for `clientIdleTimeout`
/// is closed, so connections left half-open by a client machine's crash or power
/// loss (no FIN ever arrives) or abandoned by an attacker do not hold slots for
/// good. A live `DQBFTClient` reconnects at once (a process that lives holds its
/// connections); replies flowing to a client keep its connection active. Replica
/// connections are never closed for idleness.
/// An authenticated connection keeps its slot only if `admit` (the replica's
/// `ConnectionAdmission`) grants one.
final class InboundHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    /// Most messages of this connection waiting for the protocol loop (default 4096).
    let maxInflight: Int
    /// Most requests of one client connection being verified at once.
    static let maxClientOutstanding = 64

    let core: ReplicaLoop
    let verifier: MessageVerifier
    let verificationPool: NIOThreadPool
    /// Where client connections' requests are verified (may be `verificationPool`).
    let clientVerificationPool: NIOThreadPool
    let limits: WireLimits
    let logger: Logger
    let metrics: ReplicaMetrics
    let inflight = LockedBox(0)
    /// Set when the connection is rejected: queued verifications of it are skipped.
    let abandoned = LockedBox(false)
    /// Client requests being verified by every connection of this replica.
    let clientBudget: ClientVerificationBudget
    /// Decides whether an authenticated connection keeps its slot.
    let admit: @Sendable (Channel, SecureChannelEstablished) -> Bool
    let warnings: LogRateLimiter
    /// nil: client connections are never closed for idleness.
    let clientIdleTimeout: TimeAmount?

    var peer: PeerIdentity?
    var clientLink: ClientLink?
    /// Completes when the last message of this connection that is being verified
    /// has been delivered; later messages are delivered after it.
    var tail: EventLoopFuture<Void>?
    var outstanding = 0
    /// Reading is held back until something wakes the connection (`resume`).
    var readPending = false
    /// Set (any thread) when reading stopped for the protocol loop's backlog: the
    /// loop wakes the connection once the backlog has halved.
    let paused = LockedBox(false)
    /// The connection's event loop and context, for wake-ups from other threads.
    var wakeContext: (eventLoop: EventLoop, bound: NIOLoopBound<(InboundHandler, ChannelHandlerContext)>)?
    var closed = false

    init(core: ReplicaLoop, verifier: MessageVerifier, verificationPool: NIOThreadPool, limits: WireLimits,
         metrics: ReplicaMetrics, logger: Logger, clientBudget: ClientVerificationBudget = ClientVerificationBudget(),
         warnings: LogRateLimiter = LogRateLimiter(), clientVerificationPool: NIOThreadPool? = nil,
         clientIdleTimeout: TimeAmount? = nil, maxInflight: Int = 4096,
         admit: @escaping @Sendable (Channel, SecureChannelEstablished) -> Bool = { _, _ in true }) {
        self.core = core; self.verifier = verifier; self.verificationPool = verificationPool
        self.limits = limits; self.metrics = metrics; self.logger = logger
        self.clientBudget = clientBudget; self.warnings = warnings; self.admit = admit
        self.clientVerificationPool = clientVerificationPool ?? verificationPool
        self.clientIdleTimeout = clientIdleTimeout
        self.maxInflight = max(2, maxInflight)  // resumes below half: at least 1
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let established = event as? SecureChannelEstablished {
            guard admit(context.channel, established) else {
                return reject(context, "no connection slot for \(established.peer)")
            }
            peer = established.peer
            if case .client(let base, let lanes) = established.peer, let key = established.clientKey {
                let link = ClientLink(channel: context.channel, base: base, lanes: lanes, key: key)
                clientLink = link
                core.registerClient(link)
                if let clientIdleTimeout {
                    // First in the pipeline: any bytes in either direction count as activity.
                    try? context.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: clientIdleTimeout),
                                                                     position: .first)
                }
            }
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all, clientLink != nil {
            logger.debug("closing an idle client connection", metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")"])
            metrics.clientIdleClosed.increment()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let clientLink { core.unregisterClient(clientLink) }
        context.fireChannelInactive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        wakeContext = (context.eventLoop, NIOLoopBound((self, context), eventLoop: context.eventLoop))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        wakeContext = nil  // it holds this handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer, !closed else { return }
        let frame = unwrapInboundIn(data)
        metrics.bytesIn.increment(by: Int64(frame.readableBytes))
        let message: WireMessage
        do { message = try WireMessage.decode(Array(frame.readableBytesView), limits: limits) } catch {
            return reject(context, "undecodable message: \(error)")
        }
        let channelPeer: ReplicaID?
        switch (peer, message) {
        case (.client, .request(let r)):
            guard clientLink?.owns(r.client) == true else { return reject(context, "request for a client id it does not own") }
            channelPeer = nil
        case (.client, _):
            return reject(context, "client sent a non-request message")
        case (.replica, .reply):
            return reject(context, "replica sent a reply")
        case (.replica(let r), _):
            channelPeer = r
        }
        let fromClient = channelPeer == nil
        if verifier.checksSignatures(message) {
            outstanding += 1
            if fromClient { clientBudget.take() }
            let verifier = self.verifier, budget = clientBudget, abandoned = self.abandoned
            let pool = fromClient ? clientVerificationPool : verificationPool
            let verified = pool.runIfActive(eventLoop: context.eventLoop) {
                !abandoned.withLock { $0 } && verifier.verify(message, channelPeer: channelPeer)
            }
            let previous = tail ?? context.eventLoop.makeSucceededVoidFuture()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            tail = previous.and(verified).map { _, ok in
                self.outstanding -= 1
                if fromClient { budget.give() }
                if ok { self.forward(message, fromClient: fromClient) } else { self.unverified(message, fromClient: fromClient, bound.value) }
                self.resume(bound.value)
            }.recover { _ in
                self.outstanding -= 1
                if fromClient { budget.give() }
                self.resume(bound.value)
            }
        } else {
            guard verifier.verify(message, channelPeer: channelPeer) else { return unverified(message, fromClient: fromClient, context) }
            if outstanding > 0, let previous = tail {
                    tail = previous.map { self.forward(message, fromClient: fromClient) }
            } else {
                forward(message, fromClient: fromClient)
            }
        }
    }

    func forward(_ message: WireMessage, fromClient: Bool) {
        inflight.withLock { $0 += 1 }
        let inflight = self.inflight, paused = self.paused, wake = self.wakeContext, limit = maxInflight
        core.deliver(message, fromClient: fromClient) {
            let left = inflight.withLock { $0 -= 1; return $0 }
            guard left < limit / 2, let wake, paused.withLock({ p in defer { p = false }; return p }) else { return }
            wake.eventLoop.execute { wake.bound.value.0.resume(wake.bound.value.1) }
        }
    }

    /// A message failed verification: a client's closes its connection (correct
    /// clients sign every request); a replica's is dropped (it may be a relayed
    /// message a Byzantine replica garbled).
    func unverified(_ message: WireMessage, fromClient: Bool, _ context: ChannelHandlerContext) {
        if fromClient {
            guard !closed else { return }
            return reject(context, "request failed verification: \(Self.summary(message))")
        }
        dropUnverified(message)
    }

    func dropUnverified(_ message: WireMessage) {
        metrics.messagesRejected.increment()
        logger.debug("dropping message that failed verification",
                       metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")", "message": "\(Self.summary(message))"])
    }

    /// A one-line description of a message for logs (no payload bytes).
    static func summary(_ message: WireMessage) -> String {
        switch message {
        case .request(let r): return "request \(r.client) t\(r.timestamp)"
        case .reply(let r): return "reply \(r.client) t\(r.timestamp) from \(r.replica)"
        case .stateRequest(let from, let s): return "stateRequest \(s.sequence) @\(s.offset) from \(from)"
        case .stateReply(let from, let s): return "stateReply \(s.sequence) from \(from)"
        case .stateChunk(let from, let c): return "stateChunk \(c.sequence) @\(c.offset)/\(c.totalBytes) from \(from)"
        case .executionShare(let from, let e): return "executionShare \(e.sequence) from \(from)"
        case .executionProof(let from, let e): return "executionProof \(e.sequence) from \(from)"
        case .consensus(let from, let instance, let m):
            return "\(String(describing: m).prefix(120)) from \(from) on \(instance)"
        }
    }

    func reject(_ context: ChannelHandlerContext, _ reason: String) {
        metrics.messagesRejected.increment()
        warnings.warning("closing connection", metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")",
                                                          "remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")",
                                                          "reason": "\(reason)"], logger: logger)
        closed = true
        abandoned.withLock { $0 = true }
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: stop reading while too many messages wait for the protocol loop
        // (or, on a client connection, for verification). Whatever frees room wakes
        // the connection (`resumeReading`): the protocol loop when this connection's
        // backlog halves, a finished verification, the replica-wide client budget.
        let isClient = clientLink != nil
        if inflight.withLock({ $0 }) >= maxInflight {
            readPending = true
            paused.withLock { $0 = true }
            // The loop may have drained the backlog before it could see the flag: then
            // nobody else will wake this connection (whoever clears the flag resumes).
            if inflight.withLock({ $0 }) < maxInflight / 2, paused.withLock({ p in defer { p = false }; return p }) {
                resume(context)
            }
            return
        }
        if isClient && outstanding >= Self.maxClientOutstanding {
            readPending = true  // the next verification that finishes resumes
            return
        }
        if isClient && clientBudget.exhausted {
            readPending = true
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            clientBudget.waitForRoom { [eventLoop = context.eventLoop] in
                eventLoop.execute { bound.value.0.resume(bound.value.1) }
            }
            return
        }
        context.read()
    }

    /// Reads again if reading was held back (on the connection's event loop).
    func resume(_ context: ChannelHandlerContext) {
        guard readPending, !closed else { return }
        readPending = false
        read(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }
}

/// How many client requests all client connections of one replica may have on the
/// verification pool at once (see `InboundHandler`).
///
/// Guarantees: thread-safe; `exhausted` once `limit` are taken (a connection may
/// overshoot by the frames of one read, which the per-connection limit bounds);
/// a connection that stopped reading because the budget was exhausted
/// (`waitForRoom`) is woken once when a request is given back.
final class ClientVerificationBudget: Sendable {
    let limit: Int
    let state = LockedBox<(taken: Int, waiters: [@Sendable () -> Void])>((0, []))

    init(limit: Int = 256) { self.limit = limit }

    var exhausted: Bool { state.withLock { $0.taken >= limit } }
    func take() { state.withLock { $0.taken += 1 } }

    func give() {
        let wake = state.withLock { s -> [@Sendable () -> Void] in
            s.taken -= 1
            guard s.taken < limit, !s.waiters.isEmpty else { return [] }
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in wake { w() }
    }

    /// Calls `wake` once after the next `give` that leaves room (at once if there
    /// is room now).
    func waitForRoom(_ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.taken < limit { return true }
            s.waiters.append(wake)
            return false
        }
        if now { wake() }
    }
}
