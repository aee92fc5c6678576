import ArgumentParser
import DQBFTCore
import DQBFTSim
import Foundation

/// `dqbft compare`: the same run (arguments and seed) for several protocols.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run several protocols on the same simulated cluster and seed and compare them.",
        discussion: "Example: dqbft compare --protocols pbft,dqpbft,rcc --replicas 49 --topology azure10 --batch 200 --clients 20000",
        version: DQBFTVersion.current)

    @Option(help: "Comma-separated protocols; ratios are relative to the first.") var protocols = "pbft,dqpbft,rcc"
    @OptionGroup var runOptions: RunOptions
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        let names = protocols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty else { throw ValidationError("--protocols needs at least one protocol") }
        // Every name and flag is checked before the first run starts.
        var runs: [SimulationOptions] = []
        for name in names {
            guard ProtocolKind(rawValue: name) != nil else {
                throw ValidationError("--protocols: unknown protocol '\(name)'; known: "
                                      + ProtocolKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var options = try runOptions.simulationOptions()
            options.protocolName = name
            do { try options.validate() } catch let e as SimulationError { throw ValidationError("\(name): \(e.description)") }
            runs.append(options)
        }
        var reports: [SimulationReport] = []
        for options in runs {
            let name = options.protocolName
            if !json { FileHandle.standardError.write(Data("running \(name)…\n".utf8)) }
            let r = try Simulation(options: options).run()
            // Each result as soon as it exists: a later protocol may run out of memory or time.
            let line = "\(name): \(String(format: "%.0f ops/s, p50 %.1f ms, p99 %.1f ms", r.throughput_ops, r.latency_ms.p50, r.latency_ms.p99)), "
                + "safety \(r.safety), liveness \(r.liveness)\n"
            FileHandle.standardError.write(Data(line.utf8))
            reports.append(r)
        }
        let base = reports[0]
        if json {
            struct Row: Codable {
                var report: SimulationReport
                var throughput_ratio: Double
                var latency_p50_ratio: Double
            }
            let rows = reports.map {
                Row(report: $0, throughput_ratio: ratio($0.throughput_ops, base.throughput_ops),
                    latency_p50_ratio: ratio($0.latency_ms.p50, base.latency_ms.p50))
            }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(["runs": rows]), as: UTF8.self))
            return
        }
        let header = ["protocol", "ops/s", "x", "p50 ms", "p90 ms", "p99 ms", "MB/replica", "max MB", "cpu %", "uplink %", "views",
                      "safety", "liveness"]
        var rows = [header]
        for r in reports {
            rows.append([r.protocol, String(format: "%.0f", r.throughput_ops), String(format: "%.2f", ratio(r.throughput_ops, base.throughput_ops)),
                         String(format: "%.1f", r.latency_ms.p50), String(format: "%.1f", r.latency_ms.p90),
                         String(format: "%.1f", r.latency_ms.p99), String(format: "%.1f", r.bytes_sent_per_replica.mean / 1e6),
                         String(format: "%.1f", Double(r.bytes_sent_per_replica.max) / 1e6),
                         String(format: "%.0f/%d", r.cpu_busy_percent.mean, r.cpu_busy_percent.max),
                         String(format: "%.0f/%d", r.uplink_busy_percent.mean, r.uplink_busy_percent.max),
                         "\(r.view_changes)", r.safety, r.liveness])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        print("N=\(base.replicas) on \(base.topology), \(base.clients) clients, batch \(base.batch), \(base.payload)-byte commands, \(base.duration_s)s, seed \(base.seed)")
        for row in rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }

    func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : (a / b * 1000).rounded() / 1000 }
}
