import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import Foundation
import NIOCore
import Testing
@testable import DQBFTNet

@Suite("Client library: a client that restarts with its identity", .serialized, .timeLimit(.minutes(10)))
struct ClientRestartTests {
    @Test("a client restarted with the same identity gets its new operations executed, not old cached results")
    func identityReuseAfterRestart() async throws {
        let cluster = TestCluster()
        defer { Task { await cluster.shutdown() } }
        try await cluster.startAll()
        let identity = ClientSigningKey()
        var options = DQBFTClient.Options()
        options.identity = identity
        options.attemptTimeout = .milliseconds(300)
        options.operationTimeout = .seconds(20)
        let first = try await DQBFTClient.connect(configuration: cluster.cluster, options: options, group: cluster.group,
                                                  logger: testLogger)
        try await first.put("k", "first")
        await first.close()
        // The same application restarted: same key, so the same client ids.
        let second = try await DQBFTClient.connect(configuration: cluster.cluster, options: options, group: cluster.group,
                                                   logger: testLogger)
        try await second.put("k", "second")
        #expect(try await second.get("k") == "second")
        await second.close()
    }
}
