import DQBFTClient
import DQBFTCore
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

/// What an operator sees: `/livez`, `/readyz`, `/status`, labelled metrics, the
/// Grafana dashboard and `dqbft status`.
@Suite("Operator surface: health endpoints, status, metrics names", .serialized, .timeLimit(.minutes(10)))
struct OperatorSurfaceTests {
    /// One GET on loopback: status code and body.
    static func get(_ port: Int, _ path: String) throws -> (Int, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (0, "connect failed") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let code = Int(parts[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        return (code, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A running 4-replica DQPBFT cluster with metrics ports that executed one put.
    static func clusterWithOneWrite() async throws -> TestCluster {
        let c = TestCluster(n: 4, protocol: "dqpbft", metrics: true)
        do {
            try await c.startAll()
            let client = try await c.client()
            try await client.put("k", "v")
            await client.close()
            return c
        } catch {
            await c.shutdown()
            throw error
        }
    }

    @Test("/status shows every D-instance's view, client connections and the log's size; /readyz turns unready when the replica loses its peers, /livez stays up")
    func readiness() async throws {
        let c = try await Self.clusterWithOneWrite()
        defer { Task { await c.shutdown() } }
        let port = try #require(c.cluster.replicas[0].metricsPort)
        let client = try await c.client()
        for i in 0..<40 { try await client.put("k\(i)", "v") }  // past a few checkpoints (interval 8)
        let (code, body) = try Self.get(port, "/status")
        await client.close()
        #expect(code == 200)
        let health = try JSONDecoder().decode(ServiceHealth.self, from: Data(body.utf8))
        #expect(health.ready && health.views.keys.sorted() == ["D0", "D1", "D2", "D3", "main"])
        #expect(health.last_executed >= 1 && health.version == DQBFTVersion.current)
        #expect(health.stable_checkpoint >= 8 && health.stable_checkpoint <= health.last_executed, "\(body)")
        #expect(health.client_connections >= 1 && health.wal_segments >= 1 && health.wal_bytes > 0, "\(body)")
        #expect(try Self.get(port, "/readyz").0 == 200)
        for i in 1..<4 { await c.stop(i) }
        var ready = try Self.get(port, "/readyz")
        for _ in 0..<50 where !ready.1.contains("links to 0 of 3 peers") {
            try await Task.sleep(nanoseconds: 100_000_000)
            ready = try Self.get(port, "/readyz")
        }
        #expect(ready.0 == 503 && ready.1.contains("links to 0 of 3 peers"), "\(ready)")
        #expect(try Self.get(port, "/livez") == (200, "ok\n"))
        #expect(try Self.get(port, "/nope").0 == 404)
    }

    @Test("every metric the Grafana dashboard queries is one a replica exports")
    func dashboardNames() async throws {
        let c = try await Self.clusterWithOneWrite()
        defer { Task { await c.shutdown() } }
        try await Task.sleep(nanoseconds: 1_500_000_000)  // the per-peer gauges refresh every second
        let port = try #require(c.cluster.replicas[0].metricsPort)
        let exported = Set(try Self.get(port, "/metrics").1.split(separator: "\n")
            .filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        #expect(exported.contains("dqbft_peer_connected") && exported.contains("dqbft_build_info"))
        let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/grafana/dqbft-dashboard.json")
        let text = try String(contentsOf: dashboard, encoding: .utf8)
        let used = Set(text.matches(of: /dqbft_[a-z0-9_]+/).map { String($0.output) }.map { name in
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
            return name
        })
        #expect(used.count >= 10)
        for name in used.sorted() {
            #expect(exported.contains(name), "dashboard queries \(name), which no replica exports")
        }
    }

    @Test("dqbft status names the replica that is down and shows every D-instance's view (exit 1)",
          .enabled(if: builtExecutable() != nil, "needs the dqbft executable"))
    func statusCommand() async throws {
        let c = try await Self.clusterWithOneWrite()
        defer { Task { await c.shutdown() } }
        await c.stop(2)
        // Replica 0 reports what its link to 2 knows: wait until it has seen the close
        // (under load the status could otherwise be read first).
        #expect(await eventually(5) { await !c.linkEstablished(0, to: 2) })
        let path = c.directory + "/cluster.json"
        try c.cluster.write(to: path)
        let r = try CommandLineTests.run(["status", "--config", path])
        #expect(r.status == 1, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        let down = try #require(lines.first { $0.hasPrefix("2 ") })
        #expect(down.contains("DOWN") && down.contains(":\(c.cluster.replicas[2].metricsPort!)/status"))
        let up = try #require(lines.first { $0.hasPrefix("0 ") })
        #expect(up.contains("main=0 D0=0 D1=0 D2=") && up.contains("(down: 2)"), "\(up)")
        #expect(up.contains("wal ") && up.contains("snapshot "), "\(up)")
    }
}
