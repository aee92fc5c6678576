import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import DQBFTNet

/// TCP ports on 127.0.0.1 that no other test of this process is given and that were free when checked.
///
/// Drawn from 28000..<32768, above the CLI's default ports (17700…, metrics 27100…) and below Linux's ephemeral range (32768...60999), because a port the kernel picked
/// for a `bind(0)` and released can be taken at once by any outgoing connection of a parallel test — that race
/// failed CI ("address already in use" on 52727). Ports outside the range are only ever taken by explicit binds,
/// and this counter never hands one out twice; each is checked bindable before it is returned.
func freePorts(_ count: Int) -> [Int] {
    (0..<count).map { _ in
        while true {
            let port = nextTestPort.withLock { next -> Int in
                defer { next = next + 1 < 32768 ? next + 1 : 28000 }
                return next
            }
            if isBindable(port) { return port }
        }
    }
}

private let nextTestPort = LockedBox<Int>(28000 + Int(UInt32(truncatingIfNeeded: getpid()) % 4000))

private func isBindable(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var reuse: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

extension ClusterFile.Tuning {
    /// Short timeouts and checkpoints every 8 slots, so faults resolve within seconds.
    static var quickFaults: Self {
        var tuning = Self()
        tuning.checkpointInterval = 8
        tuning.windowSize = 32
        tuning.batchTimeoutMs = 1
        tuning.requestTimeoutMs = 400
        tuning.progressTimeoutMs = 400
        tuning.viewChangeTimeoutMs = 800
        tuning.stateRetryMs = 200
        return tuning
    }
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
