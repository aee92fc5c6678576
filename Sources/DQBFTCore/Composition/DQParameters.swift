/// Tuning of the DQ composition.
public struct DQParameters: Hashable, Sendable {
    /// The replica that is the O-instance primary in view 0.
    public var orderingPrimary: ReplicaID
    /// How many random replicas a replica forwards each D-PrePrepare to (flooding,
    /// §3.2.4). Each forwarded copy carries the whole batch, so every unit of fanout
    /// adds about one more batch's worth of traffic per replica. With fanout k, a
    /// replica its coordinator withholds a proposal from gets a forwarded copy from
    /// one of the r replicas that did receive it with probability about
    /// 1 − (1 − 1/N)^(k·r) (≈ 0.5 for k = 1 and r = 2f, ≈ 0.75 for k = 2); the others
    /// fetch the payload once the D-slot commits. 0 turns flooding off. The default 1
    /// is the paper's "random subset of few replicas" at the least bandwidth that
    /// still floods; README.md measures 0, 1 and 2.
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

    public init(orderingPrimary: ReplicaID = ReplicaID(0), floodFanout: Int = 1, maxRefsPerProposal: Int = 256,
                maxOutstandingOrderProposals: Int = 8, probationBaseSlots: UInt64 = 16,
                orderGateTimeoutNanos: UInt64 = 1_000_000_000, orderWatchNanos: UInt64 = 1_000_000_000,
                maxGatedProposals: Int = 1024) {
        precondition(floodFanout >= 0 && maxRefsPerProposal >= 1 && maxOutstandingOrderProposals >= 1 && maxGatedProposals >= 1)
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
