import DQBFTCore
import Foundation
import Testing
@testable import DQBFTNet

/// Numbers for issue 27 (not part of the suite: set DQBFT_MEASURE_MIB to the
/// state size in MiB): how long a restarted replica takes to catch up on a state
/// it missed, how many bytes that moves, and how long a full-cluster restart
/// takes to bring the state back from the snapshots.
@Suite("Measurement: catching up after a restart", .serialized)
struct CatchUpMeasurementTests {
    static let mib = ProcessInfo.processInfo.environment["DQBFT_MEASURE_MIB"].flatMap(Int.init)

    @Test("a restarted replica catches up; the whole cluster restarts from its snapshots",
          .enabled(if: mib != nil, "set DQBFT_MEASURE_MIB"), .timeLimit(.minutes(10)))
    func measure() async throws {
        let mib = try #require(Self.mib)
        let cluster = TestCluster()
        defer { Task { await cluster.shutdown() } }
        try await cluster.startAll()
        await cluster.stop(3)
        let client = try await cluster.client(concurrency: 8, operationTimeout: .seconds(60))
        let value = String(repeating: "x", count: 64 << 10)
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<8 {
                group.addTask { for i in stride(from: w, to: mib * 16, by: 8) { try await client.put("key-\(i)", value) } }
            }
            try await group.waitForAll()
        }
        print("MEASURE wrote \(mib) MiB in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let reference = try #require(await cluster.statuses()[0])
        func stable(_ i: Int) -> Int {
            (try? SnapshotFile.read(cluster.directory + "/data-\(i)/checkpoint.snapshot")).flatMap { $0?.count } ?? 0
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        print("MEASURE snapshot file of replica 0: \(stable(0)) bytes; executed \(reference.lastExecuted)")

        let restart = Date()
        try await cluster.start(3)
        var caughtUp = false
        while Date().timeIntervalSince(restart) < 120 {
            if let s = try? await cluster.services[3]?.status(), s.stateTransfers > 0, s.lastExecuted >= reference.lastExecuted {
                caughtUp = true
                break
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let caughtUpAfter = Date().timeIntervalSince(restart)
        let s3 = await cluster.statuses()[3]
        print("MEASURE restarted replica: caughtUp=\(caughtUp) after \(String(format: "%.2f", caughtUpAfter)) s, "
              + "\(s3?.stateChunksReceived ?? 0) state chunks, \(s3?.stateBytesReceived ?? 0) state bytes received, status \(String(describing: s3))")
        #expect(caughtUp, "the restarted replica did not catch up on a \(mib) MiB state")

        await client.close()
        for i in 0..<4 { await cluster.stop(i) }
        let full = Date()
        try await cluster.startAll()
        var restored = false
        var threeBack: Double?
        while Date().timeIntervalSince(full) < 120 {
            let back = await cluster.statuses().map { ($0?.lastExecuted ?? .zero) >= reference.lastExecuted }
            if threeBack == nil, back.prefix(3).allSatisfy({ $0 }) { threeBack = Date().timeIntervalSince(full) }
            if back.allSatisfy({ $0 }) { restored = true; break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        print("MEASURE full-cluster restart: replicas 0-2 back after \(threeBack.map { String(format: "%.2f", $0) } ?? "-") s, "
              + "all four restored=\(restored) after \(String(format: "%.2f", Date().timeIntervalSince(full))) s")
        let reader = try await cluster.client(operationTimeout: .seconds(60))
        let read = try await reader.get("key-\(mib * 16 - 1)")
        #expect(read == value)
        await reader.close()
    }
}
