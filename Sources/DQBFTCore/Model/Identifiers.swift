/// Identifies one replica of a cluster: `0 ..< N`.
///
/// Guarantees: a plain value; ordering is numeric, so "the replica with the lowest id"
/// is well defined and deterministic everywhere.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: Int) { self.rawValue = UInt16(rawValue) }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "R\(rawValue)" }
}

/// Identifies one client. Clients are deduplicated by `(ClientID, timestamp)`.
public struct ClientID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "C\(rawValue)" }
}

/// A view (epoch of one primary) of one consensus instance. Views only grow.
public struct ViewNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The following view; `UInt64.max` is its own successor (a view that high can
    /// only come from forged input, and moving "on" from it must not trap).
    @inlinable public var next: ViewNumber { ViewNumber(rawValue == .max ? rawValue : rawValue + 1) }
    public static let zero = ViewNumber(0)
    public var description: String { "v\(rawValue)" }
}

/// A slot in the log of one consensus instance. Slot 0 is the genesis checkpoint;
/// proposals start at 1.
public struct SequenceNumber: Hashable, Comparable, Strideable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    @inlinable public func distance(to other: Self) -> Int64 { Int64(bitPattern: other.rawValue &- rawValue) }
    @inlinable public func advanced(by n: Int64) -> Self { Self(UInt64(bitPattern: Int64(bitPattern: rawValue) &+ n)) }
    /// How many slots this one lies beyond `other`: 0 when it is not beyond it
    /// (never traps, whatever order the two are in).
    @inlinable public func slots(after other: Self) -> UInt64 { rawValue > other.rawValue ? rawValue - other.rawValue : 0 }
    public static let zero = SequenceNumber(0)
    public var description: String { "#\(rawValue)" }
}

/// Names one consensus instance inside a replica. Single-primary protocols use
/// `.main`; DQ compositions use `.dissemination(replica)` and `.ordering`.
///
/// Guarantees: a 16-bit wire value, `0xFFFF` is the main/ordering instance and
/// `0 ..< 0xFFFF` are per-replica instances, so it fits every cluster we support.
public struct InstanceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The single instance of a single-primary protocol, and the O-instance of DQ.
    public static let main = InstanceID(rawValue: 0xFFFF)
    /// The D-instance originally coordinated by `replica`.
    @inlinable public static func dissemination(_ replica: ReplicaID) -> InstanceID {
        InstanceID(rawValue: replica.rawValue)
    }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue == 0xFFFF ? "main" : "D\(rawValue)" }
}
