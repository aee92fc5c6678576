import Logging
import NIOCore
import NIOPosix

/// Holds outbound actions until the log records they depend on are durable
/// (group commit).
///
/// Guarantees: an action passed to `release` runs only after every record passed
/// to `record` before it has been fsynced; actions run in the order they were
/// released, on the protocol loop; records appended while a flush is in flight are
/// written and fsynced together by the next flush, so the fsync rate adapts to
/// load. With no log (`wal == nil`) actions run immediately; in `.write` sync
/// mode records are written inline on the protocol loop (no fsync to wait for). A storage error is
/// fatal: `onFatal` is called and nothing more is released. A requested rotation
/// writes its checkpoint snapshot (atomically, fsynced) before it starts the new
/// segment, and deletes old segments only after the new one holds the carried
/// records; it runs on the I/O thread in order with the flushes.
final class DurableOutbox: @unchecked Sendable {
    let loop: EventLoop
    let wal: WriteAheadLog?
    let io: NIOThreadPool
    let logger: Logger
    let onFatal: @Sendable (Error) -> Void
    let onSynced: (_ records: Int, _ nanos: Int64) -> Void

    var pending: [(record: [UInt8], pin: LogPin)] = []
    var appended: UInt64 = 0
    var durable: UInt64 = 0
    /// The rotation to run after the next flush (see `requestRotate`).
    var rotation: Rotation?
    /// A checkpoint snapshot to write and the rotation that follows it.
    struct Rotation {
        /// Records re-appended at the start of the next segment.
        var carrying: [[UInt8]]
        /// Instance → stable checkpoint: segments these release are deleted.
        var releasing: [UInt16: UInt64]
        /// Where the snapshot goes and how to encode it (on the I/O thread).
        var snapshot: (path: String, encode: @Sendable () -> [UInt8])?
    }
    /// Rotations requested and not finished yet (the loop waits for none before
    /// it asks for the next snapshot).
    var rotationsInFlight = 0
    var rotateRequested: Bool { rotation != nil }
    var flushing = false
    var failed = false
    var gated = CircularBuffer<(epoch: UInt64, action: () -> Void)>()

    init(loop: EventLoop, wal: WriteAheadLog?, io: NIOThreadPool, logger: Logger,
         onFatal: @escaping @Sendable (Error) -> Void, onSynced: @escaping (Int, Int64) -> Void) {
        self.loop = loop; self.wal = wal; self.io = io; self.logger = logger
        self.onFatal = onFatal; self.onSynced = onSynced
    }

    /// Adds a record that actions released from now on depend on; `pin` says how
    /// long the log must keep it.
    func record(_ bytes: [UInt8], pin: LogPin = .permanent) {
        guard wal != nil else { return }
        pending.append((bytes, pin))
        appended &+= 1
    }

    /// After the next flush: writes `snapshot` (if any), starts a new log segment
    /// that begins with `carrying` (records that must outlive the deleted segments:
    /// the latest view changes), then deletes the segments whose records
    /// `releasing` (instance → stable checkpoint) releases. A newer request
    /// replaces one not started yet.
    func requestRotate(carrying: [[UInt8]], releasing: [UInt16: UInt64],
                       snapshot: (path: String, encode: @Sendable () -> [UInt8])?) {
        guard wal != nil else { return }
        if rotation == nil { rotationsInFlight += 1 }
        rotation = Rotation(carrying: carrying, releasing: releasing, snapshot: snapshot)
        if let wal, wal.syncMode == .write, !flushing, gated.isEmpty { writeInline(wal) } else { startFlush() }
    }

    /// Runs `action` once everything recorded so far is durable.
    func release(_ action: @escaping () -> Void) {
        if failed { return }
        if let wal, wal.syncMode == .write, !flushing, gated.isEmpty {
            // write(2) without fsync takes microseconds: do it inline, no thread hop.
            writeInline(wal)
            if failed { return }
        }
        if gated.isEmpty && durable == appended {
            action()
            return
        }
        gated.append((appended, action))
        startFlush()
    }

    var queuedActions: Int { gated.count }

    func writeInline(_ wal: WriteAheadLog) {
        guard !pending.isEmpty || rotateRequested else { return }
        let started = NIODeadline.now()
        do {
            for r in pending { try wal.append(r.record, pin: r.pin) }
            try wal.sync()
            if let rotation { try Self.rotate(wal, rotation) }
        } catch {
            failed = true
            logger.critical("write-ahead log failed; this replica stops sending", metadata: ["error": "\(error)"])
            onFatal(error)
            return
        }
        onSynced(pending.count, (NIODeadline.now() - started).nanoseconds)
        pending.removeAll(keepingCapacity: true)
        if rotation != nil { rotationsInFlight -= 1 }
        rotation = nil
        durable = appended
    }

    static func rotate(_ wal: WriteAheadLog, _ rotation: Rotation) throws(StorageError) {
        if let snapshot = rotation.snapshot { try SnapshotFile.write(snapshot.encode(), to: snapshot.path, io: wal.io) }
        try wal.rotate(carrying: rotation.carrying, releasing: rotation.releasing)
    }

    func startFlush() {
        guard !flushing, !failed, let wal, !pending.isEmpty || rotateRequested else { return }
        flushing = true
        let batch = pending, epoch = appended
        pending = []
        final class Box: @unchecked Sendable {
            let records: [(record: [UInt8], pin: LogPin)]
            let rotation: Rotation?
            init(_ r: [(record: [UInt8], pin: LogPin)], _ rotation: Rotation?) { records = r; self.rotation = rotation }
        }
        let box = Box(batch, rotation)
        rotation = nil
        let started = NIODeadline.now()
        io.runIfActive(eventLoop: loop) {
            for r in box.records { try wal.append(r.record, pin: r.pin) }
            try wal.sync()
            if let rotation = box.rotation { try Self.rotate(wal, rotation) }
        }.hop(to: loop).whenComplete { result in
            self.flushing = false
            if box.rotation != nil { self.rotationsInFlight -= 1 }
            switch result {
            case .success:
                self.onSynced(box.records.count, (NIODeadline.now() - started).nanoseconds)
                self.durable = epoch
                while let first = self.gated.first, first.epoch <= self.durable {
                    self.gated.removeFirst()
                    first.action()
                }
                self.startFlush()
            case .failure(let error):
                self.failed = true
                self.logger.critical("write-ahead log failed; this replica stops sending", metadata: ["error": "\(error)"])
                self.onFatal(error)
            }
        }
    }
}
