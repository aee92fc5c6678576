/// Tuning shared by every consensus instance type (PBFT, Hybster, Linear Hybster):
/// the slot window, checkpoints, timeouts and the in-flight cap. Every window and
/// timeout has a named bound. PBFT needs nothing else (`PBFTParameters` is this
/// type); a hybrid instance adds its commit pattern (`HybridParameters`).
///
/// Guarantees (checked at construction): the window holds at least two checkpoint
/// intervals, so a replica can keep proposing while the next checkpoint stabilises,
/// and at most `maxWindowSize` slots, so a NEW-VIEW re-proposing a whole window fits
/// its encoding.
public struct InstanceParameters: Hashable, Sendable {
    /// Most slots a window may hold: the most proposals a NEW-VIEW's encoding carries.
    /// Hybrid view changes also bound the slots one VIEW-CHANGE may speak for by it.
    public static let maxWindowSize: UInt64 = 1 << 16

    /// Slots between checkpoints (PBFT's K).
    public var checkpointInterval: UInt64
    /// Width of the sliding window between low and high watermark (PBFT's L).
    public var windowSize: UInt64
    /// How long a backup waits for an accepted proposal to commit, or a client
    /// request to be proposed, before it suspects the primary (nanoseconds).
    public var progressTimeoutNanos: UInt64
    /// How long a replica waits for NEW-VIEW after asking for a view; doubles with
    /// every consecutive failed view (nanoseconds).
    public var viewChangeTimeoutNanos: UInt64
    /// Retry period for fetching a missing payload (nanoseconds).
    public var fetchRetryNanos: UInt64
    /// Most proposals the primary keeps undelivered: enough to fill its uplink over
    /// a geo round trip, few enough that its send queue never outlasts the backups'
    /// progress timeout.
    public var maxInFlightProposals: UInt64
    /// A primary whose proposals stall re-sends them once before it leaves its view,
    /// and backups follow a primary that leaves (`PBFTInstance.retransmitProposals`).
    /// On for single-primary PBFT, where lost PRE-PREPAREs otherwise wait for client
    /// timeouts, and for Hybster / Linear Hybster (a Linear Hybster primary re-sends
    /// its uncertified PREPAREs when its collector timer fires). Off inside DQ and RCC, whose coordinators have their own recovery
    /// (reinstating, probation) that it was measured to disturb under message loss.
    public var retransmitsProposals = false

    /// How long a replica waits for NEW-VIEW after `failures` consecutive failed
    /// view changes: `viewChangeTimeoutNanos` doubled per failure up to 64 times as
    /// long, saturating at `UInt64.max` rather than wrapping.
    func viewChangeBackoffNanos(failures: Int) -> UInt64 {
        viewChangeTimeoutNanos.saturatingMultiplied(by: UInt64(1) << UInt64(min(failures, 6)))
    }

    public init(checkpointInterval: UInt64 = 64, windowSize: UInt64 = 256,
                progressTimeoutNanos: UInt64 = 1_000_000_000, viewChangeTimeoutNanos: UInt64 = 2_000_000_000,
                fetchRetryNanos: UInt64 = 500_000_000, maxInFlightProposals: UInt64 = 16) {
        precondition(checkpointInterval > 0 && windowSize / 2 >= checkpointInterval,
                     "the window must hold at least two checkpoint intervals")
        precondition(windowSize <= Self.maxWindowSize, "the window may hold at most \(Self.maxWindowSize) slots")
        self.checkpointInterval = checkpointInterval
        self.windowSize = windowSize
        self.progressTimeoutNanos = progressTimeoutNanos
        self.viewChangeTimeoutNanos = viewChangeTimeoutNanos
        self.fetchRetryNanos = fetchRetryNanos
        precondition(maxInFlightProposals >= 1)
        self.maxInFlightProposals = maxInFlightProposals
    }
}
