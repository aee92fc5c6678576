extension ProtocolKind {
    /// One primary orders everything; clients talk to it.
    public var isSinglePrimary: Bool { self == .pbft }
    /// Clients accept one reply carrying an execution proof (Linear Hybster, Destiny).
    public var usesExecutionProofs: Bool { false }
}
