import ArgumentParser
import DQBFTClient
import DQBFTCore
import DQBFTNet
import Foundation
import Logging
import Histogram

/// `dqbft bench`: closed-loop load against a running cluster.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Closed-loop benchmark: C clients each keep one put outstanding; reports throughput and latency percentiles.",
        discussion: """
        --json prints the keys of 'dqbft simulate --json' where they mean the same (protocol, replicas, f, clients, \
        payload, duration_s, throughput_ops, executed_ops, latency_ms, version) plus errors.
        Exit status: 0 done; 3 the configuration cannot be read; 5 the cluster could not be reached, or no \
        operation completed.
        """,
        version: DQBFTVersion.current)

    @Option(help: "Cluster configuration file.") var config: String
    @Option(help: "Concurrent closed-loop clients.") var clients = 64
    @Option(help: "Measured seconds.") var duration = 10.0
    @Option(help: "Seconds of load before measuring.") var warmup = 1.0
    @Option(help: "Bytes per put value.") var payload = 512
    @Option(help: "Distinct keys written.") var keys = 100_000
    @Option(help: "Milliseconds before a request is re-sent to all replicas.") var attemptTimeoutMs = 1000
    @Option(help: "Seconds to wait for f+1 replicas to be reachable.") var connectTimeout = 2.0
    @Flag(help: "Print one JSON object instead of a summary.") var json = false
    @Option(help: "Client key file: this client's identity, created on first use (default: client.key next to --config). While another process uses it, a one-off key is used instead.")
    var clientKey: String?

    struct Stats {
        var completed = 0
        /// Including warmup, for the progress line.
        var all = 0
        var errors = 0
        var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    }

    func run() async throws {
        guard clients >= 1, clients <= 4096 else { throw ValidationError("--clients must be in 1...4096, got \(clients)") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be in (0, 86400] seconds, got \(duration)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more, got \(warmup)") }
        guard payload >= 0, payload <= 1 << 20 else { throw ValidationError("--payload must be in 0...1048576 bytes, got \(payload)") }
        guard attemptTimeoutMs >= 1 else { throw ValidationError("--attempt-timeout-ms must be at least 1, got \(attemptTimeoutMs)") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive, got \(connectTimeout)") }
        let cluster = try ClusterInput.load(config)
        var options = DQBFTClient.Options()
        options.concurrency = clients
        options.attemptTimeout = .milliseconds(Int64(attemptTimeoutMs))
        options.connectTimeout = .nanoseconds(Int64(connectTimeout * 1e9))
        // Connection churn is not the user's business here; failures are reported below.
        let client = try await ClusterInput.connect(cluster, keyPath: clientKey ?? ClientIdentityFile.defaultPath(forConfiguration: config),
                                                    options: options)
        let stats = LockedBox(Stats())
        let start = Date()
        let measureFrom = start.addingTimeInterval(warmup)
        let end = measureFrom.addingTimeInterval(duration)
        let value = [UInt8](repeating: 0x61, count: payload)
        let keySpace = max(1, keys)
        let quiet = json

        let progress = Task {
            var last = 0
            var second = 0
            while !Task.isCancelled && Date() < end {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                second += 1
                let (done, errors) = stats.withLock { ($0.all, $0.errors) }
                if !quiet {
                    let phase = Date() < measureFrom ? " (warmup)" : ""
                    FileHandle.standardError.write(Data("  t=\(second)s  \(done - last) ops/s  total=\(done)  errors=\(errors)\(phase)\n".utf8))
                }
                last = done
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var rng = SystemRandomNumberGenerator()
                    while Date() < end {
                        let key = Array("key-\(Int.random(in: 0..<keySpace, using: &rng))".utf8)
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        do {
                            try await client.put(key, value)
                            let micros = (DispatchTime.now().uptimeNanoseconds - t0) / 1000
                            let now = Date()
                            stats.withLock { s in
                                s.all += 1
                                if now >= measureFrom && now <= end { s.completed += 1; _ = s.histogram.record(micros) }
                            }
                        } catch {
                            stats.withLock { $0.errors += 1 }
                        }
                    }
                }
            }
        }
        progress.cancel()
        await client.close()
        let s = stats.withLock { $0 }
        if s.all == 0 {
            throw ExitStatus.fail(ExitStatus.unavailable, "no operation completed in \(warmup + duration) s (\(s.errors) failed); "
                                  + "is the cluster in \(config) running and reachable?")
        }
        let h = s.histogram
        func ms(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1000 }
        let throughput = Double(s.completed) / duration
        if json {
            let report = BenchReport(protocol: cluster.protocol, replicas: cluster.n, f: cluster.f, clients: clients, payload: payload,
                                     duration_s: duration, executed_ops: s.completed, errors: s.errors,
                                     throughput_ops: (throughput * 10).rounded() / 10,
                                     latency_ms: .init(mean: (h.mean / 1000 * 1000).rounded() / 1000, p50: ms(50), p90: ms(90),
                                                       p99: ms(99), p99_9: ms(99.9), max: Double(h.max) / 1000))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("""
            \(cluster.protocol) n=\(cluster.n) f=\(cluster.f)  clients=\(clients)  payload=\(payload) B  measured \(duration) s
              throughput  \(String(format: "%.0f", throughput)) ops/s   (\(s.completed) ops, \(s.errors) errors)
              latency ms  p50 \(ms(50))  p90 \(ms(90))  p99 \(ms(99))  p99.9 \(ms(99.9))  max \(Double(h.max) / 1000)
            """)
        }
    }
}

/// What `dqbft bench --json` prints: the keys of `SimulationReport` where they mean
/// the same, so one script reads both.
///
/// Guarantees: every key present in both reports has the same name, unit and meaning.
struct BenchReport: Codable {
    struct Latency: Codable { var mean, p50, p90, p99, p99_9, max: Double }
    var version = DQBFTVersion.current
    var `protocol`: String
    var replicas: Int
    var f: Int
    var clients: Int
    var payload: Int
    var duration_s: Double
    var executed_ops: Int
    var errors: Int
    var throughput_ops: Double
    var latency_ms: Latency
}
