import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

@Suite("Length-prefixed framing over loopback")
struct FramingTests {
    /// A server that decodes frames into a collector; returns its port.
    static func server(group: EventLoopGroup, maxFrameBytes: Int, collector: Collector) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    static func rawClient(group: EventLoopGroup, port: Int) async throws -> Channel {
        try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + payload
    }

    @Test("frames split into single bytes and merged together come out whole")
    func splitAndMerged() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await Self.server(group: group, maxFrameBytes: 1024, collector: collector)
        let client = try await Self.rawClient(group: group, port: server.localAddress!.port!)
        let stream = Self.frame([1, 2, 3]) + Self.frame([]) + Self.frame(Array(repeating: 7, count: 1000))
        for b in stream.prefix(10) { try await client.writeAndFlush(client.allocator.buffer(bytes: [b])) }
        try await client.writeAndFlush(client.allocator.buffer(bytes: Array(stream.dropFirst(10))))
        #expect(await eventually(5) { collector.frames.withLock { $0.count } == 3 })
        #expect(collector.frames.withLock { $0 } == [[1, 2, 3], [], Array(repeating: 7, count: 1000)])
        try? await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("an oversized length prefix closes the connection before buffering the frame")
    func oversized() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await Self.server(group: group, maxFrameBytes: 1024, collector: collector)
        let client = try await Self.rawClient(group: group, port: server.localAddress!.port!)
        try await client.writeAndFlush(client.allocator.buffer(bytes: Self.frame([9]) + [0, 0, 4, 1]))
        try await client.closeFuture.get()  // the server closed it
        #expect(collector.frames.withLock { $0 } == [[9]])
        #expect(collector.errors.withLock { $0.contains { $0.contains("exceeds the limit") } })
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("the encoder's output decodes to the same buffers, and it refuses oversized ones")
    func encoderRoundTrip() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await Self.server(group: group, maxFrameBytes: 64, collector: collector)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder(maxFrameBytes: 64)))
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        try await client.writeAndFlush(client.allocator.buffer(bytes: [5, 6]))
        try await client.writeAndFlush(client.allocator.buffer(bytes: [8]))
        #expect(await eventually(5) { collector.frames.withLock { $0.count } == 2 })
        #expect(collector.frames.withLock { $0 } == [[5, 6], [8]])
        // An oversized buffer is refused, not sent (the encoder then stays failed).
        await #expect(throws: FramingError.frameTooLarge(size: 65, limit: 64)) {
            try await client.writeAndFlush(client.allocator.buffer(bytes: Array(repeating: 1, count: 65)))
        }
        try? await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
