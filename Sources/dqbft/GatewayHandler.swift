import DQBFTClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP connection of `dqbft gateway`: `PUT`, `GET` and `DELETE` on
/// `/v1/kv/<key>` become key-value operations of one shared `DQBFTClient`.
///
/// Guarantees: a request is answered only after its operation completed at f+1
/// replicas (or failed: 503 with the reason); a request without the gateway's
/// bearer token gets 401 and reaches no replica; bodies above `maxBodyBytes` get 413;
/// keys are the path after `/v1/kv/`, percent-decoded, 1...1024 bytes.
final class GatewayHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let maxBodyBytes = 1 << 20
    static let prefix = "/v1/kv/"

    let client: DQBFTClient
    let token: String
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var tooLarge = false

    init(client: DQBFTClient, token: String) {
        self.client = client
        self.token = token
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(var chunk):
            if body.count + chunk.readableBytes > Self.maxBodyBytes { tooLarge = true; return }
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            handle(head, body: body, context: context)
        }
    }

    func handle(_ head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        func reply(_ status: HTTPResponseStatus, _ text: String, type: String = "application/json") {
            respond(context, status, Array(text.utf8), type: type, keepAlive: keepAlive)
        }
        guard head.headers["authorization"].first == "Bearer \(token)" else {
            return reply(.unauthorized, #"{"error":"missing or wrong bearer token"}"#)
        }
        guard !tooLarge else { return reply(.payloadTooLarge, #"{"error":"body over 1 MiB"}"#) }
        guard head.uri.hasPrefix(Self.prefix),
              let key = String(head.uri.dropFirst(Self.prefix.count)).removingPercentEncoding,
              (1...1024).contains(key.utf8.count) else {
            return reply(.notFound, #"{"error":"use /v1/kv/<key>"}"#)
        }
        let client = self.client, method = head.method
        let loop = context.eventLoop
        let promise = loop.makePromise(of: (HTTPResponseStatus, [UInt8], String).self)
        promise.completeWithTask {
            do {
                switch method {
                case .PUT:
                    try await client.put(Array(key.utf8), body)
                    return (.ok, Array(#"{"ok":true}"#.utf8), "application/json")
                case .GET:
                    guard let value = try await client.get(Array(key.utf8)) else {
                        return (.notFound, Array(#"{"error":"no such key"}"#.utf8), "application/json")
                    }
                    return (.ok, value, "application/octet-stream")
                case .DELETE:
                    let existed = try await client.delete(Array(key.utf8))
                    return existed ? (.ok, Array(#"{"deleted":true}"#.utf8), "application/json")
                        : (.notFound, Array(#"{"error":"no such key"}"#.utf8), "application/json")
                default:
                    return (.methodNotAllowed, Array(#"{"error":"use PUT, GET or DELETE"}"#.utf8), "application/json")
                }
            } catch {
                let text = "\(error)".replacingOccurrences(of: "\"", with: "'")
                return (.serviceUnavailable, Array("{\"error\":\"\(text)\"}".utf8), "application/json")
            }
        }
        promise.futureResult.whenSuccess { [self] status, bytes, type in
            respond(context, status, bytes, type: type, keepAlive: keepAlive)
        }
    }

    func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ bytes: [UInt8], type: String, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", "\(bytes.count)")])
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
