import Foundation
import NIOCore
import NIOPosix

/// One `GET` to a replica's HTTP endpoint, for `dqbft status`.
///
/// Guarantees: gives up after `timeout` (connect and answer together), reads at most
/// `maxBytes`, and never throws: a failure is described in `.failure`.
enum HTTPGet {
    static let maxBytes = 1 << 20

    final class Collect: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes += buffer.readableBytesView.prefix(HTTPGet.maxBytes - bytes.count)
            if bytes.count >= HTTPGet.maxBytes { context.close(promise: nil) }
        }
    }

    /// The status code and body, or why there is none.
    static func fetch(host: String, port: Int, path: String, timeout: TimeAmount,
                      group: EventLoopGroup) async -> Result<(status: Int, body: [UInt8]), HTTPGetError> {
        let collector = Collect()
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { $0.pipeline.addHandler(collector) }
                .connect(host: host, port: port).get()
            let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            var request = channel.allocator.buffer(capacity: 64)
            request.writeString("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
            try await channel.writeAndFlush(request).get()
            try? await channel.closeFuture.get()
            deadline.cancel()
            let bytes = try await channel.eventLoop.submit { collector.bytes }.get()
            guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return .failure(.noAnswer) }
            let statusLine = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).split(separator: " ")
            guard statusLine.count >= 2, let code = Int(statusLine[1]) else { return .failure(.noAnswer) }
            return .success((code, Array(bytes[end.upperBound...])))
        } catch let e as NIOConnectionError {
            let reasons = e.connectionErrors.map { ($0.error as? IOError).map { String(cString: strerror($0.errnoCode)).lowercased() } ?? "\($0.error)" }
            return .failure(.unreachable(reasons.first ?? (e.dnsAError ?? e.dnsAAAAError).map { "\($0)" } ?? "cannot connect"))
        } catch let e as ChannelError where e == .connectTimeout(timeout) {
            return .failure(.unreachable("no connection within \(timeout)"))
        } catch {
            return .failure(.unreachable("\(error)"))
        }
    }
}

enum HTTPGetError: Error, CustomStringConvertible {
    case unreachable(String)
    case noAnswer
    var description: String {
        switch self {
        case .unreachable(let why): return "unreachable (\(why))"
        case .noAnswer: return "no HTTP answer"
        }
    }
}
