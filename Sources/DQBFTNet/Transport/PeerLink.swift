import DQBFTCore
import Logging
import NIOCore
import NIOPosix

/// An outbound, authenticated connection to one replica that keeps itself up.
///
/// Guarantees: frames handed to `send` leave in order on an authenticated channel
/// to exactly the replica `peer`; while the connection is down it reconnects with
/// exponential backoff (`backoffMin` doubling to `backoffMax`, with jitter);
/// the queue of frames not yet written is bounded by `maxQueuedFrames` and
/// `maxQueuedBytes` — when full, the NEWEST frame is dropped and counted in
/// `dropped` (consensus protocols retransmit; clients retry). Frames queued when
/// a connection breaks are kept for the next connection; frames already handed
/// to the kernel on a broken connection are lost (TCP gives no more).
/// Thread-safe: every method may be called from any thread.
public final class PeerLink: @unchecked Sendable {
    public struct Options: Sendable {
        public var maxQueuedFrames = 16_384
        public var maxQueuedBytes = 64 << 20
        public var backoffMin: TimeAmount = .milliseconds(50)
        public var backoffMax: TimeAmount = .seconds(2)
        public var connectTimeout: TimeAmount = .seconds(2)
        /// Level of the "connected"/"disconnected" lines: info between replicas
        /// (operators need to see a peer come and go), debug in clients.
        public var connectionLogLevel: Logger.Level = .info
        public init() {}
    }

    public let peer: ReplicaID
    let host: String
    let port: Int
    public let eventLoop: EventLoop
    let security: SecureChannelConfiguration
    let options: Options
    let logger: Logger
    /// Called on the link's event loop with every authenticated inbound payload.
    let onMessage: (@Sendable (ByteBuffer) -> Void)?
    /// Called on the link's event loop whenever the link becomes usable.
    let onEstablished: (@Sendable () -> Void)?

    // Confined to `eventLoop`.
    var channel: Channel?
    var established = false
    var connecting = false
    var closed = false
    var queue = CircularBuffer<ByteBuffer>()
    var queuedBytes = 0
    var backoff: TimeAmount
    var reconnectTask: Scheduled<Void>?

    /// Frames dropped because the queue was full (any thread).
    public let dropped = LockedBox(0)
    /// Frames waiting to be written (any thread, approximate).
    public let queueDepth = LockedBox(0)
    /// Whether the link is established right now (any thread).
    public let isUp = LockedBox(false)

    public init(peer: ReplicaID, host: String, port: Int, eventLoop: EventLoop, security: SecureChannelConfiguration,
                options: Options = Options(), logger: Logger,
                onMessage: (@Sendable (ByteBuffer) -> Void)? = nil, onEstablished: (@Sendable () -> Void)? = nil) {
        self.peer = peer; self.host = host; self.port = port; self.eventLoop = eventLoop
        self.security = security; self.options = options; self.logger = logger
        self.onMessage = onMessage; self.onEstablished = onEstablished
        self.backoff = options.backoffMin
    }

    /// Starts connecting (and keeps reconnecting until `close`).
    public func start() {
        eventLoop.execute { self.connect() }
    }

    /// Frames sent from other threads, waiting for the link's event loop; one
    /// scheduled task moves all of them, so bursts cost one wakeup and one flush.
    let handoff = LockedBox<(frames: [ByteBuffer], scheduled: Bool)>(([], false))

    /// Queues frames for the peer, in order.
    public func send(_ frames: [ByteBuffer]) {
        if eventLoop.inEventLoop {
            takeHandoff()
            enqueue(frames)
            return
        }
        let (schedule, lost) = handoff.withLock { h -> (Bool, Int) in
            let room = max(0, options.maxQueuedFrames - h.frames.count)
            h.frames.append(contentsOf: frames.prefix(room))
            defer { h.scheduled = true }
            return (!h.scheduled, frames.count - min(room, frames.count))
        }
        if lost > 0 { dropped.withLock { $0 += lost } }
        if schedule { eventLoop.execute { self.takeHandoff() } }
    }

    func takeHandoff() {
        let frames = handoff.withLock { h -> [ByteBuffer] in
            h.scheduled = false
            defer { h.frames = [] }
            return h.frames
        }
        if !frames.isEmpty { enqueue(frames) }
    }

    public func send(_ frame: ByteBuffer) { send([frame]) }

    /// Whether the link is connected and authenticated right now (any thread; racy by nature).
    public func isEstablished() -> EventLoopFuture<Bool> {
        eventLoop.submit { self.established }
    }

    /// Closes the connection and stops reconnecting.
    public func close() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.closed = true
            self.reconnectTask?.cancel()
            self.queue.removeAll()
            self.queuedBytes = 0
            self.queueDepth.withLock { $0 = 0 }
            guard let channel = self.channel else { return self.eventLoop.makeSucceededVoidFuture() }
            return channel.close().recover { _ in }
        }
    }

    func enqueue(_ frames: [ByteBuffer]) {
        guard !closed else { return }
        var lost = 0
        for frame in frames {
            if queue.count >= options.maxQueuedFrames || queuedBytes + frame.readableBytes > options.maxQueuedBytes {
                lost += 1
                continue
            }
            queue.append(frame)
            queuedBytes += frame.readableBytes
        }
        if lost > 0 {
            dropped.withLock { $0 += lost }
            logger.debug("send queue full, dropped newest frames", metadata: ["peer": "\(peer)", "dropped": "\(lost)"])
        }
        drain()
    }

    func drain() {
        guard established, let channel else {
            queueDepth.withLock { $0 = queue.count }
            return
        }
        var wrote = false
        while channel.isWritable, let frame = queue.popFirst() {
            queuedBytes -= frame.readableBytes
            channel.write(frame, promise: nil)
            wrote = true
        }
        if wrote { channel.flush() }
        queueDepth.withLock { $0 = queue.count }
    }

    func connect() {
        guard !closed, channel == nil, !connecting else { return }
        connecting = true
        let security = self.security, logger = self.logger
        let handler = PeerLinkHandler(link: self)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(options.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addSecureFraming(security, logger: logger, then: handler)
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                self.connecting = false
                switch result {
                case .success(let channel):
                    if self.closed { channel.close(promise: nil); return }
                    self.channel = channel
                case .failure(let error):
                    self.logger.trace("connect failed", metadata: ["peer": "\(self.peer)", "error": "\(error)"])
                    self.scheduleReconnect()
                }
            }
    }

    func scheduleReconnect() {
        guard !closed else { return }
        let jitter = Int64.random(in: 0...max(1, backoff.nanoseconds / 4))
        let delay = TimeAmount.nanoseconds(backoff.nanoseconds + jitter)
        backoff = .nanoseconds(min(backoff.nanoseconds * 2, options.backoffMax.nanoseconds))
        reconnectTask = eventLoop.scheduleTask(in: delay) { self.connect() }
    }

    // Events from the handler (on the event loop).

    func didEstablish() {
        established = true
        isUp.withLock { $0 = true }
        backoff = options.backoffMin
        logger.log(level: options.connectionLogLevel, "connected", metadata: ["peer": "\(peer)", "address": "\(host):\(port)"])
        onEstablished?()
        drain()
    }

    func didClose() {
        if established {
            logger.log(level: options.connectionLogLevel, "disconnected", metadata: ["peer": "\(peer)", "address": "\(host):\(port)"])
        }
        channel = nil
        established = false
        isUp.withLock { $0 = false }
        scheduleReconnect()
    }
}

/// The pipeline end of a `PeerLink`: forwards events to it.
final class PeerLinkHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let link: PeerLink

    init(link: PeerLink) { self.link = link }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is SecureChannelEstablished { link.didEstablish() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        link.onMessage?(unwrapInboundIn(data))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { link.drain() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.didClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
