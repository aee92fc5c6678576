import ArgumentParser
import DQBFTCore
import DQBFTNet
import Foundation

/// `dqbft cluster`: N replica processes on this machine, for trying things out.
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start N local replica processes (generating keys if needed); Ctrl-C stops them all.",
        discussion: """
        Keys, configuration, logs (replica-I.log) and data directories live under --dir. Then, in another
        terminal: dqbft kv --config DIR/cluster.json put k v; dqbft bench --config DIR/cluster.json.
        """)

    @Option(name: .customLong("protocol"), help: "Protocol: \(ClusterFile.supportedProtocols.sorted().joined(separator: ", ")).") var protocolName = "pbft"
    @Option(help: "Number of replicas N.") var replicas = 4
    @Option(help: "Directory for keys, configuration, logs and data.") var dir = "dqbft-cluster"
    @Option(help: "Port of replica 0 (consecutive ports follow).") var basePort = 7000
    @Option(help: "Metrics port of replica 0 (consecutive ports follow); 0 disables metrics.") var metricsBasePort = 9100
    @Option(help: "Replica log level.") var logLevel = "info"
    @Option(help: "Write-ahead log sync of every replica: fsync or write.") var walSync = "fsync"
    @Option(help: "Requests per batch (only used when generating a new configuration).") var batch: Int?
    @Option(help: "Milliseconds the primary waits to fill a batch (only used when generating; 1 ms suits a local cluster with few clients).")
    var batchTimeoutMs: Double = 1
    @Flag(help: "Do not require client signatures (only used when generating): faster, but a Byzantine replica can then issue requests in any client's name.")
    var unsignedClients = false

    func run() async throws {
        let configPath = dir + "/cluster.json"
        let cluster: ClusterFile
        if FileManager.default.fileExists(atPath: configPath) {
            do { cluster = try ClusterFile.load(path: configPath) } catch { throw ValidationError("\(error)") }
            if cluster.n != replicas || cluster.protocol != protocolName {
                say("note: using existing \(configPath) (n=\(cluster.n), protocol=\(cluster.protocol)); delete it to regenerate")
            }
        } else {
            var tuning = ClusterFile.Tuning()
            tuning.batchSize = batch
            tuning.batchTimeoutMs = batchTimeoutMs
            cluster = try Keygen.generate(protocolName: protocolName, replicas: replicas, faultModel: .byzantine,
                                          host: "127.0.0.1", basePort: basePort, directory: dir, force: false, tuning: tuning,
                                          clientSignatures: !unsignedClients).file
            say("generated \(configPath)")
        }
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        var children: [Process] = []
        for entry in cluster.replicas {
            let process = Process()
            process.executableURL = executable
            var arguments = ["replica", "--config", configPath, "--id", "\(entry.id)", "--data-dir", dir + "/data-\(entry.id)",
                             "--log-level", logLevel, "--wal-sync", walSync]
            if metricsBasePort > 0 { arguments += ["--metrics-port", "\(metricsBasePort + entry.id)"] }
            process.arguments = arguments
            let logPath = dir + "/replica-\(entry.id).log"
            FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = FileHandle(forWritingAtPath: logPath)
            log?.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
            children.append(process)
            let metrics = metricsBasePort > 0 ? "  metrics http://127.0.0.1:\(metricsBasePort + entry.id)/metrics" : ""
            say("replica \(entry.id)  pid \(process.processIdentifier)  \(entry.host):\(entry.port)\(metrics)  log \(logPath)")
        }
        say("cluster of \(cluster.n) (f=\(cluster.f), \(cluster.protocol)) running; config \(configPath). Ctrl-C stops it.")

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
            for child in children where !child.isRunning && !reported.contains(child.processIdentifier) {
                reported.insert(child.processIdentifier)
                if !stopping.withLock({ $0 }) {
                    say("replica process \(child.processIdentifier) exited with status \(child.terminationStatus)")
                }
            }
        }
        _ = sources
        say("all replicas stopped")
    }
}

/// Prints a line unbuffered, so it appears at once even when stdout is a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
