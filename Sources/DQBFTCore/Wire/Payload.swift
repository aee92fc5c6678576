/// What a consensus instance orders. Single-primary protocols and D-instances order
/// batches of client requests; the DQ O-instance orders references to D-slots.
///
/// Guarantees: `digest` binds the whole payload (two payloads with equal digests
/// are equal); `encodedSize` is the exact size of its encoding.
public enum Payload: Hashable, Sendable {
    case requests(Batch)
    case order(OrderBatch)

    public var digest: Digest {
        switch self {
        case .requests(let b): return b.digest
        case .order(let o): return o.digest
        }
    }
    public var encodedSize: Int {
        switch self {
        case .requests(let b): return 1 + b.encodedSize
        case .order(let o): return 1 + o.encodedSize
        }
    }
    public var requestCount: Int {
        switch self {
        case .requests(let b): return b.requests.count
        case .order: return 0
        }
    }
    /// A payload with no effect, proposed by a new primary for slots nobody prepared.
    public static let noop = Payload.requests(.noop)
    public var isNoop: Bool {
        switch self {
        case .requests(let b): return b.isNoop
        case .order: return false
        }
    }
}

extension WireWriter {
    public mutating func write(_ p: Payload) {
        switch p {
        case .requests(let b): write(UInt8(1)); write(b)
        case .order(let o): write(UInt8(2)); OrderBatch.encode(o.refs, into: &self)
        }
    }
}

extension WireReader {
    public mutating func readPayload() throws(WireError) -> Payload {
        switch try readUInt8() {
        case 1: return .requests(try readBatch())
        case 2:
            let n = try readCount("refs", limit: limits.maxRequestsPerBatch, minElementSize: DSlotRef.encodedSize)
            var refs: [DSlotRef] = []
            refs.reserveCapacity(n)
            for _ in 0..<n { refs.append(DSlotRef(replica: try readReplica(), sequence: try readSeq())) }
            return .order(OrderBatch(refs: refs))
        case let t: throw .unknownTag(field: "payload", value: t)
        }
    }
}
