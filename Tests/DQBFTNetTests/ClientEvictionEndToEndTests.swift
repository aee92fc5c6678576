import DQBFTCore
import Foundation
import Testing
@testable import DQBFTClient
@testable import DQBFTNet

/// The client table's eviction through a real cluster: a client refused for a full
/// table gets `.refused`, an idle client's entry goes to a new one, and the evicted
/// client's next operation is refused for its stale epoch, re-signed by `DQBFTClient`
/// and executed.
@Suite("End to end: client table eviction", .serialized, .timeLimit(.minutes(10)))
struct ClientEvictionEndToEndTests {
    @Test("a full table refuses, evicts an idle client for a new one, and the evicted client comes back by re-signing")
    func evictionThroughTheCluster() async throws {
        let cluster = TestCluster(tune: { $0.maxClients = 2; $0.clientEvictionAge = 2 })
        try await cluster.startAll()
        let a = try await cluster.client(), b = try await cluster.client(), c = try await cluster.client()
        do {
            try await a.put("a", "1")  // recording 1
            try await b.put("b", "1")  // recording 2
            await #expect(throws: DQBFTClientError.refused("the replicas' client table is full")) {
                try await c.put("c", "1")  // a is one recording idle: too recent to evict
            }
            try await b.put("b", "2")  // recording 3: a is two idle
            try await c.put("c", "1")  // evicts a (floor 2)
            try await c.put("c", "2")
            try await c.put("c", "3")  // b is now three idle
            #expect(await a.epoch == 0)
            try await a.put("a", "2")  // refused for epoch 0 < floor 2; re-signed with epoch 2; evicts b
            #expect(await a.epoch == 2)
            let valueA = try await a.get("a"), valueC = try await c.get("c")
            #expect(valueA == "2" && valueC == "3")
        } catch {
            Issue.record("unexpected \(error)")
        }
        for client in [a, b, c] { await client.close() }
        await cluster.shutdown()
    }
}
