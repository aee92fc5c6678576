import Testing
@testable import DQBFTCore

/// Feeds hostile frames to `WireMessage.decode`. Decoding must never trap; it either
/// succeeds (and then the frame must be the canonical encoding of what it decoded to)
/// or throws a `WireError` (guaranteed by the typed `throws(WireError)` signature).
struct FuzzHarness {
    var frames = 0
    var accepted = 0
    var failures: [String] = []

    @discardableResult
    mutating func probe(_ frame: [UInt8], limits: WireLimits = .default) -> Result<WireMessage, WireError> {
        frames += 1
        do {
            let m = try WireMessage.decode(frame, limits: limits)
            accepted += 1
            if m.encode() != frame { fail("accepted a non-canonical frame \(frame.prefix(16))... as \(m)") }
            return .success(m)
        } catch {
            return .failure(error)
        }
    }

    mutating func fail(_ s: String) { if failures.count < 10 { failures.append(s) } else { failures[9] = "... more" } }
}

/// Valid frames of every kind, reproducible from a seed.
func validFrames(count: Int, seed: UInt64) -> [[UInt8]] {
    var gen = MessageGenerator(seed: seed)
    return (0..<count).map { i in gen.message(kind: i % MessageGenerator.kindCount).encode() }
}

func overwritingUInt32(_ frame: [UInt8], at offset: Int, with v: UInt32) -> [UInt8] {
    var f = frame
    for i in 0..<4 { f[offset + i] = UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * i)) }
    return f
}

@Suite("Wire decoding of hostile input")
struct WireFuzzTests {
    @Test("100,000+ hostile frames decode without trapping, and anything accepted is canonical")
    func hostileFramesNeverTrap() {
        var h = FuzzHarness()
        var rng = SplitMix64(seed: 0xF022)
        let frames = validFrames(count: 260, seed: 0xBAD5EED)

        // 1. Purely random byte strings, 0...300 bytes.
        for _ in 0..<25_000 {
            h.probe((0..<rng.int(0...300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        // 2. Random tails behind a plausible header, so decoding gets past the first bytes.
        for _ in 0..<15_000 {
            var f: [UInt8] = [WireMessage.version, UInt8(rng.int(1...5))]
            if f[1] == 3 { f += [0, UInt8(rng.int(0...6)), 0xFF, 0xFF, UInt8(rng.int(1...9))] }
            f += (0..<rng.int(0...300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            h.probe(f)
        }
        // 3. Every strict prefix of some valid frames must be rejected as truncated / out of range.
        for frame in frames.prefix(70) {
            for n in 0..<frame.count {
                switch h.probe(Array(frame[0..<n])) {
                case .success: h.fail("accepted a \(n)-byte prefix of a \(frame.count)-byte frame")
                case .failure(.truncated), .failure(.lengthOutOfRange): break
                case .failure(let e): h.fail("prefix rejected with unexpected \(e)")
                }
            }
        }
        // 4. Single and multi bit flips of valid frames.
        for frame in frames {
            for k in 0..<60 {
                var f = frame
                let flips = k < 30 ? 1 : rng.int(2...8)
                for _ in 0..<flips { f[rng.int(0...(f.count - 1))] ^= UInt8(1) << UInt8(rng.int(0...7)) }
                h.probe(f)
            }
        }
        // 5. Length/count fields overwritten by huge values, at every offset.
        for frame in frames.prefix(60) where frame.count >= 4 {
            for offset in 0...(frame.count - 4) {
                let remainingPlusOne = UInt32(frame.count - offset - 4 + 1)
                for v in [UInt32.max, 0x7FFF_FFFF, remainingPlusOne] { h.probe(overwritingUInt32(frame, at: offset, with: v)) }
            }
        }
        // 6. Wrong version byte.
        for frame in frames {
            for v: UInt8 in [0, 2, 0x7F, 0xFF] where v != WireMessage.version {
                var f = frame
                f[0] = v
                if case .failure(.unsupportedVersion(v)) = h.probe(f) {} else { h.fail("version \(v) not rejected") }
            }
        }
        // 7. Unknown message tags, consensus kinds and payload tags.
        for frame in frames {
            for t: UInt8 in [0, 9, 0x80, 0xFF] {
                var f = frame
                f[1] = t
                if case .failure(.unknownTag(field: "message", value: t)) = h.probe(f) {} else { h.fail("tag \(t) accepted") }
            }
            guard frame[1] == WireMessage.Tag.consensus.rawValue else { continue }
            for k: UInt8 in [0, 11, 0xFF] {
                var f = frame
                f[6] = k
                if case .failure(.unknownTag(field: "consensus", value: k)) = h.probe(f) {} else { h.fail("kind \(k) accepted") }
            }
            let payloadTagOffset: Int? = switch frame[6] {
            case ConsensusMessage.Kind.prePrepare.rawValue: 7 + 16
            case ConsensusMessage.Kind.payload.rawValue: 7
            default: nil
            }
            if let o = payloadTagOffset {
                for t: UInt8 in [0, 0xEE, 0xFF] {
                    var f = frame
                    f[o] = t
                    if case .failure(.unknownTag(field: "payload", value: t)) = h.probe(f) {} else { h.fail("payload tag \(t) accepted") }
                }
            }
        }

        #expect(h.frames >= 100_000)
        #expect(h.failures.isEmpty, "\(h.failures)")
        // Mutations of valid frames must sometimes still decode (e.g. a flipped digest bit);
        // otherwise the canonical-encoding check above was vacuous.
        #expect(h.accepted > 1_000)
    }

    @Test("a frame larger than maxFrameBytes is rejected with .frameTooLarge before decoding")
    func oversizedFrameRejected() {
        let limit = WireLimits.default.maxFrameBytes
        let huge = [UInt8](repeating: 0, count: limit + 1)
        #expect(throws: WireError.frameTooLarge(size: limit + 1, limit: limit)) { try WireMessage.decode(huge) }

        let frame = validFrames(count: 1, seed: 3)[0]
        let tight = WireLimits(maxFrameBytes: frame.count)
        #expect((try? WireMessage.decode(frame, limits: tight)) != nil)
        let tooTight = WireLimits(maxFrameBytes: frame.count - 1)
        #expect(throws: WireError.frameTooLarge(size: frame.count, limit: frame.count - 1)) {
            try WireMessage.decode(frame, limits: tooTight)
        }
    }

    @Test("a length or count larger than the remaining bytes is rejected with .lengthOutOfRange")
    func countBeyondRemainingRejected() throws {
        // stateReply: version, tag, from(2), sequence(8), then the snapshot length at offset 12.
        let reply = WireMessage.stateReply(from: ReplicaID(1), StateReply(sequence: SequenceNumber(5), snapshot: [1, 2, 3])).encode()
        let remaining = reply.count - 16
        for v in [UInt32(remaining + 1), 0x7FFF_FFFF, .max] {
            #expect(throws: WireError.lengthOutOfRange(field: "snapshot", value: UInt64(v), limit: remaining)) {
                try WireMessage.decode(overwritingUInt32(reply, at: 12, with: v))
            }
        }
        // request: operation length at offset 2 + 8 + 8 + 2; the operation and the
        // signature flag byte remain.
        let request = WireMessage.request(ClientRequest(client: ClientID(1), timestamp: 2, operation: [9])).encode()
        #expect(throws: WireError.lengthOutOfRange(field: "operation", value: 3, limit: 2)) {
            try WireMessage.decode(overwritingUInt32(request, at: 20, with: 3))
        }
        // prePrepare: batch count at offset 7 + 16 + 1; 2 requests claimed, one present.
        let pp = WireMessage.consensus(from: ReplicaID(0), instance: .main, .prePrepare(PrePrepare(
            view: .zero, sequence: SequenceNumber(1),
            payload: .requests(Batch(requests: [ClientRequest(client: ClientID(1), timestamp: 1, operation: [])]))))).encode()
        for v: UInt32 in [2, 0xFFFF_FFFF] {
            let result = Result { () throws(WireError) in try WireMessage.decode(overwritingUInt32(pp, at: 24, with: v)) }
            guard case .failure(.lengthOutOfRange(field: "batch", value: UInt64(v), limit: _)) = result else {
                Issue.record("batch count \(v): \(result)"); continue
            }
        }
        // order payload: ref count at offset 7 + 1; 3 refs claimed, one present.
        let order = WireMessage.consensus(from: ReplicaID(0), instance: .main, .payload(.order(OrderBatch(
            refs: [DSlotRef(replica: ReplicaID(1), sequence: SequenceNumber(2))])))).encode()
        let orderResult = Result { () throws(WireError) in try WireMessage.decode(overwritingUInt32(order, at: 8, with: 3)) }
        if case .failure(.lengthOutOfRange(field: "refs", value: 3, limit: _)) = orderResult {} else {
            Issue.record("refs count: \(orderResult)")
        }
        // newView: view-change count at offset 7 + 8.
        let nv = WireMessage.consensus(from: ReplicaID(0), instance: .main, .newView(NewView(
            view: ViewNumber(1), viewChanges: [], checkpointProof: [], startSequence: .zero, startDigest: .zero,
            proposals: []))).encode()
        let result = Result { () throws(WireError) in try WireMessage.decode(overwritingUInt32(nv, at: 15, with: 0x7FFF_FFFF)) }
        guard case .failure(.lengthOutOfRange(field: "viewChanges", value: 0x7FFF_FFFF, limit: _)) = result else {
            Issue.record("viewChanges count: \(result)"); return
        }
    }

    @Test("bytes after a complete message are rejected with .trailingBytes")
    func trailingBytesRejected() {
        for frame in validFrames(count: 2 * MessageGenerator.kindCount, seed: 11) {
            #expect(throws: WireError.trailingBytes(1)) { try WireMessage.decode(frame + [0]) }
            #expect(throws: WireError.trailingBytes(5)) { try WireMessage.decode(frame + [1, 2, 3, 4, 5]) }
        }
    }

    @Test("a replica id at or above WireLimits.maxReplicas is rejected with .invalidValue")
    func outOfRangeReplicaRejected() {
        let frame = WireMessage.stateRequest(from: ReplicaID(9), StateRequest(sequence: .zero)).encode()
        #expect((try? WireMessage.decode(frame, limits: WireLimits(maxReplicas: 10))) != nil)
        #expect(throws: WireError.invalidValue(field: "replica")) {
            try WireMessage.decode(frame, limits: WireLimits(maxReplicas: 9))
        }
    }
}
