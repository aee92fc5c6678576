/// Tuning of a replica: batching, client handling and its consensus instances.
public struct ReplicaParameters: Hashable, Sendable {
    /// Most requests per proposal.
    public var batchSize: Int
    /// How long the primary waits to fill a batch before proposing a partial one.
    public var batchTimeoutNanos: UInt64
    /// How long a backup waits for a forwarded request to execute before it
    /// suspects the primary.
    public var requestTimeoutNanos: UInt64
    /// Retry period for a state transfer that got no valid answer.
    public var stateRetryNanos: UInt64
    /// Bytes per chunk of a state transfer this replica asks for (at most
    /// `maxStateChunkBytes`, well under the runtime's 16 MiB frames).
    public var stateChunkBytes: Int
    /// Most chunk requests a state transfer has outstanding at its source.
    public var stateChunksInFlight: Int
    /// Largest state this replica accepts by state transfer (a source's claimed
    /// length beyond it is refused; it also bounds what a lying source can make
    /// this replica hold before the digest check).
    public var maxStateBytes: Int
    /// Most clients the client table holds.
    public var maxClients: Int
    /// Requests executed (for any client) that an entry of the full client table
    /// must go without before a new client may evict it; nil: `maxClients`. The
    /// same on every replica (it decides the replicated state).
    public var clientEvictionAge: UInt64?
    /// Most bytes of replies the client table keeps for retransmissions (the oldest
    /// are dropped beyond it; see `ClientTable`).
    public var maxStoredReplyBytes = ReplicaParameters.defaultReplyBudget
    public static let defaultReplyBudget = 256 << 20
    /// Most requests queued at a primary waiting to be proposed.
    public var maxPendingRequests: Int
    /// Tuning of every consensus instance the replica runs (PBFT and hybrid alike).
    public var pbft: InstanceParameters
    /// Tuning of the DQ composition (used by DQ protocols only).
    public var dq: DQParameters

    public init(batchSize: Int = 200, batchTimeoutNanos: UInt64 = 5_000_000, requestTimeoutNanos: UInt64 = 1_500_000_000,
                stateRetryNanos: UInt64 = 1_000_000_000, stateChunkBytes: Int = Self.defaultStateChunkBytes,
                stateChunksInFlight: Int = 4, maxStateBytes: Int = 1 << 32,
                maxClients: Int = 1 << 20, maxPendingRequests: Int = 1 << 18,
                pbft: InstanceParameters = InstanceParameters(), dq: DQParameters = DQParameters()) {
        precondition(batchSize >= 1 && maxClients >= 1 && maxPendingRequests >= batchSize)
        precondition((1...Self.maxStateChunkBytes).contains(stateChunkBytes) && stateChunksInFlight >= 1 && maxStateBytes >= 0,
                     "state chunks of 1 to \(Self.maxStateChunkBytes) bytes, at least one in flight")
        self.stateChunkBytes = stateChunkBytes
        self.stateChunksInFlight = stateChunksInFlight
        self.maxStateBytes = maxStateBytes
        self.batchSize = batchSize
        self.batchTimeoutNanos = batchTimeoutNanos
        self.requestTimeoutNanos = requestTimeoutNanos
        self.stateRetryNanos = stateRetryNanos
        self.maxClients = maxClients
        self.maxPendingRequests = maxPendingRequests
        self.pbft = pbft
        self.dq = dq
    }

    /// Default bytes per state-transfer chunk.
    public static let defaultStateChunkBytes = 1 << 20
    /// Largest chunk a replica sends, whatever it is asked for.
    public static let maxStateChunkBytes = 4 << 20
}

/// Timers a replica asks its shell to run; setting one that is set replaces it.
public enum ReplicaTimer: Hashable, Sendable {
    case instance(InstanceID, InstanceTimer)
    /// The primary's partial-batch timer.
    case batch
    /// A backup's timer on forwarded client requests.
    case request
    /// Retry of a state transfer.
    case stateTransfer
    /// DQ: O-proposals waiting for D-PrePrepares are checked.
    case orderGate
    /// DQ: disseminated D-slots must be ordered (O-primary liveness).
    case orderWatch
}

/// What a replica asks its shell to do.
public enum ReplicaEffect: Sendable {
    case send(WireMessage, to: ReplicaID)
    /// To every other replica (the shell encodes once and shares the bytes).
    case broadcast(WireMessage)
    case reply(ClientReply)
    case setTimer(ReplicaTimer, afterNanos: UInt64)
    case cancelTimer(ReplicaTimer)
    /// Observability: the replica executed slot `sequence` of its execution order,
    /// a batch with this digest (checkers compare these logs across replicas).
    case executed(SequenceNumber, Digest, requests: Int)
    /// Observability: the replica took a checkpoint after executing slot `sequence`;
    /// `stateDigest` is the digest its checkpoint votes carry (application state,
    /// client table and execution frontier). Correct replicas agree on it per slot.
    case checkpointed(SequenceNumber, stateDigest: Digest)
    /// Observability: the replica installed a state snapshot at `sequence`.
    case stateInstalled(SequenceNumber)
    /// Observability: an instance entered a new view.
    case viewChanged(InstanceID, ViewNumber)
    /// Append `message` to the durable log (the one `mustPersist` messages go to)
    /// before any later effect leaves; hand it back to `Replica.restore(sent:)`
    /// after a restart. Nothing is sent.
    case persist(WireMessage)
}
