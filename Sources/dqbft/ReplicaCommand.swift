import ArgumentParser
import DQBFTCore
import DQBFTCrypto
import DQBFTNet
import Foundation
import Logging
import ServiceLifecycle

/// `dqbft replica`: one replica process, until SIGTERM or SIGINT.
struct ReplicaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replica",
        abstract: "Run one replica of a cluster (stops gracefully on SIGTERM/SIGINT).",
        version: DQBFTVersion.current)

    @Option(help: "Cluster configuration file (from 'dqbft keygen').") var config: String
    @Option(help: "This replica's id.") var id: Int
    @Option(help: "Directory for the write-ahead log.") var dataDir: String
    @Flag(help: "This is the replica's first start: an empty or missing --data-dir starts a new replica. Without it such a directory is refused (a replica that lost its log could contradict the votes it sent).")
    var new = false
    @Option(help: "Private key file (default: replica-<id>.key next to the configuration).") var key: String?
    @Option(help: "Serve /metrics, /livez, /readyz and /status on this port (default: the replica's metricsPort in the configuration, if any).")
    var metricsPort: Int?
    @Option(help: "Metrics listen address.") var metricsHost = "127.0.0.1"
    @Option(help: "Listen address (default: this replica's host in the configuration).") var listen: String?
    @Option(help: "Write-ahead log sync: fsync (survives power loss) or write (survives process crashes only).")
    var walSync = "fsync"
    @Option(help: "Network event-loop threads (the protocol loop runs on one of them).") var threads = 1
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Log format: text (one readable line per message) or json (one JSON object per line).") var logFormat = "text"

    func run() async throws {
        let level = try ClusterInput.logLevel(logLevel)
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json, got '\(logFormat)'") }
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "dqbft.replica")
        let cluster: ClusterFile
        cluster = try ClusterInput.load(config)
        guard id >= 0, id < cluster.n else { throw ValidationError("--id must be in 0..<\(cluster.n) (\(config) lists \(cluster.n) replicas), got \(id)") }
        let keyPath = key ?? ((config as NSString).deletingLastPathComponent.isEmpty ? "." : (config as NSString).deletingLastPathComponent)
            + "/replica-\(id).key"
        let privateKey = try KeyFiles.readPrivateKey(at: keyPath)
        guard KeyFiles.encode(privateKey.publicKey) == cluster.replicas[id].publicKey.lowercased() else {
            throw ValidationError("\(keyPath) does not match replica \(id)'s public key in \(config)")
        }
        var options = ReplicaService.Options()
        options.dataDirectory = dataDir
        options.startsNewReplica = new
        options.metricsPort = metricsPort ?? cluster.replicas[id].metricsPort
        options.metricsHost = metricsHost
        options.listenHost = listen
        guard let mode = WriteAheadLog.SyncMode(rawValue: walSync) else { throw ValidationError("--wal-sync must be fsync or write") }
        options.walSyncMode = mode
        options.eventLoopThreads = max(1, threads)
        let service = try ReplicaService(cluster: cluster, id: ReplicaID(id), privateKey: privateKey, options: options, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
