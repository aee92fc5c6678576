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
    /// Whether the last segment ended in bytes that are not an intact record: a write
    /// torn by a crash, corruption, or the stale records of a recycled segment. It
    /// was truncated back to the last intact record.
    public var tornTail: Bool
    /// Whether an earlier segment was corrupt (records after it are not returned).
    public var corruptSegment: String?
    public var segments: Int
}

/// An append-only log of records in numbered segment files under one directory.
///
/// Record framing: 4-byte big-endian payload length, 4-byte big-endian CRC-32C of
/// the segment's index (8 bytes, big-endian) followed by the payload, then the
/// payload. A segment that was rotated out ends with an end marker (length
/// 0xFFFFFFFF, CRC of the index and "end").
///
/// Segments are recycled: a rotation renames the oldest segment it would delete
/// to the new index and overwrites it from the start, so appends land on blocks
/// the file system already allocated and fdatasync has no file size or extent to
/// journal (on ext4 a 4 KiB synced overwrite takes about half as long as a synced
/// append). The index in every checksum makes the old segment's leftover records
/// invalid in the new one.
///
/// Guarantees: after `sync()` returns, every record appended before it is on
/// stable storage (`.fsync` mode: fdatasync of the segment; new segments also
/// fsync the directory) or at least in the kernel (`.write` mode). `recover` returns exactly the synced records in order plus possibly
/// some unsynced ones that happened to reach the disk intact, detects a torn tail
/// by length and checksum, and truncates it so appends continue after the last
/// intact record; a segment before the last that lacks its end marker is reported
/// as corrupt. Disk use is bounded by `segmentBytesMax × segmentsKept` (older
/// segments are recycled or deleted on `rotate()`). Not thread-safe: one owner at a time.
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

    /// Opens segment `index` for writing at `offset` (its end when nil). A new or
    /// renamed segment syncs the directory so its name is durable before records
    /// that depend on it.
    func openSegment(_ index: UInt64, creating: Bool, offset: Int? = nil) throws(StorageError) {
        let p = path(index)
        let newFD = open(p, O_WRONLY | O_CREAT, 0o600)
        guard newFD >= 0 else { throw .io(path: p, operation: "open", errno: errno) }
        if fd >= 0 { close(fd) }
        fd = newFD
        segmentIndex = index
        segmentBytes = offset ?? Int(lseek(fd, 0, SEEK_END))
        if creating { try Self.syncDirectory(directory) }
    }

    /// The checksum of a record in segment `index`.
    static func checksum(_ record: UnsafeRawBufferPointer, segment index: UInt64) -> UInt32 {
        let salt = (0..<8).map { UInt8(truncatingIfNeeded: index >> (56 - 8 * UInt64($0))) }
        return CRC32C.update(salt.withUnsafeBytes { CRC32C.update(0, $0) }, record)
    }

    static let endLength: UInt32 = 0xFFFF_FFFF
    static func endChecksum(segment index: UInt64) -> UInt32 {
        Array("end".utf8).withUnsafeBytes { checksum($0, segment: index) }
    }

    func appendHeader(length: UInt32, crc: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
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
        appendHeader(length: UInt32(record.count), crc: record.withUnsafeBytes { Self.checksum($0, segment: segmentIndex) })
        buffer.append(contentsOf: record)
    }

    /// Writes the in-memory tail and (in `.fsync` mode) waits until it is on stable storage.
    public func sync() throws(StorageError) { try sync(rotating: true) }

    func sync(rotating: Bool) throws(StorageError) {
        if !buffer.isEmpty {
            var offset = 0
            while offset < buffer.count {
                let at = off_t(segmentBytes + offset)
                let n = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, $0.count - offset, at) }
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
        if rotating && segmentBytes >= segmentBytesMax { try rotate() }
    }

    /// Ends the current segment, starts a new one and keeps only the newest
    /// `segmentsKept` segments (the oldest of the rest becomes the new segment).
    /// Call only when everything needed from older segments is captured elsewhere
    /// (e.g. at a checkpoint); pending unsynced records are synced first.
    public func rotate() throws(StorageError) {
        appendHeader(length: Self.endLength, crc: Self.endChecksum(segment: segmentIndex))
        try sync(rotating: false)
        let next = segmentIndex + 1
        var expired = Array(Self.segmentIndices(directory).filter { $0 < next }.dropLast(segmentsKept - 1))
        if let oldest = expired.first {
            guard rename(path(oldest), path(next)) == 0 else { throw .io(path: path(oldest), operation: "rename", errno: errno) }
            expired.removeFirst()
        }
        for old in expired { unlink(path(old)) }
        try openSegment(next, creating: true, offset: 0)
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
            var intact = true, ended = false
            while offset < bytes.count {
                guard bytes.count - offset >= 8 else { intact = false; break }
                var length = 0, crc: UInt32 = 0
                for i in 0..<4 { length = length << 8 | Int(bytes[offset + i]) }
                for i in 4..<8 { crc = crc << 8 | UInt32(bytes[offset + i]) }
                if length == Int(endLength) && crc == endChecksum(segment: index) { ended = true; break }
                guard length <= maxRecordBytes, bytes.count - offset - 8 >= length else { intact = false; break }
                let record = Array(bytes[(offset + 8)..<(offset + 8 + length)])
                guard record.withUnsafeBytes({ checksum($0, segment: index) }) == crc else { intact = false; break }
                result.records.append(record)
                offset += 8 + length
            }
            let last = position == indices.count - 1
            if !last && !ended {
                result.corruptSegment = p
                break
            }
            if last && !intact {
                result.tornTail = true
                guard truncate(p, off_t(offset)) == 0 else { throw .io(path: p, operation: "truncate", errno: errno) }
            }
            if last && ended {
                // A crash between ending this segment and starting the next: drop the
                // marker so appends after a restart are read.
                guard truncate(p, off_t(offset)) == 0 else { throw .io(path: p, operation: "truncate", errno: errno) }
            }
        }
        return result
    }
}
