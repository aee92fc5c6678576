/// Reads fields of the canonical encoding from untrusted bytes.
///
/// Guarantees: never traps and never reads out of bounds; every count is checked
/// against the bytes that remain *before* anything is allocated, so a hostile length
/// prefix cannot make it allocate more than the frame itself.
public struct WireReader {
    let bytes: [UInt8]
    var offset: Int
    public let limits: WireLimits

    public init(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
        guard bytes.count <= limits.maxFrameBytes else {
            throw .frameTooLarge(size: bytes.count, limit: limits.maxFrameBytes)
        }
        self.bytes = bytes
        self.offset = 0
        self.limits = limits
    }

    public var remaining: Int { bytes.count - offset }

    public func expectEnd() throws(WireError) {
        if remaining != 0 { throw .trailingBytes(remaining) }
    }

    @inline(__always)
    mutating func need(_ n: Int) throws(WireError) {
        if n > bytes.count - offset { throw .truncated(needed: n, remaining: bytes.count - offset) }
    }

    mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var v: T = 0
        for i in 0..<size { v = (v << 8) | T(bytes[offset + i]) }
        offset += size
        return v
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 { try readBigEndian(UInt8.self) }
    public mutating func readUInt16() throws(WireError) -> UInt16 { try readBigEndian(UInt16.self) }
    public mutating func readUInt32() throws(WireError) -> UInt32 { try readBigEndian(UInt32.self) }
    public mutating func readUInt64() throws(WireError) -> UInt64 { try readBigEndian(UInt64.self) }

    public mutating func readBool() throws(WireError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let t: throw .unknownTag(field: "bool", value: t)
        }
    }

    /// A `UInt32` count whose elements take at least `minElementSize` bytes each;
    /// rejected if it exceeds `limit` or could not fit in the remaining bytes.
    public mutating func readCount(_ field: String, limit: Int, minElementSize: Int) throws(WireError) -> Int {
        let raw = try readUInt32()
        let count = Int(raw)
        guard count <= limit, count.multipliedReportingOverflow(by: max(minElementSize, 1)).partialValue <= remaining
        else { throw .lengthOutOfRange(field: field, value: UInt64(raw), limit: min(limit, remaining)) }
        return count
    }

    /// Length-prefixed bytes, at most `limit` long.
    public mutating func readBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let n = try readCount(field, limit: limit, minElementSize: 1)
        return try readRaw(n)
    }

    /// Exactly `n` raw bytes.
    public mutating func readRaw(_ n: Int) throws(WireError) -> [UInt8] {
        try need(n)
        let out = Array(bytes[offset ..< offset + n])
        offset += n
        return out
    }

    public mutating func readReplica() throws(WireError) -> ReplicaID {
        let v = try readUInt16()
        guard Int(v) < limits.maxReplicas else { throw .invalidValue(field: "replica") }
        return ReplicaID(v)
    }
    public mutating func readClient() throws(WireError) -> ClientID { ClientID(try readUInt64()) }
    public mutating func readView() throws(WireError) -> ViewNumber { ViewNumber(try readUInt64()) }
    public mutating func readSeq() throws(WireError) -> SequenceNumber { SequenceNumber(try readUInt64()) }
    public mutating func readInstance() throws(WireError) -> InstanceID { InstanceID(rawValue: try readUInt16()) }
    public mutating func readDigest() throws(WireError) -> Digest {
        Digest(w0: try readUInt64(), w1: try readUInt64(), w2: try readUInt64(), w3: try readUInt64())
    }

    public mutating func readRequest() throws(WireError) -> ClientRequest {
        var request = ClientRequest(client: try readClient(), timestamp: try readUInt64(),
                                    assignedReplica: try readReplica(),
                                    operation: try readBytes("operation", limit: limits.maxOperationBytes))
        let flags = try readUInt8()
        guard flags & ~3 == 0 else { throw .unknownTag(field: "request.flags", value: flags) }
        if flags & 1 != 0 {
            request.signature = ClientSignature(publicKey: try readRaw(ClientSignature.publicKeyBytes),
                                                signature: try readRaw(ClientSignature.signatureBytes))
        }
        if flags & 2 != 0 {
            request.epoch = try readUInt64()
            guard request.epoch != 0 else { throw .invalidValue(field: "request.epoch") }
        }
        return request
    }

    public mutating func readReply() throws(WireError) -> ClientReply {
        var reply = ClientReply(client: try readClient(), timestamp: try readUInt64(), request: try readDigest(), view: try readView(),
                                replica: try readReplica(), result: try readBytes("result", limit: limits.maxOperationBytes))
        switch try readUInt8() {
        case 0: break
        case 1:
            let seq = try readSeq(), root = try readDigest(), index = try readUInt32()
            let n = try readCount("path", limit: 64, minElementSize: 32)
            var path: [Digest] = []
            for _ in 0..<n { path.append(try readDigest()) }
            reply.proof = ReplyProof(sequence: seq, root: root, index: index, path: path,
                                     signature: try readBytes("signature", limit: 1024))
        case let t: throw .unknownTag(field: "reply.proof", value: t)
        }
        return reply
    }

    public mutating func readBatch() throws(WireError) -> Batch {
        let n = try readCount("batch", limit: limits.maxRequestsPerBatch, minElementSize: 23)
        var requests: [ClientRequest] = []
        requests.reserveCapacity(n)
        for _ in 0..<n { requests.append(try readRequest()) }
        return Batch(requests: requests)
    }
}
