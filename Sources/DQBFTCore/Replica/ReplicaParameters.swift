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
    public static let defaultStateChunkBytes = StateRequest.defaultChunkBytes
    /// Largest chunk a replica sends, whatever it is asked for.
    public static let maxStateChunkBytes = 4 << 20
}
