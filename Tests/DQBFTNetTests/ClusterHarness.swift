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

    init(n: Int = 4, protocol name: String = "pbft") {
        var tuning = ClusterFile.Tuning()
        tuning.batchSize = 16
        tuning.batchTimeoutMs = 1
        tuning.checkpointInterval = 8
        tuning.windowSize = 32
        tuning.requestTimeoutMs = 400
        tuning.progressTimeoutMs = 400
        tuning.viewChangeTimeoutMs = 800
        tuning.stateRetryMs = 200
        let ports = freePorts(n)
        var (file, keys) = ClusterFile.generate(protocol: name, replicas: n, tuning: tuning)
        for i in 0..<n { file.replicas[i].port = ports[i] }
        cluster = file
        self.keys = keys
        directory = temporaryDirectory("cluster")
        services = Array(repeating: nil, count: n)
    }

    func start(_ i: Int, configure: (inout ReplicaService.Options) -> Void = { _ in }) async throws {
        var options = ReplicaService.Options()
        options.dataDirectory = directory + "/data-\(i)"
        options.peerLink.backoffMax = .milliseconds(200)
        configure(&options)
        let service = try ReplicaService(cluster: cluster, id: ReplicaID(i), privateKey: keys[i], options: options,
                                         group: group, logger: testLogger)
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
    func client(concurrency: Int = 1, signing: Bool = true, operationTimeout: TimeAmount = .seconds(20)) async throws -> DQBFTClient {
        var options = DQBFTClient.Options()
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
