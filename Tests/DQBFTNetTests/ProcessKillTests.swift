import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import Foundation
import Testing
@testable import DQBFTNet

/// The built `dqbft` executable next to the test bundle, if `swift build` produced it.
func builtExecutable() -> URL? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("dqbft")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}

/// The time limit only guards against a hang: under a fully loaded CI machine (the seed
/// sweeps run in parallel) this test, about 20 s alone, has taken over a minute.
@Suite("End to end: replica processes killed with SIGKILL", .serialized, .timeLimit(.minutes(4)))
struct ProcessKillTests {
    @Test("no acknowledged write is lost when f replicas are SIGKILLed at arbitrary moments and restarted",
          .enabled(if: builtExecutable() != nil, "needs the dqbft executable (swift build first)"))
    func killNine() async throws {
        let executable = try #require(builtExecutable())
        let dir = temporaryDirectory("kill9")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var tuning = ClusterFile.Tuning()
        tuning.checkpointInterval = 8
        tuning.windowSize = 32
        tuning.batchTimeoutMs = 1
        tuning.requestTimeoutMs = 400
        tuning.progressTimeoutMs = 400
        tuning.viewChangeTimeoutMs = 800
        tuning.stateRetryMs = 200
        var (cluster, keys) = ClusterFile.generate(protocol: "pbft", replicas: 4, tuning: tuning)
        for (i, port) in freePorts(4).enumerated() { cluster.replicas[i].port = port }
        try cluster.write(to: dir + "/cluster.json")
        for (i, key) in keys.enumerated() { try KeyFiles.writePrivateKey(key, to: dir + "/replica-\(i).key") }

        func spawn(_ i: Int) throws -> Process {
            let p = Process()
            p.executableURL = executable
            p.arguments = ["replica", "--config", dir + "/cluster.json", "--id", "\(i)", "--data-dir", dir + "/data-\(i)",
                           "--log-level", "error"] + (FileManager.default.fileExists(atPath: dir + "/data-\(i)") ? [] : ["--new"])
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        var processes = try (0..<4).map(spawn)
        defer { for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) } }

        var options = DQBFTClient.Options()
        options.concurrency = 4
        options.attemptTimeout = .milliseconds(300)
        options.operationTimeout = .seconds(20)
        let client = try await DQBFTClient.connect(configuration: cluster, options: options, logger: testLogger)
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
            kill(processes[victim].processIdentifier, SIGKILL)
            processes[victim].waitUntilExit()
            try await Task.sleep(nanoseconds: 300_000_000)
            processes[victim] = try spawn(victim)
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
        for p in processes { p.terminate() }
        for p in processes { p.waitUntilExit() }
    }
}
