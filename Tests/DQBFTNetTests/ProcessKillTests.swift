import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import Foundation
import Testing
@testable import DQBFTNet

/// The time limit only guards against a hang: under a fully loaded CI machine (the seed
/// sweeps run in parallel) this test, about 20 s alone, has taken over a minute.
@Suite("End to end: replica processes killed with SIGKILL", .serialized, .timeLimit(.minutes(10)))
struct ProcessKillTests {
    @Test("no acknowledged write is lost when f replicas are SIGKILLed at arbitrary moments and restarted",
          .enabled(if: builtExecutable() != nil, "needs the dqbft executable (swift build first)"))
    func killNine() async throws {
        let executable = try #require(builtExecutable())
        let processes = try ProcessCluster(executable: executable)
        defer { processes.shutdown() }
        for i in 0..<4 { try processes.spawn(i) }

        var options = DQBFTClient.Options()
        options.concurrency = 4
        options.attemptTimeout = .milliseconds(300)
        options.operationTimeout = .seconds(20)
        let client = try await DQBFTClient.connect(configuration: processes.cluster, options: options, logger: testLogger)
        let acknowledged = LockedBox<[String]>([])
        let stop = LockedBox(false)
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        var i = 0
                        while !stop.withLock({ $0 }) {
                            i += 1
                            let key = "w\(w)-\(i)"
                            try await client.put(key, "value-\(key)")
                            acknowledged.withLock { $0.append(key) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Kill one replica at a time (f = 1) at arbitrary moments, then restart it.
        for victim in [2, 0, 3] {
            try await Task.sleep(nanoseconds: UInt64.random(in: 150_000_000...400_000_000))
            processes.killNine(victim)
            try await Task.sleep(nanoseconds: 300_000_000)
            try processes.spawn(victim)
            try await Task.sleep(nanoseconds: 800_000_000)
        }
        let writtenBeforeHealing = acknowledged.withLock { $0.count }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        stop.withLock { $0 = true }
        try await writers.value
        let total = acknowledged.withLock { $0.count }
        #expect(writtenBeforeHealing > 0 && total > writtenBeforeHealing, "writes continued through and after the faults")
        for key in acknowledged.withLock({ $0 }) {
            let value = try await client.get(key)
            #expect(value == "value-\(key)", "acknowledged write \(key) lost")
        }
        await client.close()
    }
}
