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
    /// A file holds bytes that are not what was written (not a torn tail): refusing
    /// to start is the only safe answer, since what was lost may be a promise.
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let op, let e): return "\(op) \(path): \(String(cString: strerror(e)))"
        case .recordTooLarge(let n): return "log record of \(n) bytes exceeds the limit"
        case .corrupt(let path, let reason): return "\(path) is corrupt: \(reason)"
        }
    }
}

/// Why a log record must stay on disk.
///
/// Guarantees: a segment is deleted only once every record in it is released:
/// `.none` records at any rotation, `.slot` records once their instance's low
/// watermark (stable checkpoint) reaches the sequence, `.permanent` never.
public enum LogPin: Sendable, Equatable {
    /// Needed no longer than until the next rotation (it is carried into the new segment).
    case none
    /// Needed until instance `instance`'s stable checkpoint reaches `sequence`.
    case slot(instance: UInt16, sequence: UInt64)
    /// Needed for as long as the log exists.
    case permanent
}

/// What the records of one segment still need: per instance the highest slot
/// they concern, or everything (`permanent`).
///
/// Guarantees: `isReleased` is true only if every pin added is released by the
/// given low watermarks (a missing instance releases nothing).
public struct SegmentHold: Sendable, Equatable {
    public var slots: [UInt16: UInt64] = [:]
    public var permanent = false
    public init() {}

    public mutating func add(_ other: SegmentHold) {
        permanent = permanent || other.permanent
        for (i, seq) in other.slots { slots[i] = max(slots[i] ?? 0, seq) }
    }

    public mutating func add(_ pin: LogPin) {
        switch pin {
        case .none: break
        case .slot(let i, let s): slots[i] = max(slots[i] ?? 0, s)
        case .permanent: permanent = true
        }
    }

    public func isReleased(by lowWatermarks: [UInt16: UInt64]) -> Bool {
        !permanent && slots.allSatisfy { instance, seq in (lowWatermarks[instance] ?? 0) >= seq }
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
    /// Per segment in order, its index and how many of `records` it holds.
    public var segmentRecords: [(index: UInt64, count: Int)] = []
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
/// intact record; a segment before the last that lacks its end marker, and a last
/// segment with an intact record after a bad one (a bit flip, not a torn write),
/// make it throw `.corrupt` naming the file. A segment is deleted (or recycled)
/// only by a `rotate(carrying:releasing:)` whose low watermarks release every
/// record in it (`LogPin`); a size rotation deletes nothing, so the log grows
/// rather than lose a record still needed. Not thread-safe: one owner at a time.
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
    /// The file operations (the real file system, or a test's crashing one).
    let io: any LogIO
    var fd: Int32 = -1
    var segmentIndex: UInt64 = 0
    var segmentBytes = 0
    var buffer: [UInt8] = []
    /// What each segment's records still need (segments missing here are kept).
    public private(set) var holds: [UInt64: SegmentHold] = [:]
    /// The holds of records in `buffer` (added to the segment they land in).
    var bufferHold = SegmentHold()

    /// Opens the log for appending after `recover` (call `recover` first to read it).
    /// `holds` says what the existing segments' records need; a segment without
    /// one is never deleted.
    public init(directory: String, segmentBytesMax: Int = 64 << 20, syncMode: SyncMode = .fsync,
                holds: [UInt64: SegmentHold] = [:], io: any LogIO = PosixLogIO()) throws(StorageError) {
        precondition(segmentBytesMax > 0)
        self.io = io
        self.syncMode = syncMode
        self.directory = directory
        self.segmentBytesMax = segmentBytesMax
        try io.makeDirectory(directory)
        let existing = Self.segmentIndices(directory, io: io)
        var permanent = SegmentHold()
        permanent.permanent = true
        for index in existing { self.holds[index] = holds[index] ?? permanent }
        segmentIndex = (existing.last ?? 0)
        try openSegment(segmentIndex, creating: existing.isEmpty)
        if self.holds[segmentIndex] == nil || existing.isEmpty { self.holds[segmentIndex] = holds[segmentIndex] ?? SegmentHold() }
    }

    /// The segment files on disk, oldest first.
    public var segmentFiles: [UInt64] { Self.segmentIndices(directory, io: io) }

    deinit { if fd >= 0 { io.close(fd) } }

    static func makeDirectory(_ path: String) throws(StorageError) { try PosixLogIO().makeDirectory(path) }

    static func segmentName(_ index: UInt64) -> String {
        let digits = String(index)
        return "wal-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".log"
    }

    static func segmentIndices(_ directory: String, io: any LogIO = PosixLogIO()) -> [UInt64] {
        io.list(directory).compactMap { name -> UInt64? in
            guard name.hasPrefix("wal-"), name.hasSuffix(".log") else { return nil }
            return UInt64(name.dropFirst(4).dropLast(4))
        }.sorted()
    }

    func path(_ index: UInt64) -> String { directory + "/" + Self.segmentName(index) }

    /// Opens segment `index` for writing at `offset` (its end when nil). A new or
    /// renamed segment syncs the directory so its name is durable before records
    /// that depend on it.
    func openSegment(_ index: UInt64, creating: Bool, offset: Int? = nil) throws(StorageError) {
        let newFD = try io.open(path(index), truncating: false)
        if fd >= 0 { io.close(fd) }
        fd = newFD
        segmentIndex = index
        segmentBytes = offset ?? io.size(fd)
        if creating { try io.syncDirectory(directory) }
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

    public static func syncDirectory(_ path: String) throws(StorageError) { try PosixLogIO().syncDirectory(path) }

    /// Adds a record to the in-memory tail; durable only after the next `sync()`.
    /// `pin` says until when its segment must be kept.
    public func append(_ record: [UInt8], pin: LogPin = .permanent) throws(StorageError) {
        guard record.count <= Self.maxRecordBytes else { throw .recordTooLarge(record.count) }
        bufferHold.add(pin)
        appendHeader(length: UInt32(record.count), crc: record.withUnsafeBytes { Self.checksum($0, segment: segmentIndex) })
        buffer.append(contentsOf: record)
    }

    /// Writes the in-memory tail and (in `.fsync` mode) waits until it is on stable storage.
    public func sync() throws(StorageError) { try sync(rotating: true) }

    func sync(rotating: Bool) throws(StorageError) {
        if !buffer.isEmpty {
            try io.write(fd, buffer, at: segmentBytes, path: path(segmentIndex))
            segmentBytes += buffer.count
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        }
        if bufferHold != SegmentHold() {
            var hold = holds[segmentIndex] ?? SegmentHold()
            hold.add(bufferHold)
            holds[segmentIndex] = hold
            bufferHold = SegmentHold()
        }
        if syncMode == .fsync { try io.sync(fd, path: path(segmentIndex), dataOnly: true) }
        if rotating && segmentBytes >= segmentBytesMax { try rotate() }
    }

    /// Ends the current segment and starts a new one that begins with `carrying`
    /// (synced), then deletes every older segment whose records `lowWatermarks`
    /// (instance → stable checkpoint) release; with nil, deletes nothing (a size
    /// rotation). The oldest released segment other than the current one is
    /// recycled as the new segment. Pending unsynced records are synced first.
    public func rotate(carrying: [[UInt8]] = [], releasing lowWatermarks: [UInt16: UInt64]? = nil) throws(StorageError) {
        appendHeader(length: Self.endLength, crc: Self.endChecksum(segment: segmentIndex))
        try sync(rotating: false)
        let current = segmentIndex, next = segmentIndex + 1
        var released = lowWatermarks.map { marks in
            Self.segmentIndices(directory, io: io).filter { $0 <= current && (holds[$0]?.isReleased(by: marks) ?? false) }
        } ?? []
        if let oldest = released.first, oldest != current {
            try io.rename(path(oldest), to: path(next))
            released.removeFirst()
            holds[oldest] = nil
            try openSegment(next, creating: true, offset: 0)
            // The recycled file's old bytes are invalid here (other index), but a
            // shorter new segment must not end in them after a restart: recovery
            // treats them as a torn tail and truncates them.
        } else {
            try openSegment(next, creating: true, offset: 0)
        }
        holds[next] = SegmentHold()
        for r in carrying { try append(r, pin: .none) }
        if !carrying.isEmpty { try sync(rotating: false) }
        for old in released {
            try io.unlink(path(old))
            holds[old] = nil
        }
    }

    /// Reads every segment, returns the intact records and truncates a torn tail.
    public static func recover(directory: String, io: any LogIO = PosixLogIO()) throws(StorageError) -> LogRecovery {
        var result = LogRecovery(records: [], tornTail: false, segments: 0)
        let indices = segmentIndices(directory, io: io)
        result.segments = indices.count
        for (position, index) in indices.enumerated() {
            let p = directory + "/" + segmentName(index)
            let bytes = try io.read(p)
            let before = result.records.count
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
            result.segmentRecords.append((index, result.records.count - before))
            let last = position == indices.count - 1
            if !last && !ended {
                throw .corrupt(path: p, reason: "a bad record at byte \(offset) of a segment that was closed (records after it would be lost)")
            }
            if last && !intact, let later = firstIntactRecord(in: bytes, after: offset, segment: index) {
                throw .corrupt(path: p, reason: "a bad record at byte \(offset) followed by an intact one at byte \(later) (not a torn write)")
            }
            if last && !intact {
                result.tornTail = true
                try io.truncate(p, to: offset)
            }
            if last && ended {
                // A crash between ending this segment and starting the next: drop the
                // marker so appends after a restart are read.
                try io.truncate(p, to: offset)
            }
        }
        return result
    }

    /// How far past a bad record recovery looks for an intact one.
    static let corruptionScanBytes = 64 << 10

    /// The offset of an intact record of segment `index` after the bad one at
    /// `offset`, if any: where the bad record's length says the next one starts
    /// (a flipped payload bit), else any offset in the next `corruptionScanBytes`
    /// (a flipped length). A write torn by a crash leaves nothing intact after it
    /// (a process crash loses no written bytes; a recycled segment's stale records
    /// fail this segment's checksum), so an intact record there means the bytes at
    /// `offset` were damaged after they were written. Limits: a flip in the very
    /// last record of the newest segment looks like a torn write; after a power
    /// loss, blocks of one unsynced group write can reach the disk out of order,
    /// and refusing to start is then a false alarm about unacknowledged records.
    static func firstIntactRecord(in bytes: [UInt8], after offset: Int, segment index: UInt64) -> Int? {
        func intact(at at: Int, maxLength: Int) -> Bool {
            guard at >= 0, at + 8 <= bytes.count else { return false }
            var length = 0
            for i in 0..<4 { length = length << 8 | Int(bytes[at + i]) }
            guard length > 0, length <= maxLength, bytes.count - at - 8 >= length else { return false }
            var crc: UInt32 = 0
            for i in 4..<8 { crc = crc << 8 | UInt32(bytes[at + i]) }
            return bytes.withUnsafeBytes { raw in
                checksum(UnsafeRawBufferPointer(rebasing: raw[(at + 8)..<(at + 8 + length)]), segment: index) == crc
            }
        }
        if offset + 8 <= bytes.count {
            var length = 0
            for i in 0..<4 { length = length << 8 | Int(bytes[offset + i]) }
            let next = offset + 8 + length
            if length <= maxRecordBytes, intact(at: next, maxLength: maxRecordBytes) { return next }
        }
        var at = offset + 1
        while at + 8 <= min(bytes.count, offset + corruptionScanBytes) {
            if intact(at: at, maxLength: corruptionScanBytes) { return at }
            at += 1
        }
        return nil
    }
}
