import Foundation
import Testing
@testable import DQBFTNet

@Suite("Write-ahead log, snapshots and CRC-32C")
struct StorageTests {
    @Test("CRC-32C matches the standard check value")
    func crcVector() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let split = long.withUnsafeBytes { all in
            CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(rebasing: all[0..<333])), UnsafeRawBufferPointer(rebasing: all[333...]))
        }
        #expect(split == CRC32C.checksum(long))
    }

    @Test("synced records survive reopening, in order")
    func appendAndRecover() throws {
        let dir = temporaryDirectory("wal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let records = (0..<50).map { i in [UInt8](repeating: UInt8(i), count: i * 13) }
        do {
            let log = try WriteAheadLog(directory: dir)
            for r in records { try log.append(r) }
            try log.sync()
        }
        let recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == records)
        #expect(!recovery.tornTail)
    }

    @Test("a torn tail is detected, truncated, and appends continue after the last intact record")
    func tornTail() throws {
        let dir = temporaryDirectory("wal-torn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try WriteAheadLog(directory: dir)
        try log.append([1, 2, 3]); try log.append([4, 5]); try log.sync()
        let segment = dir + "/" + WriteAheadLog.segmentName(0)
        // A crash mid-write: a header promising 100 bytes and only 10 of them.
        let handle = FileHandle(forWritingAtPath: segment)!
        handle.seekToEndOfFile()
        handle.write(Data([0, 0, 0, 100, 1, 2, 3, 4] + [UInt8](repeating: 9, count: 10)))
        handle.closeFile()
        var recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == [[1, 2, 3], [4, 5]])
        #expect(recovery.tornTail)
        let reopened = try WriteAheadLog(directory: dir)
        try reopened.append([6]); try reopened.sync()
        recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == [[1, 2, 3], [4, 5], [6]])
        #expect(!recovery.tornTail)
    }

    @Test("a flipped bit in a record is caught by its checksum")
    func corruptRecord() throws {
        let dir = temporaryDirectory("wal-bitrot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try WriteAheadLog(directory: dir)
        try log.append([1, 1, 1]); try log.append([2, 2, 2]); try log.sync()
        let segment = dir + "/" + WriteAheadLog.segmentName(0)
        var bytes = [UInt8](FileManager.default.contents(atPath: segment)!)
        bytes[bytes.count - 1] ^= 0x10
        FileManager.default.createFile(atPath: segment, contents: Data(bytes))
        let recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == [[1, 1, 1]])
        #expect(recovery.tornTail)
    }

    @Test("rotation keeps only the newest segments")
    func rotation() throws {
        let dir = temporaryDirectory("wal-rotate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try WriteAheadLog(directory: dir, segmentBytesMax: 1 << 20, segmentsKept: 2)
        for i in 0..<5 {
            try log.append([UInt8(i)]); try log.sync()
            try log.rotate()
        }
        #expect(WriteAheadLog.segmentIndices(dir).count == 2)
        #expect(try WriteAheadLog.recover(directory: dir).records == [[4]])
    }

    @Test("recycled segments: stale records are not replayed, appends continue after a restart")
    func recycling() throws {
        let dir = temporaryDirectory("wal-recycle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let log = try WriteAheadLog(directory: dir, segmentsKept: 3)
            for i in 0..<7 {
                // Later segments are shorter than the ones they recycle.
                for k in 0..<(10 - i) { try log.append([UInt8(i), UInt8(k)]) }
                try log.sync()
                if i < 6 { try log.rotate() }
            }
        }
        #expect(WriteAheadLog.segmentIndices(dir) == [4, 5, 6])
        var recovery = try WriteAheadLog.recover(directory: dir)
        let expected = (4..<7).flatMap { i in (0..<(10 - i)).map { [UInt8(i), UInt8($0)] } }
        #expect(recovery.records == expected)
        #expect(recovery.corruptSegment == nil)
        #expect(recovery.tornTail)  // segment 6 is segment 3 recycled: its old tail is stale
        let reopened = try WriteAheadLog(directory: dir, segmentsKept: 3)
        try reopened.append([9]); try reopened.sync()
        recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == expected + [[9]])
        #expect(!recovery.tornTail)
    }

    @Test("a segment before the last that lost its end marker is reported corrupt")
    func missingEndMarker() throws {
        let dir = temporaryDirectory("wal-end")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try WriteAheadLog(directory: dir)
        try log.append([1]); try log.sync(); try log.rotate()
        try log.append([2]); try log.sync()
        let first = dir + "/" + WriteAheadLog.segmentName(0)
        let bytes = [UInt8](FileManager.default.contents(atPath: first)!)
        FileManager.default.createFile(atPath: first, contents: Data(bytes.dropLast(8)))
        let recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == [[1]])
        #expect(recovery.corruptSegment == first)
    }

    @Test("snapshots are replaced atomically and corruption is detected")
    func snapshots() throws {
        let dir = temporaryDirectory("snap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.snap"
        #expect(try SnapshotFile.read(path) == nil)
        try SnapshotFile.write([1, 2, 3], to: path)
        try SnapshotFile.write(Array(repeating: 5, count: 10_000), to: path)
        #expect(try SnapshotFile.read(path) == Array(repeating: 5, count: 10_000))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[100] ^= 1
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(throws: StorageError.self) { try SnapshotFile.read(path) }
    }
}
