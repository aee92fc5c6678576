import Foundation
import Testing
@testable import DQBFTNet

/// The real file system, until the `crashAt`-th mutating operation (create/open,
/// write, sync, directory sync, rename, unlink, truncate): that one does not
/// happen (a write happens halfway: a torn write) and throws, and so does every
/// later one. This is a process crash (SIGKILL): what was written before stays,
/// as the kernel's page cache keeps it; power loss is not modelled.
final class CrashingLogIO: LogIO, @unchecked Sendable {
    let real = PosixLogIO()
    let crashAt: Int
    private(set) var operations = 0
    var crashed: Bool { operations >= crashAt }

    init(crashAt: Int) { self.crashAt = crashAt }

    /// Counts one mutating operation; true if it is the crashing one; throws if the process is dead already.
    func step(_ path: String) throws(StorageError) -> Bool {
        if operations >= crashAt { throw .io(path: path, operation: "after crash", errno: EIO) }
        operations += 1
        return operations == crashAt
    }

    func crash(_ path: String) -> StorageError { .io(path: path, operation: "crash", errno: EIO) }

    func makeDirectory(_ path: String) throws(StorageError) {
        if try step(path) { throw crash(path) }
        try real.makeDirectory(path)
    }
    func list(_ directory: String) -> [String] { real.list(directory) }
    func exists(_ path: String) -> Bool { real.exists(path) }
    func read(_ path: String) throws(StorageError) -> [UInt8] { try real.read(path) }
    func open(_ path: String, truncating: Bool) throws(StorageError) -> Int32 {
        if try step(path) { throw crash(path) }
        return try real.open(path, truncating: truncating)
    }
    func size(_ fd: Int32) -> Int { real.size(fd) }
    func close(_ fd: Int32) { real.close(fd) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StorageError) {
        if try step(path) {
            try real.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset, path: path)
            throw crash(path)
        }
        try real.write(fd, bytes, at: offset, path: path)
    }
    func sync(_ fd: Int32, path: String, dataOnly: Bool) throws(StorageError) {
        if try step(path) { throw crash(path) }
        try real.sync(fd, path: path, dataOnly: dataOnly)
    }
    func syncDirectory(_ path: String) throws(StorageError) {
        if try step(path) { throw crash(path) }
        try real.syncDirectory(path)
    }
    func rename(_ from: String, to: String) throws(StorageError) {
        if try step(from) { throw crash(from) }
        try real.rename(from, to: to)
    }
    func unlink(_ path: String) throws(StorageError) {
        if try step(path) { throw crash(path) }
        try real.unlink(path)
    }
    func truncate(_ path: String, to length: Int) throws(StorageError) {
        if try step(path) { throw crash(path) }
        try real.truncate(path, to: length)
    }
}

/// What a workload did before it crashed: the promises a restarted replica must keep.
final class WriteJournal {
    /// Every record appended, in order (each distinct).
    var appended: [[UInt8]] = []
    /// How many of `appended` a returned `sync` made durable.
    var acknowledged = 0
    /// Records that a rotation (once called) may delete: their slot is at or below
    /// the stable checkpoint it was given.
    var released = Set<[UInt8]>()
    /// The carried view record, once a sync returned after it was appended.
    var viewAcknowledged = false
    /// Snapshots whose write was started, and the last one whose write returned.
    var snapshotsStarted: [[UInt8]] = []
    var snapshotAcknowledged: [UInt8]?
}

@Suite("Write-ahead log: a crash at every file operation")
struct CrashPointTests {
    static let view: [UInt8] = [0xEE, 0xEE]

    static func record(_ seq: Int) -> [UInt8] { [UInt8(seq >> 8), UInt8(seq & 0xFF)] + Array(repeating: UInt8(seq & 0xFF), count: 20) }

    /// Appends, syncs, size rotations, snapshots and rotations that delete released
    /// segments; then a restart: recovery (truncating a torn or stale tail), reopening, more appends.
    static func workload(directory: String, io: any LogIO, journal: WriteJournal) throws {
        let wal = directory + "/wal", snapshot = directory + "/checkpoint.snapshot"
        var seq = 0
        do {
            let log = try WriteAheadLog(directory: wal, segmentBytesMax: 120, io: io)
            journal.appended.append(view)
            try log.append(view, pin: .none)
            for round in 0..<6 {
                for _ in 0..<3 {
                    seq += 1
                    journal.appended.append(record(seq))
                    try log.append(record(seq), pin: .slot(instance: 0, sequence: UInt64(seq)))
                }
                try log.sync()
                journal.acknowledged = journal.appended.count
                journal.viewAcknowledged = true
                if round % 2 == 1 {
                    let state = [UInt8](repeating: UInt8(round), count: 40)
                    journal.snapshotsStarted.append(state)
                    try SnapshotFile.write(state, to: snapshot, io: io)
                    journal.snapshotAcknowledged = state
                    // Stable checkpoint one round behind.
                    let stable = seq - 3
                    for s in 1...stable { journal.released.insert(record(s)) }
                    try log.rotate(carrying: [view], releasing: [0: UInt64(stable)])
                }
            }
            // An idle cluster: the stable checkpoint catches up with everything, and
            // the second rotation deletes the segment that held the only view record.
            for s in 1...seq { journal.released.insert(record(s)) }
            try log.rotate(carrying: [view], releasing: [0: UInt64(seq)])
            try log.rotate(carrying: [view], releasing: [0: UInt64(seq)])
        }
        // Restart on the same directory.
        let recovery = try WriteAheadLog.recover(directory: wal, io: io)
        let log = try WriteAheadLog(directory: wal, segmentBytesMax: 120, holds: ReplicaService.holds(of: recovery), io: io)
        for _ in 0..<4 {
            seq += 1
            journal.appended.append(record(seq))
            try log.append(record(seq), pin: .slot(instance: 0, sequence: UInt64(seq)))
            try log.sync()
            journal.acknowledged = journal.appended.count
        }
        try log.rotate(carrying: [view], releasing: [0: UInt64(seq - 2)])
        for s in 1...(seq - 2) { journal.released.insert(record(s)) }
    }

    /// What a restarted replica finds must keep every promise in `journal`.
    static func check(directory: String, journal: WriteJournal, crashAt k: Int) throws {
        let recovery = try WriteAheadLog.recover(directory: directory + "/wal")
        let records = recovery.records.filter { $0 != view }
        // Only appended records, each once, in append order.
        let order = Dictionary(uniqueKeysWithValues: journal.appended.enumerated().map { ($1, $0) })
        let positions = records.map { order[$0] }
        #expect(!positions.contains(nil), "crash \(k): a record that was never appended")
        let known = positions.compactMap { $0 }
        #expect(known == known.sorted() && Set(known).count == known.count, "crash \(k): records out of order or repeated")
        // Every acknowledged record not released since.
        let present = Set(records)
        for r in journal.appended.prefix(journal.acknowledged) where r != view && !journal.released.contains(r) {
            #expect(present.contains(r), "crash \(k): acknowledged record \(r.prefix(2)) lost")
        }
        if journal.viewAcknowledged { #expect(recovery.records.contains(view), "crash \(k): the carried view record lost") }
        // The snapshot is the last acknowledged one or one started after it; never a mix.
        let snapshot = try SnapshotFile.read(directory + "/checkpoint.snapshot")
        if let acknowledged = journal.snapshotAcknowledged {
            let index = journal.snapshotsStarted.firstIndex(of: acknowledged)!
            #expect(snapshot.map { journal.snapshotsStarted[index...].contains($0) } ?? false, "crash \(k): snapshot rolled back")
        } else if let snapshot {
            #expect(journal.snapshotsStarted.contains(snapshot), "crash \(k): a snapshot never written")
        }
        // And the log takes appends again after the restart.
        let log = try WriteAheadLog(directory: directory + "/wal", holds: ReplicaService.holds(of: recovery))
        try log.append([0xAB]); try log.sync()
        #expect(try WriteAheadLog.recover(directory: directory + "/wal").records == recovery.records + [[0xAB]])
    }

    @Test("a crash at any write, sync, rename or unlink of append, rotate, snapshot and recovery keeps every acknowledged record")
    func everyCrashPoint() throws {
        var k = 1
        var covered = 0
        while true {
            let dir = temporaryDirectory("crash-\(k)")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let io = CrashingLogIO(crashAt: k)
            let journal = WriteJournal()
            do {
                try Self.workload(directory: dir, io: io, journal: journal)
            } catch {
                #expect(io.crashed, "crash \(k): failed without a crash: \(error)")
            }
            guard io.crashed else { break }  // ran to the end: every operation was a crash point
            covered += 1
            do { try Self.check(directory: dir, journal: journal, crashAt: k) } catch {
                Issue.record("crash \(k): a restart fails: \(error)")
            }
            k += 1
        }
        #expect(covered >= 80, "crash points covered: \(covered)")
        print("crash points covered: \(covered)")
    }
}
