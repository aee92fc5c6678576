/// How a hybrid instance gathers commit shares.
public enum CommitPattern: String, Sendable, Hashable {
    /// Hybster: every replica broadcasts its commit and counts f+1 itself (N² messages).
    case allToAll
    /// Linear Hybster: replicas send shares to a collector, which broadcasts one
    /// combined certificate (linear messages); f+1 collectors take turns on timeout.
    case collector
}

/// Tuning of a hybrid instance: the parameters every instance type shares
/// (checkpoint interval, window, timeouts, in-flight cap) and its commit pattern.
///
/// Guarantees: none beyond the values; the instance stays safe for any setting.
public struct HybridParameters: Hashable, Sendable {
    public var base: InstanceParameters
    public var pattern: CommitPattern
    /// A replica waits this long for a collector's certificate before sending its
    /// shares to the next collector.
    public var collectorTimeoutNanos: UInt64

    public init(base: InstanceParameters = InstanceParameters(), pattern: CommitPattern = .collector,
                collectorTimeoutNanos: UInt64? = nil) {
        self.base = base
        self.pattern = pattern
        self.collectorTimeoutNanos = collectorTimeoutNanos ?? max(1, base.progressTimeoutNanos / 2)
    }
}
