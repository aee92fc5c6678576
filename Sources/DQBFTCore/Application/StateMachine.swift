/// A deterministic application replicated by the cluster. Plug your own in by
/// conforming to this protocol; the key-value store is the default.
///
/// Requirements: `apply` must be deterministic (same state + same operation →
/// same result and same next state, on every machine); `stateDigest` must be a
/// function of the state alone; `restore(snapshot())` must reproduce the state.
public protocol StateMachine: Sendable {
    /// Applies one operation and returns its result.
    mutating func apply(_ operation: [UInt8]) -> [UInt8]
    /// Digest of the whole state (part of every checkpoint). Mutating so that an
    /// implementation may fold pending changes into a cached digest lazily.
    var stateDigest: Digest { mutating get }
    /// The whole state, for state transfer.
    func snapshot() -> [UInt8]
    /// Replaces the state with a snapshot; throws on malformed input or on one
    /// that exceeds `limits` (a peer's snapshot: the wire limits; the replica's own
    /// snapshot read back from disk may be larger).
    mutating func restore(from snapshot: [UInt8], limits: WireLimits) throws(WireError)
}

extension StateMachine {
    /// Replaces the state with a snapshot within the default wire limits.
    public mutating func restore(from snapshot: [UInt8]) throws(WireError) { try restore(from: snapshot, limits: .default) }
}

/// An order-independent digest of a multiset of digests (sum modulo 2^256), so a
/// state digest can be updated per change in O(1) instead of rehashing the state.
///
/// Guarantees: adding then removing the same digest restores the previous value;
/// the value depends only on the multiset, not on insertion order.
public struct MultisetHash: Hashable, Sendable {
    var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public init() {}

    public mutating func add(_ d: Digest) {
        var c: Bool
        (w.3, c) = w.3.addingReportingOverflow(d.w3)
        var c2: Bool
        (w.2, c2) = w.2.addingReportingOverflow(d.w2); (w.2, c) = w.2.addingReportingOverflow(c ? 1 : 0); c = c || c2
        (w.1, c2) = w.1.addingReportingOverflow(d.w1); (w.1, c) = w.1.addingReportingOverflow(c ? 1 : 0); c = c || c2
        w.0 = w.0 &+ d.w0 &+ (c ? 1 : 0)
    }

    public mutating func remove(_ d: Digest) {
        var b: Bool
        (w.3, b) = w.3.subtractingReportingOverflow(d.w3)
        var b2: Bool
        (w.2, b2) = w.2.subtractingReportingOverflow(d.w2); (w.2, b) = w.2.subtractingReportingOverflow(b ? 1 : 0); b = b || b2
        (w.1, b2) = w.1.subtractingReportingOverflow(d.w1); (w.1, b) = w.1.subtractingReportingOverflow(b ? 1 : 0); b = b || b2
        w.0 = w.0 &- d.w0 &- (b ? 1 : 0)
    }

    public var value: Digest { Digest(w0: w.0, w1: w.1, w2: w.2, w3: w.3) }

    public static func == (a: Self, b: Self) -> Bool { a.value == b.value }
    public func hash(into h: inout Hasher) { h.combine(value) }
}
