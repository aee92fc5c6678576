import DQBFTClient
import DQBFTCore
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

@Suite("Client library: typed errors, timeouts and cancellation")
struct ClientTests {
    /// A configuration whose replicas are not running.
    static func deadCluster() -> ClusterFile {
        var (file, _) = ClusterFile.generate(protocol: "pbft", replicas: 4)
        for (i, port) in freePorts(4).enumerated() { file.replicas[i].port = port }
        return file
    }

    static func options(timeout: TimeAmount) -> DQBFTClient.Options {
        var o = DQBFTClient.Options()
        o.attemptTimeout = .milliseconds(100)
        o.operationTimeout = timeout
        o.connectTimeout = nil  // the replicas never come up: test the operation's own deadline
        return o
    }

    @Test("connect to a cluster that is down fails fast with .unavailable naming every unreachable replica")
    func unavailable() async throws {
        let file = Self.deadCluster()
        var options = Self.options(timeout: .seconds(30))
        options.connectTimeout = .milliseconds(500)
        do {
            _ = try await DQBFTClient.connect(configuration: file, options: options, logger: testLogger)
            Issue.record("connect returned a client with no replica up")
        } catch DQBFTClientError.unavailable(let down) {
            #expect(down.count == 4)
            #expect(down.allSatisfy { line in file.replicas.contains { line.hasSuffix(":\($0.port)") } })
        }
        // No wall-clock bound: on the CI machine the sweeps can starve every async test
        // for minutes (seen: 710 s). `dqbft kv` against a stopped cluster measures it (2.0 s).
    }

    /// How many attempts an operation made before it timed out. Counted, not timed:
    /// the attempt timeouts double from 100 ms, so a 300–600 ms deadline ends after a
    /// few attempts and a 30 s one after about ten, however slowly the machine runs.
    static func attempts(_ body: () async throws -> Void) async -> Int? {
        do { try await body() } catch DQBFTClientError.timeout(let n) { return n } catch { return nil }
        return nil
    }

    @Test("with no replica reachable an operation fails with .timeout after its deadline")
    func timeout() async throws {
        let client = try await DQBFTClient.connect(configuration: Self.deadCluster(), options: Self.options(timeout: .milliseconds(600)),
                                                   logger: testLogger)
        let n = await Self.attempts { try await client.put("k", "v") }
        #expect(n != nil && n! <= 5, "attempts: \(String(describing: n))")
        await client.close()
    }

    @Test("cancelling the calling task ends the wait with CancellationError")
    func cancellation() async throws {
        let client = try await DQBFTClient.connect(configuration: Self.deadCluster(), options: Self.options(timeout: .seconds(30)),
                                                   logger: testLogger)
        let task = Task { try await client.put("k", "v") }
        try await Task.sleep(nanoseconds: 150_000_000)
        task.cancel()
        // No wall-clock bound (CI runs loaded): an ignored cancellation would run on to the
        // 30 s deadline and end with `.timeout`, which this expectation rejects.
        await #expect(throws: CancellationError.self) { try await task.value }
        await client.close()
    }

    @Test("closing the client fails outstanding and later operations with .closed")
    func close() async throws {
        let client = try await DQBFTClient.connect(configuration: Self.deadCluster(), options: Self.options(timeout: .seconds(30)),
                                                   logger: testLogger)
        let task = Task { try await client.put("k", "v") }
        try await Task.sleep(nanoseconds: 150_000_000)
        await client.close()
        await #expect(throws: DQBFTClientError.closed) { try await task.value }
        await #expect(throws: DQBFTClientError.closed) { try await client.put("k", "v") }
    }

    @Test("a per-call timeout overrides the client's operation timeout")
    func perCallTimeout() async throws {
        let client = try await DQBFTClient.connect(configuration: Self.deadCluster(), options: Self.options(timeout: .seconds(30)),
                                                   logger: testLogger)
        let n = await Self.attempts { try await client.put("k", "v", timeout: .milliseconds(300)) }
        #expect(n != nil && n! <= 5, "attempts: \(String(describing: n))")
        await client.close()
    }

    @Test("withClient closes the client when its body throws")
    func scoped() async throws {
        struct Boom: Error {}
        var kept: DQBFTClient?
        await #expect(throws: Boom.self) {
            try await DQBFTClient.withClient(configuration: Self.deadCluster(), options: Self.options(timeout: .seconds(30)),
                                             logger: testLogger) { client in
                kept = client
                throw Boom()
            }
        }
        let client = try #require(kept)
        await #expect(throws: DQBFTClientError.closed) { try await client.put("k", "v") }
    }
}
