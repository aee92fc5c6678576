import DQBFTCore

/// What a replica's `/status` endpoint answers (JSON, snake_case keys), and what
/// `/readyz` decides from.
///
/// Guarantees: `ready` is true exactly when `unready_reasons` is empty: the replica
/// is not waiting for a state snapshot, and it has links to enough peers that, with
/// itself, they form a quorum. A replica can be live (`/livez`) and not ready.
public struct ServiceHealth: Codable, Sendable, Equatable {
    public var replica: Int
    public var `protocol`: String
    public var version: String
    public var ready: Bool
    public var unready_reasons: [String]
    public var last_executed: UInt64
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

    public init(replica: ReplicaID, protocol name: String, quorum: Int, status: ReplicaStatus,
                peersUp: [ReplicaID], peersDown: [ReplicaID]) {
        self.replica = replica.index
        self.protocol = name
        version = DQBFTVersion.current
        last_executed = status.lastExecuted.rawValue
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
