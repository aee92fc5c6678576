import DQBFTCore
import Foundation

/// What a replica's `/status` endpoint answers (JSON, snake_case keys), and what
/// `/readyz` decides from.
///
/// Guarantees: `ready` is true exactly when `unready_reasons` is empty: the replica
/// is not waiting for a state snapshot, and it has links to enough peers that, with
/// itself, they form a quorum. A replica can be live (`/livez`) and not ready. The
/// disk figures are read from the file system when the status is asked for.
public struct ServiceHealth: Codable, Sendable, Equatable {
    public var replica: Int
    public var `protocol`: String
    public var version: String
    public var ready: Bool
    public var unready_reasons: [String]
    public var last_executed: UInt64
    public var stable_checkpoint: UInt64
    public var state_digest: String
    /// Views per instance: "main" (PBFT's instance, DQ's ordering instance), and for
    /// DQ and RCC "D0" … "D<n-1>" (replica r's D-instance, RCC's instance r).
    public var views: [String: UInt64]
    public var awaiting_state: Bool
    public var state_transfers: Int
    public var restored_messages: Int
    public var peers_connected: [Int]
    public var peers_down: [Int]
    /// The composition's own one-line description of its instances.
    public var detail: String
    /// Authenticated client connections holding a slot, and connections still in
    /// their handshake.
    public var client_connections: Int = 0
    public var pending_connections: Int = 0
    /// On-disk size of the write-ahead log (all its segments) and of the checkpoint
    /// snapshot; 0 without a data directory.
    public var wal_bytes: UInt64 = 0
    public var wal_segments: Int = 0
    public var snapshot_bytes: UInt64 = 0

    public init(replica: ReplicaID, protocol name: String, quorum: Int, status: ReplicaStatus,
                peersUp: [ReplicaID], peersDown: [ReplicaID]) {
        self.replica = replica.index
        self.protocol = name
        version = DQBFTVersion.current
        last_executed = status.lastExecuted.rawValue
        stable_checkpoint = status.stableCheckpoint.rawValue
        state_digest = "\(status.stateDigest)"
        var views = status.views
        if let kind = ProtocolKind(rawValue: name), kind.isDQ || kind == .rcc {
            for r in 0..<(peersUp.count + peersDown.count + 1) where views["D\(r)"] == nil { views["D\(r)"] = 0 }
        }
        self.views = views
        awaiting_state = status.awaitingState
        state_transfers = status.stateTransfers
        restored_messages = status.restoredMessages
        peers_connected = peersUp.map(\.index).sorted()
        peers_down = peersDown.map(\.index).sorted()
        detail = status.detail
        var reasons: [String] = []
        if status.awaitingState { reasons.append("waiting for a state snapshot") }
        if peersUp.count + 1 < quorum {
            reasons.append("links to \(peersUp.count) of \(peersUp.count + peersDown.count) peers; a quorum needs \(quorum - 1)")
        }
        unready_reasons = reasons
        ready = reasons.isEmpty
    }
}

extension ServiceHealth {
    /// Fills the disk figures from `dataDirectory` (`wal/` and `checkpoint.snapshot`).
    mutating func measureDisk(dataDirectory: String) {
        let files = FileManager.default
        func size(_ path: String) -> UInt64 {
            ((try? files.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        let segments = WriteAheadLog.segmentIndices(dataDirectory + "/wal")
        wal_segments = segments.count
        wal_bytes = segments.reduce(0) { $0 + size(dataDirectory + "/wal/" + WriteAheadLog.segmentName($1)) }
        snapshot_bytes = size(dataDirectory + "/checkpoint.snapshot")
    }
}
