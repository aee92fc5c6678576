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
/// connection and are logged with the peer.
final class InboundHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    static let maxInflight = 4096

    let core: ReplicaLoop
    let verifier: MessageVerifier
    let verificationPool: NIOThreadPool
    let limits: WireLimits
    let logger: Logger
    let metrics: ReplicaMetrics
    let inflight = LockedBox(0)

    var peer: PeerIdentity?
    var clientLink: ClientLink?
    /// Completes when the last message of this connection that is being verified
    /// has been delivered; later messages are delivered after it.
    var tail: EventLoopFuture<Void>?
    var outstanding = 0
    var readPending = false
    var closed = false

    init(core: ReplicaLoop, verifier: MessageVerifier, verificationPool: NIOThreadPool, limits: WireLimits,
         metrics: ReplicaMetrics, logger: Logger) {
        self.core = core; self.verifier = verifier; self.verificationPool = verificationPool
        self.limits = limits; self.metrics = metrics; self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let established = event as? SecureChannelEstablished {
            peer = established.peer
            if case .client(let base, let lanes) = established.peer {
                let link = ClientLink(channel: context.channel, base: base, lanes: lanes)
                clientLink = link
                core.registerClient(link)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let clientLink { core.unregisterClient(clientLink) }
        context.fireChannelInactive()
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
        if needsSignatureCheck(message) {
            outstanding += 1
            let verifier = self.verifier
            let verified = verificationPool.runIfActive(eventLoop: context.eventLoop) {
                verifier.verify(message, channelPeer: channelPeer)
            }
            let previous = tail ?? context.eventLoop.makeSucceededVoidFuture()
            tail = previous.and(verified).map { _, ok in
                self.outstanding -= 1
                if ok { self.forward(message, fromClient: fromClient) } else { self.dropUnverified(message) }
            }.recover { _ in self.outstanding -= 1 }
        } else {
            guard verifier.verify(message, channelPeer: channelPeer) else { return dropUnverified(message) }
            if outstanding > 0, let previous = tail {
                    tail = previous.map { self.forward(message, fromClient: fromClient) }
            } else {
                forward(message, fromClient: fromClient)
            }
        }
    }

    /// Whether verifying `message` checks signatures (so it runs on the pool).
    func needsSignatureCheck(_ message: WireMessage) -> Bool {
        let clientsSign = verifier.clients != nil
        switch message {
        case .request: return clientsSign
        case .consensus(_, _, .checkpoint), .consensus(_, _, .viewChange), .consensus(_, _, .newView): return true
        case .consensus(_, _, .prePrepare(let p)): return clientsSign && p.payload.requestCount > 0
        case .consensus(_, _, .payload(let p)): return clientsSign && p.requestCount > 0
        default: return false
        }
    }

    func forward(_ message: WireMessage, fromClient: Bool) {
        inflight.withLock { $0 += 1 }
        let inflight = self.inflight
        core.deliver(message, fromClient: fromClient) { inflight.withLock { $0 -= 1 } }
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
        case .stateRequest(let from, let s): return "stateRequest \(s.sequence) from \(from)"
        case .stateReply(let from, let s): return "stateReply \(s.sequence) from \(from)"
        case .executionShare(let from, let e): return "executionShare \(e.sequence) from \(from)"
        case .executionProof(let from, let e): return "executionProof \(e.sequence) from \(from)"
        case .consensus(let from, let instance, let m):
            return "\(String(describing: m).prefix(120)) from \(from) on \(instance)"
        }
    }

    func reject(_ context: ChannelHandlerContext, _ reason: String) {
        metrics.messagesRejected.increment()
        logger.warning("closing connection", metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")",
                                                        "remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")",
                                                        "reason": "\(reason)"])
        closed = true
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: stop reading while too many messages wait for the protocol loop;
        // poll every millisecond until the loop has caught up.
        guard inflight.withLock({ $0 }) < Self.maxInflight else {
            guard !readPending else { return }
            readPending = true
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(1)) {
                let (handler, context) = bound.value
                handler.readPending = false
                if !handler.closed { handler.read(context: context) }
            }
            return
        }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["peer": "\(peer.map { "\($0)" } ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }
}
