import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

@Suite("Secure channel handshake and per-frame MACs")
struct SecureChannelTests {
    let keys = (0..<4).map { _ in Curve25519.Signing.PrivateKey() }
    var verifier: Ed25519Verifier { Ed25519Verifier(publicKeys: keys.map(\.publicKey)) }

    func signer(_ i: Int) -> Ed25519Signer { Ed25519Signer(me: ReplicaID(i), privateKey: keys[i]) }

    /// A responder for replica `id` that collects authenticated frames.
    func responder(_ id: Int, group: EventLoopGroup, collector: Collector) async throws -> Channel {
        let config = SecureChannelConfiguration(local: .replica(signer(id)), isInitiator: false, expectedPeer: nil,
                                                acceptsClients: true, verifier: verifier, replicaCount: 4,
                                                handshakeTimeout: .milliseconds(500))
        return try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addSecureFraming(config, logger: testLogger, then: collector)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func link(as local: SecureChannelConfiguration.LocalIdentity, to peer: Int, port: Int, group: EventLoopGroup,
              received: LockedBox<[[UInt8]]>? = nil) -> PeerLink {
        let config = SecureChannelConfiguration(local: local, isInitiator: true, expectedPeer: ReplicaID(peer),
                                                acceptsClients: false, verifier: verifier, replicaCount: 4)
        return PeerLink(peer: ReplicaID(peer), host: "127.0.0.1", port: port, eventLoop: group.next(), security: config,
                        logger: testLogger, onMessage: { buffer in received?.withLock { $0.append(Array(buffer.readableBytesView)) } })
    }

    @Test("replicas authenticate each other and frames arrive in order")
    func replicaToReplica() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let collector = Collector()
        let server = try await responder(1, group: group, collector: collector)
        let link = link(as: .replica(signer(0)), to: 1, port: server.localAddress!.port!, group: group)
        link.start()
        for i in 0..<100 { link.send(ByteBufferAllocator().buffer(bytes: [UInt8(i), 0xAB])) }
        #expect(await eventually(5) { collector.frames.withLock { $0.count } == 100 })
        #expect(collector.frames.withLock { $0 } == (0..<100).map { [UInt8($0), 0xAB] })
        #expect(collector.established.withLock { $0 } == .replica(ReplicaID(0)))
        try await link.close().get()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("a client is accepted with the ids of the key that signed its handshake")
    func clientHandshake() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await responder(2, group: group, collector: collector)
        let key = ClientSigningKey()
        let link = link(as: .client(key, lanes: 8), to: 2, port: server.localAddress!.port!, group: group)
        link.start()
        link.send(ByteBufferAllocator().buffer(bytes: [42]))
        #expect(await eventually(5) { collector.frames.withLock { $0 } == [[42]] })
        #expect(collector.established.withLock { $0 } == .client(base: key.idBase, lanes: 8))
        try await link.close().get()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("impersonating a replica without its key fails the handshake; nothing is delivered")
    func impersonation() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await responder(1, group: group, collector: collector)
        // Claims to be replica 0 but holds replica 3's key.
        let forger = Ed25519Signer(me: ReplicaID(0), privateKey: keys[3])
        let link = link(as: .replica(forger), to: 1, port: server.localAddress!.port!, group: group)
        link.start()
        link.send(ByteBufferAllocator().buffer(bytes: [1]))
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(collector.frames.withLock { $0 }.isEmpty)
        #expect(collector.established.withLock { $0 } == nil)
        #expect(try await link.isEstablished().get() == false)
        try await link.close().get()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("dialling replica 2 but reaching replica 1 fails the handshake")
    func wrongResponder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await responder(1, group: group, collector: collector)
        let link = link(as: .replica(signer(0)), to: 2, port: server.localAddress!.port!, group: group)
        link.start()
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try await link.isEstablished().get() == false)
        try await link.close().get()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("a raw connection that sends garbage, or nothing, is closed")
    func garbageAndSilence() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let collector = Collector()
        let server = try await responder(1, group: group, collector: collector)
        let port = server.localAddress!.port!
        let garbage = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        // The server may close before the write completes; only the close matters.
        try? await garbage.writeAndFlush(garbage.allocator.buffer(bytes: [0, 0, 0, 5, 1, 2, 3, 4, 5]))
        try await garbage.closeFuture.get()
        let silent = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        try await silent.closeFuture.get()  // handshake timeout (500 ms)
        #expect(collector.frames.withLock { $0 }.isEmpty)
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test("hello encoding round-trips and rejects malformed input")
    func helloCodec() {
        let key = ClientSigningKey()
        let hello = Hello(identity: .client(base: key.idBase, lanes: 3), nonce: Array(repeating: 1, count: 32),
                          ephemeralKey: Array(repeating: 2, count: 32), clientKey: key.publicKey)
        #expect(Hello.decode(hello.encode(), replicaCount: 4) == hello)
        let replica = Hello(identity: .replica(ReplicaID(3)), nonce: Array(repeating: 1, count: 32), ephemeralKey: Array(repeating: 2, count: 32))
        #expect(Hello.decode(replica.encode(), replicaCount: 4) == replica)
        #expect(Hello.decode(replica.encode(), replicaCount: 3) == nil, "replica id out of range")
        #expect(Hello.decode(Array(hello.encode().dropLast()), replicaCount: 4) == nil)
        var badRole = hello.encode(); badRole[5] = 9
        #expect(Hello.decode(badRole, replicaCount: 4) == nil)
        let tooMany = Hello(identity: .client(base: key.idBase, lanes: Hello.maxLanes + 1), nonce: hello.nonce,
                            ephemeralKey: hello.ephemeralKey, clientKey: key.publicKey)
        #expect(Hello.decode(tooMany.encode(), replicaCount: 4) == nil)
        // Ids the key does not own, or no key at all, are refused.
        let otherBase = Hello(identity: .client(base: ClientID(key.idBase.rawValue ^ 4096), lanes: 1), nonce: hello.nonce,
                              ephemeralKey: hello.ephemeralKey, clientKey: key.publicKey)
        #expect(Hello.decode(otherBase.encode(), replicaCount: 4) == nil)
        #expect(Hello.decode(Array(hello.encode().prefix(Hello.replicaSize)), replicaCount: 4) == nil)
        var version1 = hello.encode(); version1[4] = 1
        #expect(Hello.decode(version1, replicaCount: 4) == nil, "version 1 hellos carried unproven claims")
    }

    @Test("encrypted frames hide their bytes and open only under their own counter, untampered")
    func frameEncryption() throws {
        let a = Curve25519.KeyAgreement.PrivateKey(), b = Curve25519.KeyAgreement.PrivateKey()
        let shared = try a.sharedSecretFromKeyAgreement(with: b.publicKey)
        let keys = FrameProtection.directional(encrypt: true, sharedSecret: shared, transcriptHash: Array(repeating: 5, count: 32))
        let secret = Array("the password is swordfish".utf8)
        let sealed = keys.initiatorToResponder.seal(ByteBuffer(bytes: secret), counter: 7)
        let wire = Array(sealed.readableBytesView)
        #expect(wire.count == secret.count + ChannelCipher.tagByteCount)
        #expect(!wire.indices.dropLast(secret.count - 1).contains { Array(wire[$0..<($0 + secret.count)]) == secret })
        #expect(keys.initiatorToResponder.open(sealed, counter: 7).map { Array($0.readableBytesView) } == secret)
        #expect(keys.initiatorToResponder.open(sealed, counter: 8) == nil, "replayed under another counter")
        #expect(keys.responderToInitiator.open(sealed, counter: 7) == nil, "reflected to its sender")
        var tampered = wire; tampered[3] ^= 1
        #expect(keys.initiatorToResponder.open(ByteBuffer(bytes: tampered), counter: 7) == nil)
        // Authentication only: the bytes travel in clear.
        let plain = FrameProtection.directional(encrypt: false, sharedSecret: shared, transcriptHash: Array(repeating: 5, count: 32))
        #expect(Array(plain.initiatorToResponder.seal(ByteBuffer(bytes: secret), counter: 7).readableBytesView.prefix(secret.count)) == secret)
    }
}
