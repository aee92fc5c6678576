import Crypto
import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import Foundation
import NIOCore
import NIOPosix
@testable import DQBFTNet

/// N replica services in this process on free loopback ports, with short timeouts
/// and checkpoints every 8 slots so faults resolve within seconds.
final class TestCluster: @unchecked Sendable {
    let cluster: ClusterFile
    let keys: [Curve25519.Signing.PrivateKey]
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let directory: String
    var services: [ReplicaService?]

    /// `metrics`: every replica also serves its HTTP endpoints, on a free port
    /// recorded in `cluster` (`metricsPort`).
    init(n: Int = 4, protocol name: String = "pbft", metrics: Bool = false,
         tune: (inout ClusterFile.Tuning) -> Void = { _ in }) {
        var tuning = ClusterFile.Tuning.quickFaults
        tuning.batchSize = 16
        tune(&tuning)
        let ports = freePorts(n)
        var (file, keys) = ClusterFile.generate(protocol: name, replicas: n, tuning: tuning)
        for i in 0..<n { file.replicas[i].port = ports[i] }
        if metrics { for (i, port) in freePorts(n).enumerated() { file.replicas[i].metricsPort = port } }
        cluster = file
        self.keys = keys
        directory = temporaryDirectory("cluster")
        services = Array(repeating: nil, count: n)
    }

    /// Replica options every `start` applies last (tests tighten limits here).
    var configure: @Sendable (inout ReplicaService.Options) -> Void = { _ in }

    /// The state machine each replica starts from.
    var app: @Sendable () -> any StateMachine = { KeyValueStore() }

    func start(_ i: Int, configure perStart: (inout ReplicaService.Options) -> Void = { _ in }) async throws {
        var options = ReplicaService.Options()
        options.dataDirectory = directory + "/data-\(i)"
        options.startsNewReplica = true
        options.peerLink.backoffMax = .milliseconds(200)
        options.metricsPort = cluster.replicas[i].metricsPort
        perStart(&options)
        configure(&options)
        let service = try ReplicaService(cluster: cluster, id: ReplicaID(i), privateKey: keys[i], options: options,
                                         app: app(), group: group, logger: testLogger)
        try await service.start()
        services[i] = service
    }

    func startAll() async throws {
        for i in 0..<cluster.n { try await start(i) }
    }

    func stop(_ i: Int) async {
        await services[i]?.stop()
        services[i] = nil
    }

    /// A client; `signing: false` sends unsigned requests whatever the cluster requires.
    func client(concurrency: Int = 1, signing: Bool = true, operationTimeout: TimeAmount = .seconds(20),
                identity: ClientSigningKey? = nil) async throws -> DQBFTClient {
        var options = DQBFTClient.Options()
        options.identity = identity
        options.concurrency = concurrency
        options.attemptTimeout = .milliseconds(300)
        options.maxAttemptTimeout = .seconds(1)
        options.operationTimeout = operationTimeout
        var file = cluster
        if !signing { file.clientSignatures = false }
        return try await DQBFTClient.connect(configuration: file, options: options, group: group, logger: testLogger)
    }

    func statuses() async -> [ReplicaStatus?] {
        var out: [ReplicaStatus?] = []
        for s in services { out.append(try? await s?.status()) }
        return out
    }

    func shutdown() async {
        for i in 0..<cluster.n { await stop(i) }
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension TestCluster {
    /// A bare secure-channel connection to `replica` (no reconnects) ending in a
    /// `Collector`: what an attacker controls, frame by frame.
    func rawConnection(_ local: SecureChannelConfiguration.LocalIdentity, to replica: Int) async throws -> (Channel, Collector) {
        let collector = Collector()
        var config = SecureChannelConfiguration(local: local, isInitiator: true, expectedPeer: ReplicaID(replica),
                                                acceptsClients: false, verifier: cluster.verifier, replicaCount: cluster.n)
        // As the cluster's clients do: with the wrong setting, the first frame fails its
        // MAC and the replica closes the connection before any message is looked at.
        config.encryptsFrames = cluster.encryptsFrames
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addSecureFraming(config, logger: testLogger, then: collector)
                }
            }
            .connect(host: "127.0.0.1", port: cluster.replicas[replica].port).get()
        return (channel, collector)
    }

    /// Whether replica `i`'s outbound link to `peer` is authenticated right now.
    func linkEstablished(_ i: Int, to peer: Int) async -> Bool {
        guard let link = services[i]?.state.withLock({ $0?.peers.first { $0.peer == ReplicaID(peer) } }) else { return false }
        return (try? await link.isEstablished().get()) == true
    }
}

/// This process's resident set size in bytes (Linux `/proc/self/statm`), or nil.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

extension TestCluster {
    /// A connection to `replica` that sends a client hello with `claimed`'s id base
    /// and public key but signs the handshake with `signer`: what an attacker who
    /// knows a victim's public key (it is in every signed request) can send.
    func forgedClient(claiming claimed: ClientSigningKey, signingWith signer: ClientSigningKey,
                      to replica: Int) async throws -> (Channel, ForgedClientHandshake) {
        let handler = ForgedClientHandshake(claimed: claimed, signer: signer, replicaCount: cluster.n)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: TransportLimits.maxFrameBytes)))
                    try sync.addHandler(MessageToByteHandler(FrameEncoder(maxFrameBytes: TransportLimits.maxFrameBytes)))
                    try sync.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: cluster.replicas[replica].port).get()
        return (channel, handler)
    }
}

/// The client side of a handshake with a forged claim (see `TestCluster.forgedClient`);
/// counts the frames that arrive after the replica's hello and authenticator.
final class ForgedClientHandshake: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let hello: Hello
    let signer: ClientSigningKey
    let replicaCount: Int
    let frames = LockedBox(0)
    var received = 0

    init(claimed: ClientSigningKey, signer: ClientSigningKey, replicaCount: Int) {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        hello = Hello(identity: .client(base: claimed.idBase, lanes: 1), nonce: Array(repeating: 9, count: 32),
                      ephemeralKey: Array(ephemeral.publicKey.rawRepresentation), clientKey: claimed.publicKey)
        self.signer = signer
        self.replicaCount = replicaCount
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: hello.encode())), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        received += 1
        if received == 1, let peer = Hello.decode(bytes, replicaCount: replicaCount) {
            let transcript = HandshakeTranscript(initiator: hello, responder: peer)
            let auth = signer.signature(for: transcript.signedBytes(asInitiator: true))
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: auth)), promise: nil)
        } else if received > 2 {
            frames.withLock { $0 += 1 }
        }
    }
}

/// A plain TCP connection to 127.0.0.1:`port` from the local address `source`
/// (any 127.x.y.z works on Linux loopback); the descriptor, or nil.
func rawTCPConnection(to port: Int, from source: String) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    func address(_ host: String, _ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = inet_addr(host)
        return a
    }
    var local = address(source, 0), remote = address("127.0.0.1", port)
    let size = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
    let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
    guard bound == 0, connected == 0 else { close(fd); return nil }
    return fd
}
