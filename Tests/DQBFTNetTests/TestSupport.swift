import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import DQBFTNet

/// Free TCP ports on 127.0.0.1 (bound to port 0, then released).
func freePorts(_ count: Int) -> [Int] {
    var sockets: [Int32] = []
    var ports: [Int] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        ports.append(Int(UInt16(bigEndian: address.sin_port)))
        sockets.append(fd)
    }
    for fd in sockets { close(fd) }
    return ports
}

func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "dqbft-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

var testLogger: Logger {
    var logger = Logger(label: "dqbft.test")
    logger.logLevel = ProcessInfo.processInfo.environment["DQBFT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

/// Collects what arrives at the end of a pipeline.
final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let frames = LockedBox<[[UInt8]]>([])
    let established = LockedBox<PeerIdentity?>(nil)
    let errors = LockedBox<[String]>([])

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        frames.withLock { $0.append(Array(buffer.readableBytesView)) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? SecureChannelEstablished { established.withLock { $0 = e.peer } }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        errors.withLock { $0.append("\(error)") }
        context.close(promise: nil)
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return try await condition()
}
