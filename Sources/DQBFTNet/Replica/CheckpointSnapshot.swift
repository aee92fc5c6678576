import DQBFTCore

/// The executed state of a stable checkpoint with the certificate that makes it
/// stable, as the runtime keeps it on disk (`<dataDirectory>/checkpoint.snapshot`,
/// written atomically by `SnapshotFile`).
///
/// Format: 4-byte big-endian header length, the header (version 2, sequence,
/// per certificate its instance and checkpoint messages as encoded
/// `WireMessage`s; the first certifies the state), then the state bytes
/// (`StateReply.snapshot`) to the end.
///
/// Guarantees: `decode(encode())` gives back an equal value; `decode` never traps
/// on any input and throws for bytes that are not a snapshot of this version; the
/// state itself is checked later, by the core, against the certificate's digest.
struct CheckpointSnapshot: Sendable {
    var state: StateReply
    /// `Composition.stableProofs` when the snapshot was taken.
    var certificates: [(instance: InstanceID, checkpoints: [SignedCheckpoint])]

    static let version: UInt8 = 2

    func encode() -> [UInt8] {
        var header = WireWriter(capacity: 256)
        header.write(Self.version)
        header.write(state.sequence)
        header.write(UInt32(certificates.count))
        for (instance, checkpoints) in certificates {
            header.write(instance)
            header.write(UInt32(checkpoints.count))
            for c in checkpoints {
                header.write(WireMessage.consensus(from: c.sender, instance: instance, .checkpoint(c)).encode())
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(4 + header.bytes.count + state.snapshot.count)
        let length = UInt32(header.bytes.count)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        out += header.bytes
        out += state.snapshot
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> CheckpointSnapshot {
        guard bytes.count >= 4 else { throw .truncated(needed: 4, remaining: bytes.count) }
        var length = 0
        for i in 0..<4 { length = length << 8 | Int(bytes[i]) }
        guard bytes.count - 4 >= length else { throw .truncated(needed: length, remaining: bytes.count - 4) }
        var r = try WireReader(Array(bytes[4..<(4 + length)]))
        guard try r.readUInt8() == version else { throw .trailingBytes(length) }
        let sequence = try r.readSeq()
        let certificateCount = try r.readCount("certificates", limit: 1024, minElementSize: 6)
        var certificates: [(instance: InstanceID, checkpoints: [SignedCheckpoint])] = []
        for _ in 0..<certificateCount {
            let instance = try r.readInstance()
            let count = try r.readCount("checkpoints", limit: 1024, minElementSize: 4)
            var checkpoints: [SignedCheckpoint] = []
            for _ in 0..<count {
                guard case .consensus(_, let i, .checkpoint(let c)) = try WireMessage.decode(try r.readBytes("checkpoint", limit: 1 << 16)),
                      i == instance, c.sequence.rawValue > 0 else { throw .trailingBytes(0) }
                checkpoints.append(c)
            }
            certificates.append((instance, checkpoints))
        }
        try r.expectEnd()
        return CheckpointSnapshot(state: StateReply(sequence: sequence, snapshot: Array(bytes[(4 + length)...])),
                                  certificates: certificates)
    }
}
