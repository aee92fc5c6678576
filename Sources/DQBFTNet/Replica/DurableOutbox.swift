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
/// fatal: `onFatal` is called and nothing more is released.
final class DurableOutbox: @unchecked Sendable {
    let loop: EventLoop
    let wal: WriteAheadLog?
    let io: NIOThreadPool
    let logger: Logger
    let onFatal: @Sendable (Error) -> Void
    let onSynced: (_ records: Int, _ nanos: Int64) -> Void

    var pending: [[UInt8]] = []
    var appended: UInt64 = 0
    var durable: UInt64 = 0
    var rotateRequested = false
    /// Records re-appended at the start of the next segment (see `requestRotate`).
    var carried: [[UInt8]] = []
    var flushing = false
    var failed = false
    var gated = CircularBuffer<(epoch: UInt64, action: () -> Void)>()

    init(loop: EventLoop, wal: WriteAheadLog?, io: NIOThreadPool, logger: Logger,
         onFatal: @escaping @Sendable (Error) -> Void, onSynced: @escaping (Int, Int64) -> Void) {
        self.loop = loop; self.wal = wal; self.io = io; self.logger = logger
        self.onFatal = onFatal; self.onSynced = onSynced
    }

    /// Adds a record that actions released from now on depend on.
    func record(_ bytes: [UInt8]) {
        guard wal != nil else { return }
        pending.append(bytes)
        appended &+= 1
    }

    /// Starts a new log segment after the next flush (old segments beyond the kept
    /// count are deleted) and writes `carrying` at its start, so records that
    /// must outlive the deleted segments (the latest view change) stay in the log.
    func requestRotate(carrying: [[UInt8]] = []) {
        guard wal != nil else { return }
        rotateRequested = true
        carried = carrying
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
            for r in pending { try wal.append(r) }
            try wal.sync()
            if rotateRequested { try Self.rotate(wal, carrying: carried) }
        } catch {
            failed = true
            logger.critical("write-ahead log failed; this replica stops sending", metadata: ["error": "\(error)"])
            onFatal(error)
            return
        }
        onSynced(pending.count, (NIODeadline.now() - started).nanoseconds)
        pending.removeAll(keepingCapacity: true)
        rotateRequested = false
        carried = []
        durable = appended
    }

    static func rotate(_ wal: WriteAheadLog, carrying records: [[UInt8]]) throws(StorageError) {
        try wal.rotate()
        guard !records.isEmpty else { return }
        for r in records { try wal.append(r) }
        try wal.sync()
    }

    func startFlush() {
        guard !flushing, !failed, let wal, !pending.isEmpty || rotateRequested else { return }
        flushing = true
        let batch = pending, epoch = appended, rotate = rotateRequested, carry = carried
        pending = []
        rotateRequested = false
        carried = []
        let started = NIODeadline.now()
        final class Box: @unchecked Sendable { let records: [[UInt8]]; init(_ r: [[UInt8]]) { records = r } }
        let box = Box(batch)
        io.runIfActive(eventLoop: loop) {
            for r in box.records { try wal.append(r) }
            try wal.sync()
            if rotate { try Self.rotate(wal, carrying: carry) }
        }.hop(to: loop).whenComplete { result in
            self.flushing = false
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
