import DQBFTClient
import DQBFTCore
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

@Suite("End to end: in-process replica services over loopback TCP", .serialized, .timeLimit(.minutes(10)))
struct ClusterTests {
    @Test("a 4-replica PBFT cluster serves puts, gets and deletes")
    func putsAndGets() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let client = try await cluster.client(concurrency: 8)
        try await client.put("alpha", "1")
        #expect(try await client.get("alpha") == "1")
        #expect(try await client.get("missing") == nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 { group.addTask { for j in 0..<10 { try await client.put("k\(i)-\(j)", "v\(j)") } } }
            try await group.waitForAll()
        }
        #expect(try await client.get("k7-9") == "v9")
        #expect(try await client.delete(Array("alpha".utf8)))
        #expect(try await client.get("alpha") == nil)
        // All replicas execute the same sequence to the same state.
        let converged = await eventually(10) {
            let s = await cluster.statuses().compactMap { $0 }
            return s.count == 4 && Set(s.map(\.lastExecuted)).count == 1 && Set(s.map(\.stateDigest)).count == 1
        }
        #expect(converged)
        await client.close()
        await cluster.shutdown()
    }

    @Test("unsigned requests are refused by replicas that require client signatures")
    func unsignedRequestsRefused() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let unsigned = try await cluster.client(signing: false, operationTimeout: .seconds(2))
        await #expect(throws: DQBFTClientError.self) { try await unsigned.put("forged", "1") }
        let client = try await cluster.client()
        try await client.put("signed", "1")
        #expect(try await client.get("forged") == nil)
        #expect(try await client.get("signed") == "1")
        await unsigned.close()
        await client.close()
        await cluster.shutdown()
    }

    @Test("every composition of the core serves puts and gets over TCP", arguments: ["dqpbft", "rcc"])
    func otherProtocols(_ name: String) async throws {
        let cluster = TestCluster(protocol: name)
        try await cluster.startAll()
        let client = try await cluster.client(concurrency: 8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 { group.addTask { for j in 0..<5 { try await client.put("\(name)\(i)-\(j)", "v\(j)") } } }
            try await group.waitForAll()
        }
        #expect(try await client.get("\(name)3-4") == "v4")
        let converged = await eventually(10) {
            let s = await cluster.statuses().compactMap { $0 }
            return s.count == 4 && Set(s.map(\.lastExecuted)).count == 1 && Set(s.map(\.stateDigest)).count == 1
        }
        #expect(converged)
        await client.close()
        await cluster.shutdown()
    }

    @Test("a replica stopped and restarted replays its log and catches up by state transfer")
    func restartCatchesUp() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let client = try await cluster.client(concurrency: 4)
        for i in 0..<10 { try await client.put("before-\(i)", "x") }
        await cluster.stop(3)
        // Enough slots for several checkpoints (every 8 slots) while replica 3 is down.
        for i in 0..<60 { try await client.put("during-\(i)", "y") }
        try await cluster.start(3)
        for i in 0..<40 { try await client.put("after-\(i)", "z") }
        // Generous: CI runs this beside CPU-heavy suites on two cores.
        let caughtUp = await eventually(45) {
            let s = await cluster.statuses().compactMap { $0 }
            return s.count == 4 && Set(s.map(\.lastExecuted)).count == 1 && Set(s.map(\.stateDigest)).count == 1
        }
        let final = await cluster.statuses()
        #expect(caughtUp, "statuses: \(final)")
        #expect((final[3]?.stateTransfers ?? 0) >= 1, "the restarted replica installed a snapshot")
        #expect((final[3]?.restoredMessages ?? 0) >= 10, "the restarted replica replayed the votes it logged")
        await client.close()
        await cluster.shutdown()
    }

    @Test("the primary stopped: a view change elects a new one and writes continue")
    func primaryFails() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let client = try await cluster.client(concurrency: 2)
        for i in 0..<5 { try await client.put("a\(i)", "1") }
        await cluster.stop(0)
        for i in 0..<10 { try await client.put("b\(i)", "2") }
        #expect(try await client.get("b9") == "2")
        let statuses = await cluster.statuses().compactMap { $0 }
        #expect(statuses.allSatisfy { $0.view.rawValue >= 1 }, "views: \(statuses.map(\.view))")
        await client.close()
        await cluster.shutdown()
    }

    @Test("acknowledged writes survive crash-restarts of f replicas in turn, the primary last")
    func crashCycle() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let client = try await cluster.client(concurrency: 4)
        var acknowledged: [String] = []
        for victim in [1, 2, 3, 0] {
            await cluster.stop(victim)
            for i in 0..<12 { try await client.put("c\(victim)-\(i)", "v\(i)"); acknowledged.append("c\(victim)-\(i)") }
            try await cluster.start(victim)
            for i in 12..<24 { try await client.put("c\(victim)-\(i)", "v\(i)"); acknowledged.append("c\(victim)-\(i)") }
            let caughtUp = await eventually(15) {
                let s = await cluster.statuses().compactMap { $0 }
                return s.count == 4 && Set(s.map(\.stateDigest)).count == 1
            }
            let statuses = await cluster.statuses()
            #expect(caughtUp, "after restarting replica \(victim): \(statuses)")
        }
        for key in acknowledged {
            let value = try await client.get(key)
            #expect(value == "v\(key.split(separator: "-").last!)", "lost \(key)")
        }
        await client.close()
        await cluster.shutdown()
    }

    @Test("garbage, oversized frames and unauthenticated junk do not disturb a replica")
    func hostileInput() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for entry in cluster.cluster.replicas {
            // Random bytes.
            let junk = try await ClientBootstrap(group: group).connect(host: entry.host, port: entry.port).get()
            try? await junk.writeAndFlush(junk.allocator.buffer(bytes: (0..<4096).map { _ in UInt8.random(in: 0...255) }))
            // An oversized length prefix (1 GiB).
            let big = try await ClientBootstrap(group: group).connect(host: entry.host, port: entry.port).get()
            try? await big.writeAndFlush(big.allocator.buffer(bytes: [0x40, 0, 0, 0, 1, 2, 3]))
            try await big.closeFuture.get()
            try? await junk.closeFuture.get()
        }
        let client = try await cluster.client()
        try await client.put("still", "serving")
        #expect(try await client.get("still") == "serving")
        await client.close()
        try await group.shutdownGracefully()
        await cluster.shutdown()
    }
}
