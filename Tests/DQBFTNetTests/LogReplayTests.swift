import DQBFTCore
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

/// The runtime's recovery path without sockets: the log records a replica wrote
/// are replayed into a fresh core, and rotation never drops the view it left.
@Suite("Write-ahead log replay")
struct LogReplayTests {
    struct Signer: ReplicaSigner {
        let me: ReplicaID
        func sign(_ message: [UInt8]) -> [UInt8] { [UInt8(me.rawValue)] + Digest.of(message).bytes }
    }

    static let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)

    static func replica() -> Replica {
        Replica(me: ReplicaID(1), config: config, signer: Signer(me: ReplicaID(1)))
    }

    static func prePrepare(_ tag: UInt8) -> WireMessage {
        let batch = Batch(requests: [ClientRequest(client: ClientID(7), timestamp: UInt64(tag), operation: [tag])])
        return .consensus(from: ReplicaID(0), instance: .main,
                          .prePrepare(PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: .requests(batch))))
    }

    /// What `ReplicaLoop` logs for these effects.
    static func records(_ effects: [ReplicaEffect]) -> [[UInt8]] {
        effects.compactMap { effect -> [UInt8]? in
            switch effect {
            case .broadcast(let m) where Replica.mustPersist(m): return ReplicaLoop.sentRecord(m.encode(), to: nil)
            case .send(let m, let to) where Replica.mustPersist(m): return ReplicaLoop.sentRecord(m.encode(), to: to)
            default: return nil
            }
        }
    }

    static func prepares(_ effects: [ReplicaEffect]) -> Int {
        effects.count {
            if case .broadcast(.consensus(_, _, .prepare)) = $0 { return true } else { return false }
        }
    }

    @Test("a replayed replica keeps its prepare and the view change it asked for")
    func replayKeepsVotesAndView() {
        var before = Self.replica()
        var out: [ReplicaEffect] = []
        before.handle(Self.prePrepare(1), into: &out)
        #expect(Self.prepares(out) == 1)
        var log = Self.records(out)
        out = []
        before.timerFired(.instance(.main, .progress), into: &out)  // the slot does not commit: ask for view 1
        log += Self.records(out)

        var after = Self.replica()
        let (restored, viewRecords) = ReplicaService.restore(&after, from: log + [[9, 9, 9, 9]])  // plus a foreign record
        #expect(restored == log.count)
        #expect(viewRecords[.main] == log.last)
        #expect(after.composition.orderingView == ViewNumber(1))  // replies still name view 0 until view 1 is installed
        out = []
        after.handle(Self.prePrepare(2), into: &out)  // view 0, conflicting: refused
        #expect(Self.prepares(out) == 0)

        // A replica rebuilt without its log would have voted for it.
        var amnesiac = Self.replica()
        out = []
        amnesiac.handle(Self.prePrepare(2), into: &out)
        #expect(Self.prepares(out) == 1)
    }

    @Test("rotation carries the last view change into every new segment")
    func rotationCarriesViewRecords() async throws {
        let dir = temporaryDirectory("wal-carry")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wal = try WriteAheadLog(directory: dir, segmentBytesMax: 1 << 20, syncMode: .write)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let pool = NIOThreadPool(numberOfThreads: 1)
        let outbox = DurableOutbox(loop: loop, wal: wal, io: pool, logger: testLogger, onFatal: { _ in }, onSynced: { _, _ in })
        let viewChange: [UInt8] = [1, 0xFF, 0xFF, 42]
        var sent = 0
        for i in 0..<6 {
            outbox.record([UInt8(i)], pin: .slot(instance: 0xFFFF, sequence: UInt64(i)))
            if i == 0 { outbox.record(viewChange, pin: .none) }
            // `.write` mode writes inline: the records are in the log when `release` returns.
            // Slot i is released by a stable checkpoint at i (one behind here): old segments go.
            outbox.requestRotate(carrying: [viewChange], releasing: [0xFFFF: UInt64(max(0, i - 1))], snapshot: nil)
            outbox.release { sent += 1 }
        }
        #expect(sent == 6)
        #expect(WriteAheadLog.segmentIndices(dir).count <= 2)
        let records = try WriteAheadLog.recover(directory: dir).records
        #expect(records.first == viewChange, "\(records)")
        #expect(records.contains([5]))
        try await group.shutdownGracefully()
    }
}
