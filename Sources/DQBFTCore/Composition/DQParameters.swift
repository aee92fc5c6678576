/// Tuning of the DQ composition.
public struct DQParameters: Hashable, Sendable {
    /// The replica that is the O-instance primary in view 0.
    public var orderingPrimary: ReplicaID
    /// How many random replicas a replica forwards each D-PrePrepare to (flooding).
    public var floodFanout: Int
    /// Most D-slot references in one O-proposal.
    public var maxRefsPerProposal: Int
    /// Most O-proposals the O-primary keeps uncommitted; references queue meanwhile.
    public var maxOutstandingOrderProposals: Int
    /// D-slots of probation after a D-instance's first view change; doubles with each.
    public var probationBaseSlots: UInt64
    /// How long an O-proposal may wait for the D-PrePrepares it references before
    /// the D-instance (or the O-primary) is suspected.
    public var orderGateTimeoutNanos: UInt64
    /// Period of the check that disseminated D-slots get ordered (O-primary liveness).
    public var orderWatchNanos: UInt64
    /// Most O-proposals buffered while they wait for D-PrePrepares.
    public var maxGatedProposals: Int

    public init(orderingPrimary: ReplicaID = ReplicaID(0), floodFanout: Int = 2, maxRefsPerProposal: Int = 256,
                maxOutstandingOrderProposals: Int = 8, probationBaseSlots: UInt64 = 16,
                orderGateTimeoutNanos: UInt64 = 1_000_000_000, orderWatchNanos: UInt64 = 1_000_000_000,
                maxGatedProposals: Int = 1024) {
        precondition(maxRefsPerProposal >= 1 && maxOutstandingOrderProposals >= 1 && maxGatedProposals >= 1)
        self.orderingPrimary = orderingPrimary
        self.floodFanout = floodFanout
        self.maxRefsPerProposal = maxRefsPerProposal
        self.maxOutstandingOrderProposals = maxOutstandingOrderProposals
        self.probationBaseSlots = probationBaseSlots
        self.orderGateTimeoutNanos = orderGateTimeoutNanos
        self.orderWatchNanos = orderWatchNanos
        self.maxGatedProposals = maxGatedProposals
    }
}
