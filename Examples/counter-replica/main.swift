import ArgumentParser
import CounterExample
import DQBFTCore
import DQBFTCrypto
import DQBFTNet
import Foundation
import Logging
import ServiceLifecycle

/// A replica that hosts `Counters` instead of the key-value store: the whole of
/// what it takes to run your own state machine on a cluster made by `dqbft keygen`.
/// Clients send operations with `DQBFTClient.submit(operation:)`.
@main
struct CounterReplica: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counter-replica",
        abstract: "Run one replica of a cluster whose state machine is named counters (an example).")

    @Option(help: "Cluster configuration file (from 'dqbft keygen').") var config: String
    @Option(help: "This replica's id.") var id: Int
    @Option(help: "Directory for the write-ahead log.") var dataDir: String
    @Flag(help: "First start: an empty --data-dir starts a new replica (otherwise it is refused).") var new = false

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "counter-replica")
        let cluster = try ClusterFile.load(path: config)
        guard (0..<cluster.n).contains(id) else { throw ValidationError("--id must be in 0..<\(cluster.n)") }
        let directory = (config as NSString).deletingLastPathComponent
        let key = try KeyFiles.readPrivateKey(at: (directory.isEmpty ? "." : directory) + "/replica-\(id).key")
        var options = ReplicaService.Options()
        options.dataDirectory = dataDir
        options.startsNewReplica = new
        options.metricsPort = cluster.replicas[id].metricsPort
        let service = try ReplicaService(cluster: cluster, id: ReplicaID(id), privateKey: key, options: options,
                                         app: Counters(), logger: logger)
        try await ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
