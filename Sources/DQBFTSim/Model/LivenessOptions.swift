import DQBFTCore

/// How the liveness oracle judges a run (`SimulationOptions.liveness`).
///
/// Guarantees: plain values; the defaults judge every run that has faults against
/// its fault-free reference with `minRecoveryRatio` 0.5.
public struct LivenessOptions: Sendable, Hashable {
    /// Seconds between the last fault event and the start of the final window, in
    /// which the run must be live again. nil: a progress timeout plus a view-change
    /// timeout plus a client timeout (suspect, change view, clients retransmit).
    public var graceSeconds: Double?
    /// Part (iii): the final window's throughput must reach this fraction of the
    /// same window's throughput in the fault-free reference run.
    public var minRecoveryRatio = 0.5
    /// Whether a run with faults also runs its fault-free reference (the same
    /// options without crashes, partitions, slowdowns, Byzantine replicas or loss)
    /// to judge part (iii) and report `recovery_ratio`. Without it part (iii) is
    /// not judged and `recovery_ratio` is left out.
    public var faultFreeReference = true

    public init() {}
}
