import Crypto

/// The counter values of a trusted subsystem, sealed for storage outside it.
///
/// Encoding (all integers big-endian, deterministic because ids are sorted):
/// "DQTS" | version u16 | epoch u64 | instance count u32 |
/// per instance (ascending id): id u32 | counter count u32 | per counter (ascending id): id u32 | value u64 |
/// HMAC-SHA256 (32 bytes) under the subsystem's sealing key over everything before it.
///
/// Guarantees: `decode` accepts exactly the byte strings `encode` produces under the
/// same sealing key (any bit flip, truncation or key mismatch is `corruptState`), and
/// refuses an epoch below `lastKnownEpoch` with `rolledBack`. The epoch increases with
/// every counter update, so an older state always has a smaller epoch. The MAC gives
/// integrity, not confidentiality (counter values are not secret).
public struct SealedCounterState: Equatable, Sendable {
    public static let version: UInt16 = 1
    static let magic = Array("DQTS".utf8)
    static let macLength = 32

    /// Strictly increasing generation number of this state.
    public var epoch: UInt64
    /// instance id → (counter id → value).
    public var instances: [UInt32: [UInt32: UInt64]]

    public init(epoch: UInt64, instances: [UInt32: [UInt32: UInt64]]) {
        self.epoch = epoch
        self.instances = instances
    }

    /// The sealed bytes.
    public func encode(sealingKey: SymmetricKey) -> [UInt8] {
        var out = Self.magic
        withUnsafeBytes(of: Self.version.bigEndian) { out.append(contentsOf: $0) }
        TrustedEncoding.append(epoch, to: &out)
        TrustedEncoding.append(UInt32(instances.count), to: &out)
        for id in instances.keys.sorted() {
            let counters = instances[id]!
            TrustedEncoding.append(id, to: &out)
            TrustedEncoding.append(UInt32(counters.count), to: &out)
            for cid in counters.keys.sorted() {
                TrustedEncoding.append(cid, to: &out)
                TrustedEncoding.append(counters[cid]!, to: &out)
            }
        }
        out.append(contentsOf: HMAC<SHA256>.authenticationCode(for: out, using: sealingKey))
        return out
    }

    /// Verifies the MAC first, then parses, then checks the epoch against `lastKnownEpoch`.
    public static func decode(_ bytes: [UInt8], sealingKey: SymmetricKey, lastKnownEpoch: UInt64) throws(TrustedSubsystemError) -> SealedCounterState {
        guard bytes.count >= magic.count + 2 + 8 + 4 + macLength else { throw .corruptState("state too short") }
        let body = Array(bytes[..<(bytes.count - macLength)])
        let mac = Array(bytes[(bytes.count - macLength)...])
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: sealingKey) else {
            throw .corruptState("state MAC does not verify")
        }
        var reader = Reader(bytes: body)
        guard reader.take(magic.count) == magic else { throw .corruptState("bad magic") }
        guard let v = reader.u16(), v == version else { throw .corruptState("unsupported version") }
        guard let epoch = reader.u64(), let count = reader.u32() else { throw .corruptState("truncated header") }
        var instances = [UInt32: [UInt32: UInt64]]()
        var lastInstance: UInt32?
        for _ in 0..<count {
            guard let id = reader.u32(), let n = reader.u32() else { throw .corruptState("truncated instance") }
            guard lastInstance.map({ id > $0 }) ?? true else { throw .corruptState("instances not sorted") }
            lastInstance = id
            var counters = [UInt32: UInt64]()
            var lastCounter: UInt32?
            for _ in 0..<n {
                guard let cid = reader.u32(), let value = reader.u64() else { throw .corruptState("truncated counter") }
                guard lastCounter.map({ cid > $0 }) ?? true else { throw .corruptState("counters not sorted") }
                lastCounter = cid
                counters[cid] = value
            }
            instances[id] = counters
        }
        guard reader.atEnd else { throw .corruptState("trailing bytes") }
        guard epoch >= lastKnownEpoch else { throw .rolledBack(stateEpoch: epoch, lastKnownEpoch: lastKnownEpoch) }
        return SealedCounterState(epoch: epoch, instances: instances)
    }

    /// Marker bytes for the separate monotonic epoch record: "DQEM" | epoch u64 | HMAC.
    static func marker(epoch: UInt64, sealingKey: SymmetricKey) -> [UInt8] {
        var out = Array("DQEM".utf8)
        TrustedEncoding.append(epoch, to: &out)
        out.append(contentsOf: HMAC<SHA256>.authenticationCode(for: out, using: sealingKey))
        return out
    }

    static func decodeMarker(_ bytes: [UInt8], sealingKey: SymmetricKey) throws(TrustedSubsystemError) -> UInt64 {
        guard bytes.count == 4 + 8 + macLength else { throw .corruptState("bad epoch marker length") }
        let body = Array(bytes[..<12])
        guard HMAC<SHA256>.isValidAuthenticationCode(Array(bytes[12...]), authenticating: body, using: sealingKey),
              body.prefix(4).elementsEqual("DQEM".utf8) else { throw .corruptState("epoch marker MAC does not verify") }
        var reader = Reader(bytes: Array(body[4...]))
        return reader.u64()!
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var atEnd: Bool { offset == bytes.count }
        mutating func take(_ n: Int) -> [UInt8]? {
            guard n <= bytes.count - offset else { return nil }
            defer { offset += n }
            return Array(bytes[offset..<offset + n])
        }
        mutating func uint(_ width: Int) -> UInt64? {
            guard let b = take(width) else { return nil }
            return b.reduce(0) { ($0 << 8) | UInt64($1) }
        }
        mutating func u16() -> UInt16? { uint(2).map { UInt16($0) } }
        mutating func u32() -> UInt32? { uint(4).map { UInt32($0) } }
        mutating func u64() -> UInt64? { uint(8) }
    }
}
