/// A reference to one D-slot: slot `sequence` of the D-instance of `replica`.
public struct DSlotRef: Hashable, Sendable, CustomStringConvertible {
    public var replica: ReplicaID
    public var sequence: SequenceNumber
    public init(replica: ReplicaID, sequence: SequenceNumber) { self.replica = replica; self.sequence = sequence }
    public var description: String { "\(replica)\(sequence)" }
    static let encodedSize = 2 + 8
}

/// What the DQ O-instance orders: references to D-slots, several per proposal,
/// never the commands themselves (so O-messages stay small).
///
/// Guarantees: immutable; `digest` is SHA-256 of the canonical encoding.
public final class OrderBatch: Hashable, Sendable, CustomStringConvertible {
    public let refs: [DSlotRef]
    public let digest: Digest
    public let encodedSize: Int

    public init(refs: [DSlotRef]) {
        self.refs = refs
        var w = WireWriter(capacity: 4 + refs.count * DSlotRef.encodedSize)
        OrderBatch.encode(refs, into: &w)
        self.encodedSize = w.bytes.count
        var tagged = WireWriter(capacity: w.bytes.count + 1)
        tagged.write(UInt8(0x0B))
        tagged.writeRaw(w.bytes)
        self.digest = Digest.of(tagged.bytes)
    }

    static func encode(_ refs: [DSlotRef], into w: inout WireWriter) {
        w.write(UInt32(refs.count))
        for r in refs { w.write(r.replica); w.write(r.sequence) }
    }

    public static func == (a: OrderBatch, b: OrderBatch) -> Bool { a === b || a.digest == b.digest }
    public func hash(into h: inout Hasher) { h.combine(digest) }
    public var description: String { "Order(\(refs))" }
}
