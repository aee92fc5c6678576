import DQBFTCore
import Foundation
import Testing
@testable import DQBFTNet

/// A replica whose disk lost or damaged what it promised does not start as if
/// nothing happened, and one whose log cannot be written stops.
@Suite("Durability: refusing to start, stopping on a log failure", .serialized, .timeLimit(.minutes(10)))
struct StartupRefusalTests {
    /// A cluster that took `puts` writes (several stable checkpoints), with replica 1 stopped.
    static func clusterWithHistory(puts: Int = 40) async throws -> TestCluster {
        let cluster = TestCluster()
        try await cluster.startAll()
        let client = try await cluster.client()
        for i in 0..<puts { try await client.put("k\(i)", "v\(i)") }
        await client.close()
        let snapshot = cluster.directory + "/data-1/checkpoint.snapshot"
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: snapshot) { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(FileManager.default.fileExists(atPath: snapshot))
        await cluster.stop(1)
        return cluster
    }

    static func flipByte(_ path: String, at position: (Int) -> Int) {
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[position(bytes.count)] ^= 0x04
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    @Test("a used data directory whose log is gone refuses to start")
    func missingLog() async throws {
        let cluster = try await Self.clusterWithHistory()
        defer { Task { await cluster.shutdown() } }
        try FileManager.default.removeItem(atPath: cluster.directory + "/data-1/wal")
        await #expect(throws: ReplicaServiceError.self) { try await cluster.start(1) }
    }

    @Test("a wiped data directory starts only as a declared first start; another replica's directory is refused")
    func wipedOrForeignDirectory() async throws {
        let cluster = try await Self.clusterWithHistory()
        defer { Task { await cluster.shutdown() } }
        try FileManager.default.removeItem(atPath: cluster.directory + "/data-1")
        await #expect {
            try await cluster.start(1) { $0.startsNewReplica = false }
        } throws: { error in
            guard case ReplicaServiceError.dataDirectoryEmpty(let path) = error else { return false }
            return path.hasSuffix("data-1") && "\(error)".contains("--new")
        }
        await cluster.stop(2)
        await #expect {
            try await cluster.start(1) { $0.dataDirectory = cluster.directory + "/data-2" }
        } throws: { error in
            guard case ReplicaServiceError.dataDirectoryOfAnother(_, let found, let expected) = error else { return false }
            return found.hasPrefix("dqbft replica 2 of cluster") && expected.hasPrefix("dqbft replica 1 of cluster")
        }
        // Declared a first start, the empty directory starts (the operator's call).
        try await cluster.start(1)
        #expect(DataDirectoryIdentity.recorded(in: cluster.directory + "/data-1")?.hasPrefix("dqbft replica 1") == true)
    }

    @Test("a bit flip in the log or the snapshot refuses to start, naming the file")
    func corruption() async throws {
        let cluster = try await Self.clusterWithHistory()
        defer { Task { await cluster.shutdown() } }
        let wal = cluster.directory + "/data-1/wal"
        // A record that intact ones follow: in a closed segment, or the newest one's
        // first of several (a flip in the newest segment's last record looks like a
        // torn write). Which segments exist depends on when snapshots released them.
        let counts = try WriteAheadLog.recover(directory: wal).segmentRecords
        let target = try #require(counts.enumerated().first { $0.offset < counts.count - 1 || $0.element.count >= 2 }?.element,
                                  "no record with an intact one after it: \(counts)")
        let first = wal + "/" + WriteAheadLog.segmentName(target.index)
        let original = FileManager.default.contents(atPath: first)!
        Self.flipByte(first) { _ in 8 }  // the first record's first payload byte
        await #expect { try await cluster.start(1) } throws: { error in
            guard case StorageError.corrupt(let path, _) = error else { return false }
            return path == first
        }
        FileManager.default.createFile(atPath: first, contents: original)
        let snapshot = cluster.directory + "/data-1/checkpoint.snapshot"
        Self.flipByte(snapshot) { $0 - 10 }
        await #expect { try await cluster.start(1) } throws: { error in
            guard case StorageError.corrupt(let path, _) = error else { return false }
            return path == snapshot
        }
    }

    @Test("a replica whose log cannot be written calls onFatal (by default: exits)")
    func logFailureIsFatal() async throws {
        let cluster = TestCluster()
        defer { Task { await cluster.shutdown() } }
        for i in [0, 2, 3] { try await cluster.start(i) }
        let fatal = LockedBox<String?>(nil)
        try await cluster.start(1) { options in
            options.logIO = CrashingLogIO(crashAt: 30)
            options.onFatal = { error in fatal.withLock { $0 = "\(error)" } }
        }
        let client = try await cluster.client()
        for i in 0..<40 where fatal.withLock({ $0 }) == nil { try await client.put("k\(i)", "v\(i)") }
        await client.close()
        #expect(fatal.withLock { $0 }?.contains("crash") == true, "\(String(describing: fatal.withLock { $0 }))")
    }
}
