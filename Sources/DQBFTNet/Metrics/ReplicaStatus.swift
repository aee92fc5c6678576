import DQBFTCore

/// Where a replica is, as seen from outside its protocol loop.
public struct ReplicaStatus: Sendable, Equatable {
    public var lastExecuted: SequenceNumber
    public var stateDigest: Digest
    /// The view the replica reports in replies (the main/ordering instance's).
    public var view: ViewNumber
    public var awaitingState: Bool
    /// State snapshots installed since this service started.
    public var stateTransfers: Int
    /// State-transfer chunks received since this service started, and their bytes.
    public var stateChunksReceived: Int = 0
    public var stateBytesReceived: Int = 0
    /// Messages replayed from the write-ahead log when this service started.
    public var restoredMessages: Int
    /// The composition's own description of where its instances stand.
    public var detail: String
    /// The view of every instance that left view 0 ("main", "D3"), and "main"
    /// always (for DQ the ordering instance; RCC reports its instance 0 there).
    public var views: [String: UInt64]
    /// The newest checkpoint a quorum certified here (execution sequence).
    public var stableCheckpoint: SequenceNumber = .zero
}
