import ArgumentParser
import DQBFTCore
import DQBFTNet
import Foundation
import NIOCore
import NIOPosix

/// `dqbft status`: where every replica of a cluster stands, in one table.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every replica's status (views per instance, executed slot, peers, readiness) from its /status endpoint.",
        discussion: """
        Each replica serves /status, /livez, /readyz and /metrics on its metricsPort in the configuration ('dqbft cluster' \
        and 'dqbft keygen' record one per replica), or on --metrics-base-port + id. Views: "main" is PBFT's instance or \
        DQ's ordering instance; "D2" is replica 2's D-instance, or RCC's instance 2.
        Exit status: 0 every replica is up and ready; 1 some replica is down or not ready; 3 the configuration cannot \
        be read; 5 no replica answered.
        """,
        version: DQBFTVersion.current)

    @Option(help: "Cluster configuration file.") var config: String
    @Option(help: "HTTP port of replica 0 when the configuration records none (replica I: this + I).") var metricsBasePort: Int?
    @Option(help: "Seconds to wait for each replica.") var timeout = 2.0
    @Flag(help: "Print one JSON object: {\"replicas\": [ServiceHealth or {\"replica\", \"error\"}]}.") var json = false

    func validate() throws {
        guard timeout > 0, timeout <= 60 else { throw ValidationError("--timeout must be in (0, 60] seconds, got \(timeout)") }
    }

    func run() async throws {
        let cluster = try ClusterInput.load(config)
        let targets = try cluster.replicas.map { entry -> (Int, String, Int) in
            guard let port = entry.metricsPort ?? metricsBasePort.map({ $0 + entry.id }) else {
                throw ExitStatus.fail(ExitStatus.badInput, "\(config) records no metricsPort for replica \(entry.id); "
                                      + "pass --metrics-base-port (the --metrics-base-port of 'dqbft cluster')")
            }
            return (entry.id, entry.host, port)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let wait = TimeAmount.nanoseconds(Int64(timeout * 1e9))
        var answers: [Int: Result<ServiceHealth, HTTPGetError>] = [:]
        await withTaskGroup(of: (Int, Result<ServiceHealth, HTTPGetError>).self) { tasks in
            for (id, host, port) in targets {
                tasks.addTask {
                    switch await HTTPGet.fetch(host: host, port: port, path: "/status", timeout: wait, group: group) {
                    case .failure(let e): return (id, .failure(e))
                    case .success(let (code, body)):
                        guard code == 200, let h = try? JSONDecoder().decode(ServiceHealth.self, from: Data(body)) else {
                            return (id, .failure(.unreachable("HTTP \(code) from \(host):\(port)/status")))
                        }
                        return (id, .success(h))
                    }
                }
            }
            for await (id, answer) in tasks { answers[id] = answer }
        }
        try? await group.shutdownGracefully()
        if json { printJSON(answers, cluster: cluster) } else { printTable(answers, targets: targets, cluster: cluster) }
        let up = answers.values.compactMap { try? $0.get() }
        if up.isEmpty { throw ExitStatus.unavailable }
        if up.count < cluster.n || up.contains(where: { !$0.ready }) { throw ExitStatus.negative }
    }

    func printTable(_ answers: [Int: Result<ServiceHealth, HTTPGetError>], targets: [(Int, String, Int)], cluster: ClusterFile) {
        print("\(cluster.protocol) n=\(cluster.n) f=\(cluster.f)  (\(config))")
        var rows = [["replica", "address", "state", "executed", "views", "peers", "clients", "disk", "note"]]
        for (id, host, port) in targets {
            let address = "\(cluster.replicas[id].host):\(cluster.replicas[id].port)"
            switch answers[id] {
            case .success(let h):
                // "main" first, then D0, D1, … in numeric order.
                let order = { (k: String) -> Int in k == "main" ? -1 : Int(k.dropFirst()) ?? Int.max }
                let views = h.views.sorted { order($0.key) < order($1.key) }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                let peers = "\(h.peers_connected.count)/\(h.peers_connected.count + h.peers_down.count)"
                    + (h.peers_down.isEmpty ? "" : " (down: \(h.peers_down.map(String.init).joined(separator: ",")))")
                let disk = h.wal_segments == 0 && h.snapshot_bytes == 0 ? "-"
                    : "wal \(Self.bytes(h.wal_bytes)) (\(h.wal_segments) segments), snapshot \(Self.bytes(h.snapshot_bytes))"
                rows.append(["\(id)", address, h.ready ? "ready" : "UNREADY", "\(h.last_executed) (stable \(h.stable_checkpoint))", views,
                             peers, "\(h.client_connections)", disk, h.unready_reasons.joined(separator: "; ") + (h.awaiting_state ? " (state transfer)" : "")])
            case .failure(let e):
                rows.append(["\(id)", address, "DOWN", "-", "-", "-", "-", "-", "\(host):\(port)/status \(e)"])
            case nil:
                rows.append(["\(id)", address, "DOWN", "-", "-", "-", "-", "-", "no answer"])
            }
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    /// `bytes` in B, KiB, MiB or GiB with one decimal.
    static func bytes(_ bytes: UInt64) -> String {
        var value = Double(bytes), unit = 0
        let units = ["B", "KiB", "MiB", "GiB"]
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    func printJSON(_ answers: [Int: Result<ServiceHealth, HTTPGetError>], cluster: ClusterFile) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rows: [String] = (0..<cluster.n).map { id in
            switch answers[id] {
            case .success(let h)?: return String(decoding: (try? encoder.encode(h)) ?? Data(), as: UTF8.self)
            case .failure(let e)?:
                return String(decoding: (try? encoder.encode(["replica": "\(id)", "error": "\(e)"])) ?? Data(), as: UTF8.self)
            case nil: return "{\"replica\":\"\(id)\",\"error\":\"no answer\"}"
            }
        }
        print("{\"replicas\":[\(rows.joined(separator: ","))]}")
    }
}
