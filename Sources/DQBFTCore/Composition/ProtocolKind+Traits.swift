extension ProtocolKind {
    /// One primary orders everything; clients talk to it.
    public var isSinglePrimary: Bool { self == .pbft || self == .hybster || self == .linearhybster }
    /// DQBFT: per-replica D-instances and one O-instance.
    public var isDQ: Bool { self == .dqpbft || self == .dqhybster || self == .destiny }
    /// Clients accept one reply carrying an execution proof (Linear Hybster, Destiny).
    public var usesExecutionProofs: Bool { self == .linearhybster || self == .destiny }
    /// How hybrid instances gather commits.
    public var commitPattern: CommitPattern { usesExecutionProofs ? .collector : .allToAll }
}
