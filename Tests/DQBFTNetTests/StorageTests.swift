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

    @Test("a segment is deleted only once every instance's stable checkpoint released its records; a size rotation deletes nothing")
    func rotationDeletesOnlyReleasedSegments() throws {
        let dir = temporaryDirectory("wal-rotate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Tiny segments: every sync rotates by size.
        let log = try WriteAheadLog(directory: dir, segmentBytesMax: 16)
        for s in 1...6 {
            try log.append([UInt8(s), 0, 0, 0, 0, 0, 0, 0, 0, 0], pin: .slot(instance: 0, sequence: UInt64(s)))
            try log.append([UInt8(s), 1, 0, 0, 0, 0, 0, 0, 0, 0], pin: .slot(instance: 1, sequence: UInt64(10 + s)))
            try log.sync()
        }
        #expect(WriteAheadLog.segmentIndices(dir).count == 7, "size rotations delete nothing")
        // Instance 0 is stable at 6, instance 1 only at 13: segments 0-2 (and the
        // empty segment 6) are released; segment 0 is recycled as segment 7.
        try log.rotate(releasing: [0: 6, 1: 13])
        #expect(WriteAheadLog.segmentIndices(dir) == [3, 4, 5, 7])
        // Unknown instances release nothing; a permanent record is never released.
        try log.append([7], pin: .permanent); try log.sync()
        try log.rotate(releasing: [0: 100])
        #expect(WriteAheadLog.segmentIndices(dir) == [3, 4, 5, 7, 8])
        try log.rotate(releasing: [0: 100, 1: 100])
        let left = WriteAheadLog.segmentIndices(dir)
        #expect(left.count == 2, "the permanent record's segment and the new one: \(left)")
        #expect(try WriteAheadLog.recover(directory: dir).records == [[7]])
    }

    @Test("recycled segments: stale records are not replayed, appends continue after a restart")
    func recycling() throws {
        let dir = temporaryDirectory("wal-recycle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let log = try WriteAheadLog(directory: dir)
            for i in 0..<7 {
                // Later segments are shorter than the ones they recycle.
                for k in 0..<(10 - i) { try log.append([UInt8(i), UInt8(k)], pin: .slot(instance: 0, sequence: UInt64(i))) }
                try log.sync()
                // Keep the newest three segments: stable checkpoint three behind.
                if i < 6 { try log.rotate(releasing: [0: UInt64(max(0, i - 2))]) }
            }
        }
        #expect(WriteAheadLog.segmentIndices(dir) == [4, 5, 6])
        var recovery = try WriteAheadLog.recover(directory: dir)
        let expected = (4..<7).flatMap { i in (0..<(10 - i)).map { [UInt8(i), UInt8($0)] } }
        #expect(recovery.records == expected)
        #expect(recovery.tornTail)  // segment 6 is a recycled older segment: its old tail is stale
        let reopened = try WriteAheadLog(directory: dir)
        try reopened.append([9]); try reopened.sync()
        recovery = try WriteAheadLog.recover(directory: dir)
        #expect(recovery.records == expected + [[9]])
        #expect(!recovery.tornTail)
    }

    @Test("a segment before the last that lost its end marker stops recovery, naming the file")
    func missingEndMarker() throws {
        let dir = temporaryDirectory("wal-end")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try WriteAheadLog(directory: dir)
        try log.append([1]); try log.sync(); try log.rotate()
        try log.append([2]); try log.sync()
        let first = dir + "/" + WriteAheadLog.segmentName(0)
        let bytes = [UInt8](FileManager.default.contents(atPath: first)!)
        FileManager.default.createFile(atPath: first, contents: Data(bytes.dropLast(8)))
        #expect { try WriteAheadLog.recover(directory: dir) } throws: { error in
            guard case StorageError.corrupt(let path, _) = error else { return false }
            return path == first
        }
    }

    @Test("a bit flip anywhere but in the newest segment's last record stops recovery, naming the file")
    func bitFlips() throws {
        let dir = temporaryDirectory("wal-flip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let log = try WriteAheadLog(directory: dir)
            for s in 0..<3 {
                for k in 0..<4 { try log.append([UInt8](repeating: UInt8(16 * s + k), count: 20)) }
                try log.sync()
                if s < 2 { try log.rotate() }
            }
        }
        let segments = WriteAheadLog.segmentIndices(dir).map { dir + "/" + WriteAheadLog.segmentName($0) }
        let original = segments.map { [UInt8](FileManager.default.contents(atPath: $0)!) }
        var flips = 0
        for (n, path) in segments.enumerated() {
            // The newest segment's last record (28 bytes) cannot be told from a torn write.
            let protected = n == segments.count - 1 ? original[n].count - 28 : original[n].count
            for byte in 0..<protected {
                for bit in [0, 5] {
                    var bytes = original[n]
                    bytes[byte] ^= UInt8(1 << bit)
                    FileManager.default.createFile(atPath: path, contents: Data(bytes))
                    #expect(throws: StorageError.self, "segment \(n) byte \(byte) bit \(bit)") {
                        try WriteAheadLog.recover(directory: dir)
                    }
                    flips += 1
                }
            }
            FileManager.default.createFile(atPath: path, contents: Data(original[n]))
        }
        #expect(flips > 500)
        #expect(try WriteAheadLog.recover(directory: dir).records.count == 12)
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
