/// Appends fields in the one canonical encoding: fixed-width big-endian integers,
/// `UInt32` length prefixes for variable data. Same value → same bytes.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ v: T) {
        var be = v.bigEndian
        withUnsafeBytes(of: &be) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ v: UInt8) { bytes.append(v) }
    public mutating func write(_ v: UInt16) { appendBigEndian(v) }
    public mutating func write(_ v: UInt32) { appendBigEndian(v) }
    public mutating func write(_ v: UInt64) { appendBigEndian(v) }
    public mutating func write(_ v: Bool) { bytes.append(v ? 1 : 0) }

    /// Length-prefixed bytes.
    public mutating func write(_ v: [UInt8]) {
        write(UInt32(v.count))
        bytes.append(contentsOf: v)
    }

    /// Raw bytes with no prefix (fixed-size fields such as signatures).
    public mutating func writeRaw(_ v: some Sequence<UInt8>) { bytes.append(contentsOf: v) }

    public mutating func write(_ v: ReplicaID) { write(v.rawValue) }
    public mutating func write(_ v: ClientID) { write(v.rawValue) }
    public mutating func write(_ v: ViewNumber) { write(v.rawValue) }
    public mutating func write(_ v: SequenceNumber) { write(v.rawValue) }
    public mutating func write(_ v: InstanceID) { write(v.rawValue) }
    public mutating func write(_ d: Digest) { write(d.w0); write(d.w1); write(d.w2); write(d.w3) }

    public mutating func write(_ r: ClientRequest) {
        write(r.client); write(r.timestamp); write(r.assignedReplica); write(r.operation)
        // Flags: bit 0 a signature follows, bit 1 an epoch (0 is not written).
        write(UInt8((r.signature == nil ? 0 : 1) | (r.epoch == 0 ? 0 : 2)))
        if let s = r.signature { writeRaw(s.publicKey); writeRaw(s.signature) }
        if r.epoch != 0 { write(r.epoch) }
    }

    public mutating func write(_ r: ClientReply) {
        write(r.client); write(r.timestamp); write(r.request); write(r.view); write(r.replica); write(r.result)
        if let p = r.proof {
            write(UInt8(1)); write(p.sequence); write(p.root); write(p.index)
            write(UInt32(p.path.count)); for d in p.path { write(d) }
            write(p.signature)
        } else { write(UInt8(0)) }
    }

    public mutating func write(_ b: Batch) { Batch.encode(b.requests, into: &self) }
}
