import Foundation
import Logging
import NIOCore
import NIOPosix
import Prometheus

/// A minimal HTTP/1.1 responder for operators: `GET /metrics` (Prometheus text
/// format), `/livez` (200 while the protocol loop answers within
/// `healthTimeout`), `/readyz` (200 when `ServiceHealth.ready`, else 503 with the
/// reasons) and `/status` (`ServiceHealth` as JSON).
///
/// Guarantees: reads at most `maxRequestBytes` of a request head, answers one
/// request per connection and closes it, and closes any connection idle for
/// `idleTimeout`; any other path gets 404; without a health source the health
/// paths get 404 too. It is meant for a scraper on a trusted network, not as a
/// general web server.
public final class MetricsHTTPServer: Sendable {
    static let maxRequestBytes = 8192
    static let idleTimeout = TimeAmount.seconds(10)
    static let healthTimeout = TimeAmount.seconds(2)
    /// Where the health paths come from: the replica's status, asked on its loop.
    public typealias HealthSource = @Sendable () -> EventLoopFuture<ServiceHealth>?
    let channel: Channel

    public var port: Int { channel.localAddress?.port ?? 0 }

    public static func start(host: String, port: Int, registry: PrometheusCollectorRegistry,
                             group: EventLoopGroup, health: HealthSource? = nil) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry, health: health))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsHTTPServer(channel: channel)
    }

    init(channel: Channel) { self.channel = channel }

    public func close() async { try? await channel.close() }
}

final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let registry: PrometheusCollectorRegistry
    let health: MetricsHTTPServer.HealthSource?
    var head: [UInt8] = []
    var answered = false

    init(registry: PrometheusCollectorRegistry, health: MetricsHTTPServer.HealthSource?) {
        self.registry = registry
        self.health = health
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        context.eventLoop.scheduleTask(in: MetricsHTTPServer.idleTimeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        let buffer = unwrapInboundIn(data)
        head.append(contentsOf: buffer.readableBytesView.prefix(MetricsHTTPServer.maxRequestBytes - head.count))
        let text = String(decoding: head, as: UTF8.self)
        guard text.contains("\r\n\r\n") || head.count >= MetricsHTTPServer.maxRequestBytes else { return }
        answered = true
        let requestLine = text.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" else { return respond(context, 405, "only GET\n") }
        let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        switch path {
        case "/metrics":
            respond(context, 200, registry.emitToBuffer(), type: "text/plain; version=0.0.4; charset=utf-8")
        case "/livez", "/readyz", "/status":
            guard let future = health?() else { return respond(context, 404, "not found\n") }
            // Answer once: with the status, or 503 if the protocol loop does not answer in time.
            let loop = context.eventLoop
            let done = loop.makePromise(of: ServiceHealth?.self)
            future.hop(to: loop).whenComplete { done.succeed(try? $0.get()) }
            loop.scheduleTask(in: MetricsHTTPServer.healthTimeout) { done.succeed(nil) }
            done.futureResult.whenSuccess { [self] status in
                guard let status else { return respond(context, 503, "the protocol loop did not answer\n") }
                switch path {
                case "/livez": respond(context, 200, "ok\n")
                case "/readyz":
                    respond(context, status.ready ? 200 : 503,
                            status.ready ? "ready\n" : "unready: \(status.unready_reasons.joined(separator: "; "))\n")
                default:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    respond(context, 200, Array((try? encoder.encode(status)) ?? Data()), type: "application/json")
                }
            }
        default:
            respond(context, 404, "not found\n")
        }
    }

    func respond(_ context: ChannelHandlerContext, _ code: Int, _ text: String) {
        respond(context, code, Array(text.utf8), type: "text/plain; charset=utf-8")
    }

    func respond(_ context: ChannelHandlerContext, _ code: Int, _ body: [UInt8], type: String) {
        guard context.channel.isActive else { return }
        let reason = [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"][code] ?? "Error"
        let header = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(type)\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var out = context.channel.allocator.buffer(capacity: header.utf8.count + body.count)
        out.writeString(header)
        out.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
