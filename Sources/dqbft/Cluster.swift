import ArgumentParser
import DQBFTCore
import DQBFTNet
import Foundation

/// `dqbft cluster`: N replica processes on this machine, for trying things out.
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start N local replica processes (generating keys if needed); Ctrl-C stops them all.",
        discussion: """
        Keys, configuration, logs (replica-I.log; earlier runs' logs are kept as replica-I.log.1 … .3) and data
        directories live under --dir. Then, in another terminal: dqbft kv --config DIR/cluster.json put k v;
        dqbft bench --config DIR/cluster.json. An existing DIR/cluster.json is reused as it is; flags that would
        change it (--protocol, --replicas, --base-port, --batch, …) are refused rather than ignored.
        """,
        version: DQBFTVersion.current)

    @Option(name: .customLong("protocol"), help: "Protocol: \(ClusterFile.supportedProtocols.sorted().joined(separator: ", ")) (default: pbft; only used when generating).")
    var protocolName: String?
    @Option(help: "Number of replicas N, at least 4 (default: 4; only used when generating).") var replicas: Int?
    @Option(help: "Directory for keys, configuration, logs and data.") var dir = "dqbft-cluster"
    @Option(help: "Port of replica 0, consecutive ports follow (default: 7000; only used when generating).") var basePort: Int?
    @Option(help: "HTTP port (/metrics, /livez, /readyz, /status) of replica 0, consecutive ports follow; 0 disables them (only used when generating).")
    var metricsBasePort = Cluster.defaultMetricsBasePort
    @Option(help: "Replica log level: \(ClusterInput.logLevels.joined(separator: ", ")).") var logLevel = "info"
    @Option(help: "Replica log format: text or json (one JSON object per line).") var logFormat = "text"
    @Option(help: "Write-ahead log sync of every replica: fsync or write.") var walSync = "fsync"
    @Option(help: "Requests per batch (only used when generating a new configuration).") var batch: Int?
    @Option(help: "Milliseconds the primary waits to fill a batch (default 1, which suits a local cluster with few clients; only used when generating).")
    var batchTimeoutMs: Double?
    @Flag(help: "Do not require client signatures (only used when generating): faster, but a Byzantine replica can then issue requests in any client's name.")
    var unsignedClients = false

    /// Above the Prometheus exporters' allocated 9100–9999 and the usual service ports.
    static let defaultMetricsBasePort = 27100

    /// Log files kept per replica: `replica-I.log` and its predecessors `.1` … `.3`.
    static let logsKept = 4

    func validate() throws {
        _ = try ClusterInput.logLevel(logLevel)
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json, got '\(logFormat)'") }
        guard ["fsync", "write"].contains(walSync) else { throw ValidationError("--wal-sync must be fsync or write, got '\(walSync)'") }
        if let replicas { try Keygen.checkReplicaCount(replicas) }
        if let protocolName, !ClusterFile.supportedProtocols.contains(protocolName) {
            throw ValidationError("--protocol \(protocolName): the runtime runs \(ClusterFile.supportedProtocols.sorted().joined(separator: ", "))")
        }
        if let basePort, !(1...65535).contains(basePort) { throw ValidationError("--base-port must be in 1...65535, got \(basePort)") }
        guard metricsBasePort == 0 || (1...65535).contains(metricsBasePort) else {
            throw ValidationError("--metrics-base-port must be 0 or in 1...65535, got \(metricsBasePort)")
        }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if let batchTimeoutMs, !(batchTimeoutMs >= 0 && batchTimeoutMs <= 60_000) {
            throw ValidationError("--batch-timeout-ms must be in [0, 60000], got \(batchTimeoutMs)")
        }
    }

    func run() async throws {
        let configPath = dir + "/cluster.json"
        let cluster: ClusterFile
        if FileManager.default.fileExists(atPath: configPath) {
            cluster = try ClusterInput.load(configPath, flag: "--dir")
            // Flags that only shape a new configuration must not be dropped silently.
            var ignored: [String] = []
            if let protocolName, protocolName != cluster.protocol { ignored.append("--protocol \(protocolName) (file: \(cluster.protocol))") }
            if let replicas, replicas != cluster.n { ignored.append("--replicas \(replicas) (file: \(cluster.n))") }
            if let basePort, basePort != cluster.replicas[0].port { ignored.append("--base-port \(basePort) (file: \(cluster.replicas[0].port))") }
            if let batch, batch != cluster.tuning?.batchSize { ignored.append("--batch \(batch)") }
            if let batchTimeoutMs, batchTimeoutMs != cluster.tuning?.batchTimeoutMs { ignored.append("--batch-timeout-ms \(batchTimeoutMs)") }
            if unsignedClients && cluster.requiresClientSignatures { ignored.append("--unsigned-clients") }
            if !ignored.isEmpty {
                throw ValidationError("\(configPath) exists and fixes the cluster, so these flags cannot apply: "
                                      + ignored.joined(separator: ", ") + ". Drop them, or remove \(dir) to start a new cluster.")
            }
            say("using existing \(configPath) (n=\(cluster.n), protocol=\(cluster.protocol))")
        } else {
            var tuning = ClusterFile.Tuning()
            tuning.batchSize = batch
            tuning.batchTimeoutMs = batchTimeoutMs ?? 1
            cluster = try Keygen.generate(protocolName: protocolName ?? "pbft", replicas: replicas ?? 4, faultModel: .byzantine,
                                          host: "127.0.0.1", basePort: basePort ?? 7000, directory: dir, force: false, tuning: tuning,
                                          clientSignatures: !unsignedClients,
                                          metricsBasePort: metricsBasePort > 0 ? metricsBasePort : nil).file
            say("generated \(configPath)")
        }
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        var children: [Process] = []
        // A first start: no replica has a data directory yet (new or keygen'd cluster).
        // Once some have one, a missing one was lost and that replica must not start afresh.
        let firstStart = cluster.replicas.allSatisfy { !FileManager.default.fileExists(atPath: dir + "/data-\($0.id)") }
        for entry in cluster.replicas {
            let process = Process()
            process.executableURL = executable
            var arguments = ["replica", "--config", configPath, "--id", "\(entry.id)", "--data-dir", dir + "/data-\(entry.id)",
                             "--log-level", logLevel, "--log-format", logFormat, "--wal-sync", walSync]
            if let port = entry.metricsPort { arguments += ["--metrics-port", "\(port)"] }
            if firstStart { arguments.append("--new") }
            process.arguments = arguments
            let logPath = dir + "/replica-\(entry.id).log"
            Self.rotate(logPath)
            FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = FileHandle(forWritingAtPath: logPath)
            log?.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
            children.append(process)
            let metrics = entry.metricsPort.map { "  http://\(entry.host):\($0)/status" } ?? ""
            say("replica \(entry.id)  pid \(process.processIdentifier)  \(entry.host):\(entry.port)\(metrics)  log \(logPath)")
        }
        say("cluster of \(cluster.n) (f=\(cluster.f), \(cluster.protocol)) running; config \(configPath). Ctrl-C stops it.")
        say("status of every replica: dqbft status --config \(configPath)")

        let stopping = LockedBox(false)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let all = children
            source.setEventHandler {
                stopping.withLock { $0 = true }
                for child in all where child.isRunning { child.terminate() }
            }
            source.resume()
            sources.append(source)
        }
        var reported = Set<Int32>()
        while children.contains(where: \.isRunning) {
            try? await Task.sleep(nanoseconds: 200_000_000)
            for (id, child) in children.enumerated() where !child.isRunning && !reported.contains(child.processIdentifier) {
                reported.insert(child.processIdentifier)
                if !stopping.withLock({ $0 }) {
                    let how = child.terminationReason == .uncaughtSignal
                        ? "was killed by signal \(child.terminationStatus)" : "exited with status \(child.terminationStatus)"
                    let logPath = dir + "/replica-\(id).log"
                    let last = Self.lastLine(of: logPath).map { "; last log line: \($0)" } ?? ""
                    say("replica \(id) (pid \(child.processIdentifier)) \(how)\(last) (log \(logPath))")
                }
            }
        }
        _ = sources
        say("all replicas stopped")
    }

    /// Keeps the previous runs' logs: `replica-I.log` becomes `.1`, `.1` becomes `.2`, …
    static func rotate(_ path: String) {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { return }
        try? fm.removeItem(atPath: "\(path).\(logsKept - 1)")
        for k in stride(from: logsKept - 2, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(k)") {
            try? fm.moveItem(atPath: "\(path).\(k)", toPath: "\(path).\(k + 1)")
        }
        try? fm.moveItem(atPath: path, toPath: "\(path).1")
    }

    /// The last non-empty line of a (small tail of a) log file.
    static func lastLine(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let tail = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return tail.split(separator: "\n").last.map { String($0.prefix(300)) }
    }
}

/// Prints a line unbuffered, so it appears at once even when stdout is a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
