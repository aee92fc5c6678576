import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import DQBFTSim
import Foundation
import Testing
@testable import DQBFTNet

/// Records a client history in wall-clock nanoseconds since the test started.
final class HistoryRecorder: @unchecked Sendable {
    let start = DispatchTime.now().uptimeNanoseconds
    let operations = LockedBox<[HistoryOperation]>([])
    var now: Int64 { Int64(DispatchTime.now().uptimeNanoseconds - start) }

    func put(_ client: DQBFTClient, lane: UInt64, _ key: String, _ value: String) async throws {
        let invoked = now
        do {
            try await client.put(key, value)
        } catch {
            operations.withLock { $0.append(HistoryOperation(client: lane, kind: .put, key: key, value: value, invokeNanos: invoked,
                                                             completeNanos: nil, result: .unknown)) }
            throw error
        }
        let done = now
        operations.withLock { $0.append(HistoryOperation(client: lane, kind: .put, key: key, value: value, invokeNanos: invoked,
                                                         completeNanos: done, result: .unknown)) }
    }

    func get(_ client: DQBFTClient, lane: UInt64, _ key: String) async throws -> String? {
        let invoked = now
        let value = try await client.get(key)
        let done = now
        operations.withLock { $0.append(HistoryOperation(client: lane, kind: .get, key: key, invokeNanos: invoked,
                                                         completeNanos: done, result: value.map { .value($0) } ?? .absent)) }
        return value
    }
}

/// The acceptance test of durability: the whole cluster dies at once (SIGKILL of
/// every replica process, writes in flight) and comes back on the same data
/// directories. Nothing any client was told is lost.
@Suite("End to end: every replica killed with SIGKILL at once", .serialized, .timeLimit(.minutes(10)))
struct FullRestartTests {
    /// Single primary, DQ and multi-primary (every instance's certificate is in the
    /// snapshot); DQBFT_RESTART_PROTOCOL picks another one.
    static let protocols = ProcessInfo.processInfo.environment["DQBFT_RESTART_PROTOCOL"].map { [$0] } ?? ["pbft", "dqpbft", "rcc"]

    @Test("a full-cluster restart loses no acknowledged write (the history stays linearizable)",
          .enabled(if: builtExecutable() != nil, "needs the dqbft executable (swift build first)"), arguments: protocols)
    func fullClusterRestart(protocol name: String) async throws {
        let cluster = try ProcessCluster(executable: try #require(builtExecutable()), protocol: name)
        defer { cluster.shutdown() }
        for i in 0..<4 { try cluster.spawn(i) }

        var options = DQBFTClient.Options()
        options.concurrency = 4
        options.attemptTimeout = .milliseconds(300)
        options.maxAttemptTimeout = .seconds(1)
        options.operationTimeout = .seconds(30)
        let client = try await DQBFTClient.connect(configuration: cluster.cluster, options: options, logger: testLogger)
        let history = HistoryRecorder()
        let acknowledged = LockedBox<[String]>([])
        let stop = LockedBox(false)
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var i = 0
                        while !stop.withLock({ $0 }) {
                            i += 1
                            let key = "w\(w)-\(i)"
                            guard (try? await history.put(client, lane: UInt64(w), key, "v-\(key)")) != nil else { return }
                            acknowledged.withLock { $0.append(key) }
                        }
                    }
                }
            }
        }
        // Enough writes for several checkpoints (every 8 slots) and log rotations: at
        // least 1.5 s and 100 acknowledged writes (a loaded CI machine is slower).
        try await Task.sleep(nanoseconds: 1_500_000_000)
        for _ in 0..<600 where acknowledged.withLock({ $0.count }) <= 100 { try await Task.sleep(nanoseconds: 100_000_000) }
        stop.withLock { $0 = true }
        for i in 0..<4 { cluster.killNine(i) }
        let beforeRestart = acknowledged.withLock { $0.count }
        try await Task.sleep(nanoseconds: 200_000_000)
        for i in 0..<4 { try cluster.spawn(i) }
        await writers.value
        let written = acknowledged.withLock { $0 }
        #expect(beforeRestart > 100, "the cluster took writes before it was killed (\(beforeRestart))")

        var lost: [String] = []
        for (n, key) in written.enumerated() {
            let value = try await history.get(client, lane: UInt64(4 + n % 4), key)
            if value != "v-\(key)" { lost.append(key) }
        }
        let report = try LinearizabilityChecker().check(history.operations.withLock { $0 })
        #expect(lost.isEmpty, "\(lost.count) of \(written.count) acknowledged writes lost, e.g. \(lost.prefix(5))")
        #expect(report.verdict == .linearizable, "\(report.text(explaining: 2))")
        await client.close()
    }
}
