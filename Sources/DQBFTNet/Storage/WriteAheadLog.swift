#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// `write(2)`, named so types with their own `write` can call it.
@inline(__always) func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}

/// Errors of the log and snapshot files. Any of them means durability is lost; the
/// replica must stop rather than continue without it.
public enum StorageError: Error, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case recordTooLarge(Int)

    public var description: String {
        switch self {
        case .io(let path, let op, let e): return "\(op) \(path): \(String(cString: strerror(e)))"
        case .recordTooLarge(let n): return "log record of \(n) bytes exceeds the limit"
        }
    }
}

/// What `WriteAheadLog.recover` found on disk.
public struct LogRecovery: Sendable {
    /// Intact records in append order.
    public var records: [[UInt8]]
    /// Whether the last segment ended in a partial or corrupt record (a write torn
    /// by a crash); it was truncated back to the last intact record.
    public var tornTail: Bool
    /// Whether an earlier segment was corrupt (records after it are not returned).
    public var corruptSegment: String?
    public var segments: Int
}

/// An append-only log of records in numbered segment files under one directory.
///
/// Record framing: 4-byte big-endian payload length, 4-byte big-endian CRC-32C of
/// the payload, then the payload.
///
/// Guarantees: after `sync()` returns, every record appended before it is on
/// stable storage (`.fsync` mode: fdatasync of the segment; new segments also
/// fsync the directory) or at least in the kernel (`.write` mode). `recover` returns exactly the synced records in order plus possibly
/// some unsynced ones that happened to reach the disk intact, detects a torn tail
/// by length and checksum, and truncates it so appends continue after the last
/// intact record. Disk use is bounded by `segmentBytesMax × segmentsKept` (older
/// segments are deleted on `rotate()`). Not thread-safe: one owner at a time.
public final class WriteAheadLog: @unchecked Sendable {
    /// How far `sync()` pushes records.
    public enum SyncMode: String, Sendable, CaseIterable {
        /// write(2) + fdatasync: records survive process crashes and power loss.
        case fsync
        /// write(2) only: records survive a crash of the process (even SIGKILL,
        /// the kernel keeps its page cache) but not of the machine.
        case write
    }

    public static let maxRecordBytes = 64 << 20
    public let syncMode: SyncMode
    public let directory: String
    public let segmentBytesMax: Int
    public let segmentsKept: Int
    var fd: Int32 = -1
    var segmentIndex: UInt64 = 0
    var segmentBytes = 0
    var buffer: [UInt8] = []

    /// Opens the log for appending after `recover` (call `recover` first to read it).
    public init(directory: String, segmentBytesMax: Int = 64 << 20, segmentsKept: Int = 4,
                syncMode: SyncMode = .fsync) throws(StorageError) {
        precondition(segmentBytesMax > 0 && segmentsKept >= 1)
        self.syncMode = syncMode
        self.directory = directory
        self.segmentBytesMax = segmentBytesMax
        self.segmentsKept = segmentsKept
        try Self.makeDirectory(directory)
        let existing = Self.segmentIndices(directory)
        segmentIndex = (existing.last ?? 0)
        try openSegment(segmentIndex, creating: existing.isEmpty)
    }

    deinit { if fd >= 0 { close(fd) } }

    static func makeDirectory(_ path: String) throws(StorageError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .io(path: path, operation: "mkdir", errno: errno)
        }
    }

    static func segmentName(_ index: UInt64) -> String {
        let digits = String(index)
        return "wal-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".log"
    }

    static func segmentIndices(_ directory: String) -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> UInt64? in
            guard name.hasPrefix("wal-"), name.hasSuffix(".log") else { return nil }
            return UInt64(name.dropFirst(4).dropLast(4))
        }.sorted()
    }

    func path(_ index: UInt64) -> String { directory + "/" + Self.segmentName(index) }

    func openSegment(_ index: UInt64, creating: Bool) throws(StorageError) {
        let p = path(index)
        let newFD = open(p, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard newFD >= 0 else { throw .io(path: p, operation: "open", errno: errno) }
        if fd >= 0 { close(fd) }
        fd = newFD
        segmentIndex = index
        segmentBytes = Int(lseek(fd, 0, SEEK_END))
        if creating { try Self.syncDirectory(directory) }
    }

    public static func syncDirectory(_ path: String) throws(StorageError) {
        let dfd = open(path, O_RDONLY)
        guard dfd >= 0 else { throw .io(path: path, operation: "open directory", errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw .io(path: path, operation: "fsync directory", errno: errno) }
    }

    /// Adds a record to the in-memory tail; durable only after the next `sync()`.
    public func append(_ record: [UInt8]) throws(StorageError) {
        guard record.count <= Self.maxRecordBytes else { throw .recordTooLarge(record.count) }
        let length = UInt32(record.count), crc = CRC32C.checksum(record)
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        buffer.append(contentsOf: record)
    }

    /// Writes the in-memory tail and (in `.fsync` mode) waits until it is on stable storage.
    public func sync() throws(StorageError) {
        if !buffer.isEmpty {
            var offset = 0
            while offset < buffer.count {
                let n = buffer.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .io(path: path(segmentIndex), operation: "write", errno: errno)
                }
                offset += n
            }
            segmentBytes += buffer.count
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        }
        #if canImport(Glibc)
        let rc = syncMode == .fsync ? fdatasync(fd) : 0
        #else
        let rc = syncMode == .fsync ? fsync(fd) : 0
        #endif
        guard rc == 0 else { throw .io(path: path(segmentIndex), operation: "fdatasync", errno: errno) }
        if segmentBytes >= segmentBytesMax { try rotate() }
    }

    /// Starts a new segment and deletes all but the newest `segmentsKept` segments.
    /// Call only when everything needed from older segments is captured elsewhere
    /// (e.g. at a checkpoint); pending unsynced records are synced first.
    public func rotate() throws(StorageError) {
        if !buffer.isEmpty { try sync() }
        try openSegment(segmentIndex + 1, creating: true)
        let all = Self.segmentIndices(directory)
        for old in all.dropLast(segmentsKept) { unlink(path(old)) }
    }

    /// Reads every segment, returns the intact records and truncates a torn tail.
    public static func recover(directory: String) throws(StorageError) -> LogRecovery {
        var result = LogRecovery(records: [], tornTail: false, corruptSegment: nil, segments: 0)
        let indices = segmentIndices(directory)
        result.segments = indices.count
        for (position, index) in indices.enumerated() {
            let p = directory + "/" + segmentName(index)
            guard let data = FileManager.default.contents(atPath: p) else { throw .io(path: p, operation: "read", errno: errno) }
            let bytes = [UInt8](data)
            var offset = 0
            var intact = true
            while offset < bytes.count {
                guard bytes.count - offset >= 8 else { intact = false; break }
                var length = 0, crc: UInt32 = 0
                for i in 0..<4 { length = length << 8 | Int(bytes[offset + i]) }
                for i in 4..<8 { crc = crc << 8 | UInt32(bytes[offset + i]) }
                guard length <= maxRecordBytes, bytes.count - offset - 8 >= length else { intact = false; break }
                let record = Array(bytes[(offset + 8)..<(offset + 8 + length)])
                guard CRC32C.checksum(record) == crc else { intact = false; break }
                result.records.append(record)
                offset += 8 + length
            }
            if !intact {
                if position == indices.count - 1 {
                    result.tornTail = true
                    guard truncate(p, off_t(offset)) == 0 else { throw .io(path: p, operation: "truncate", errno: errno) }
                } else {
                    result.corruptSegment = p
                }
                break
            }
        }
        return result
    }
}
