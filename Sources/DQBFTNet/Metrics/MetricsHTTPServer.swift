import Logging
import NIOCore
import NIOPosix
import Prometheus

/// A minimal HTTP/1.1 responder serving `GET /metrics` in the Prometheus text format.
///
/// Guarantees: reads at most `maxRequestBytes` of a request head, answers one
/// request per connection and closes it, and closes any connection idle for
/// `idleTimeout`; any other path gets 404. It is meant for
/// a scraper on a trusted network, not as a general web server.
public final class MetricsHTTPServer: Sendable {
    static let maxRequestBytes = 8192
    static let idleTimeout = TimeAmount.seconds(10)
    let channel: Channel

    public var port: Int { channel.localAddress?.port ?? 0 }

    public static func start(host: String, port: Int, registry: PrometheusCollectorRegistry,
                             group: EventLoopGroup) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
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
    var head: [UInt8] = []
    var answered = false

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

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
        let ok = parts.count >= 2 && parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?"))
        let body: [UInt8] = ok ? registry.emitToBuffer() : Array("not found\n".utf8)
        let status = ok ? "200 OK" : "404 Not Found"
        let header = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var out = context.channel.allocator.buffer(capacity: header.utf8.count + body.count)
        out.writeString(header)
        out.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
