import Testing
@testable import DQBFTCore

/// SplitMix64: a tiny seeded generator, so every "random" test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { next() & 1 == 1 }
}

/// Random, valid `WireMessage` values covering every case and sub-case of the encoding.
struct MessageGenerator {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// The 24 leaf kinds: request, reply, 9 consensus kinds, stateRequest, stateReply,
    /// 7 hybrid kinds, executionShare, executionProof, commitRetry, stateChunk.
    static let kindCount = 24

    mutating func u64() -> UInt64 {
        switch rng.int(0...4) {
        case 0: return 0
        case 1: return UInt64.max
        case 2: return UInt64(rng.int(0...1000))
        default: return rng.next()
        }
    }
    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] {
        (0..<rng.int(range)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }
    mutating func replica() -> ReplicaID {
        rng.bool() ? ReplicaID(rng.int(0...6)) : ReplicaID(rng.int(0...(WireLimits.default.maxReplicas - 1)))
    }
    mutating func view() -> ViewNumber { ViewNumber(u64()) }
    mutating func seq() -> SequenceNumber { SequenceNumber(u64()) }
    mutating func digest() -> Digest {
        rng.int(0...5) == 0 ? .zero : Digest(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
    }
    mutating func instance() -> InstanceID {
        rng.bool() ? .main : InstanceID(rawValue: UInt16(truncatingIfNeeded: rng.next()))
    }
    mutating func signature() -> [UInt8] { bytes(0...96) }

    mutating func request() -> ClientRequest {
        var r = ClientRequest(client: ClientID(u64()), timestamp: u64(), assignedReplica: replica(), operation: bytes(0...40))
        if rng.bool() {
            r.signature = ClientSignature(publicKey: bytes(32...32), signature: bytes(64...64))
        }
        if rng.bool() { r.epoch = max(1, u64()) }
        return r
    }
    mutating func reply() -> ClientReply {
        var r = ClientReply(client: ClientID(u64()), timestamp: u64(), request: digest(), view: view(), replica: replica(), result: bytes(0...40))
        if rng.bool() {
            r.proof = ReplyProof(sequence: seq(), root: digest(), index: UInt32(truncatingIfNeeded: rng.next()),
                                 path: (0..<rng.int(0...8)).map { _ in digest() }, signature: signature())
        }
        return r
    }
    mutating func counterValue() -> CounterValue { CounterValue(rawValue: u64()) }
    mutating func certificate() -> CounterCertificate {
        CounterCertificate(signer: replica(), value: counterValue(), previous: rng.bool() ? counterValue() : nil, proof: signature())
    }
    mutating func quorum() -> QuorumCertificate { QuorumCertificate(value: counterValue(), proof: bytes(0...200)) }
    mutating func decision() -> HybridDecision {
        HybridDecision(view: view(), startSequence: seq(), startDigest: digest(), proposals: (0..<rng.int(0...5)).map { _ in digest() })
    }
    mutating func hybridViewChange(depth: Int = 0) -> HybridViewChange {
        let installed = rng.bool() ? InstalledView(decision: decision(), certificate: certificate(), commitProof: quorum()) : nil
        var acknowledged: HybridNewView?
        if depth < HybridEvidence.maxNesting, rng.int(0...3) == 0 {
            acknowledged = HybridNewView(decision: decision(), viewChanges: (0..<rng.int(0...2)).map { _ in hybridViewChange(depth: depth + 1) },
                                         checkpointProof: proof(), certificate: certificate())
        }
        let evidence = HybridEvidence(counter: counterValue(), stableSequence: seq(), stableDigest: digest(), installed: installed,
                                      prepares: (0..<rng.int(0...4)).map { _ in PrepareClaim(sequence: seq(), digest: digest(), certificate: certificate()) },
                                      acknowledged: acknowledged)
        return HybridViewChange(sender: replica(), newView: view(), evidence: evidence,
                                chain: (0..<rng.int(0...3)).map { _ in certificate() }, checkpointProof: proof())
    }
    mutating func hybrid(kind: Int) -> HybridMessage {
        switch kind {
        case 0: return .prepare(HybridPrepare(view: view(), sequence: seq(), payload: payload(), certificate: certificate()))
        case 1: return .commit(HybridCommit(view: view(), sequence: seq(), digest: digest(), certificate: certificate()))
        case 2: return .commitProof(HybridCommitProof(view: view(), sequence: seq(), digest: digest(), proof: quorum()))
        case 3: return .viewChange(hybridViewChange())
        case 4:
            return .newView(HybridNewView(decision: decision(), viewChanges: (0..<rng.int(0...3)).map { _ in hybridViewChange() },
                                          checkpointProof: proof(), certificate: certificate()))
        case 5: return .newViewAck(HybridNewViewAck(view: view(), decisionDigest: digest(), certificate: certificate()))
        default: return .newViewProof(HybridNewViewProof(decision: decision(), certificate: certificate(), proof: quorum()))
        }
    }
    mutating func batch() -> Payload { .requests(Batch(requests: (0..<rng.int(0...5)).map { _ in request() })) }
    mutating func order() -> Payload {
        .order(OrderBatch(refs: (0..<rng.int(0...5)).map { _ in DSlotRef(replica: replica(), sequence: seq()) }))
    }
    mutating func payload() -> Payload { rng.int(0...3) == 0 ? order() : batch() }
    mutating func vote() -> Vote { Vote(view: view(), sequence: seq(), digest: digest()) }
    mutating func checkpoint() -> SignedCheckpoint {
        SignedCheckpoint(sender: replica(), sequence: seq(), stateDigest: digest(), signature: signature())
    }
    mutating func claims() -> [SlotClaim] {
        (0..<rng.int(0...4)).map { _ in SlotClaim(sequence: seq(), view: view(), digest: digest()) }
    }
    mutating func signedViewChange() -> SignedViewChange {
        SignedViewChange(sender: replica(),
                         viewChange: ViewChange(newView: view(), stableSequence: seq(), stableDigest: digest(),
                                                prepared: claims(), prePrepared: claims()),
                         signature: signature())
    }
    mutating func proof() -> [SignedCheckpoint] { (0..<rng.int(0...4)).map { _ in checkpoint() } }

    mutating func consensus(kind: Int) -> ConsensusMessage {
        switch kind {
        case 0: return .prePrepare(PrePrepare(view: view(), sequence: seq(), payload: payload()))
        case 1: return .prepare(vote())
        case 2: return .commit(vote())
        case 3: return .checkpoint(checkpoint())
        case 4: return .viewChange(ViewChangeMessage(signed: signedViewChange(), checkpointProof: proof()))
        case 5:
            return .newView(NewView(view: view(), viewChanges: (0..<rng.int(0...4)).map { _ in signedViewChange() },
                                    checkpointProof: proof(), startSequence: seq(), startDigest: digest(),
                                    proposals: (0..<rng.int(0...6)).map { _ in digest() }))
        case 6: return .fetch(digest())
        case 7: return .payload(payload())
        default: return .status(view: view(), stableSequence: seq())
        }
    }

    /// A message of leaf kind `kind` (0 ..< kindCount).
    mutating func message(kind: Int) -> WireMessage {
        switch kind {
        case 0: return .request(request())
        case 1: return .reply(reply())
        case 2...10: return .consensus(from: replica(), instance: instance(), consensus(kind: kind - 2))
        case 11: return .stateRequest(from: replica(), StateRequest(sequence: seq(), offset: u64(), length: UInt32(truncatingIfNeeded: u64())))
        case 12: return .stateReply(from: replica(), StateReply(sequence: seq(), snapshot: bytes(0...200)))
        case 13...19: return .consensus(from: replica(), instance: instance(), .hybrid(hybrid(kind: kind - 13)))
        case 20: return .executionShare(from: replica(), ExecutionShare(sequence: seq(), root: digest(), share: signature()))
        case 21: return .executionProof(from: replica(), ExecutionProof(sequence: seq(), root: digest(), signature: signature()))
        case 23:
            let bytes = bytes(0...200)
            let offset = rng.bool() ? 0 : UInt64(rng.int(0...1 << 30))
            let total = offset + UInt64(bytes.count) + (rng.bool() ? 0 : UInt64(rng.int(0...1 << 30)))
            return .stateChunk(from: replica(), StateChunk(sequence: seq(), offset: offset, totalBytes: total, bytes: bytes))
        default:
            return .consensus(from: replica(), instance: instance(),
                              .hybrid(.commitRetry(HybridCommit(view: view(), sequence: seq(), digest: digest(), certificate: certificate()))))
        }
    }

    mutating func message() -> WireMessage { message(kind: rng.int(0...(Self.kindCount - 1))) }
}

/// Which leaf kind a message is, for coverage accounting.
func leafKind(_ m: WireMessage) -> Int {
    switch m {
    case .request: return 0
    case .reply: return 1
    case .consensus(_, _, let c):
        switch c {
        case .prePrepare: return 2
        case .prepare: return 3
        case .commit: return 4
        case .checkpoint: return 5
        case .viewChange: return 6
        case .newView: return 7
        case .fetch: return 8
        case .payload: return 9
        case .status: return 10
        case .hybrid(let h):
            switch h {
            case .prepare: return 13
            case .commit: return 14
            case .commitProof: return 15
            case .viewChange: return 16
            case .newView: return 17
            case .newViewAck: return 18
            case .newViewProof: return 19
            case .commitRetry: return 22
            }
        }
    case .stateRequest: return 11
    case .stateReply: return 12
    case .stateChunk: return 23
    case .executionShare: return 20
    case .executionProof: return 21
    }
}

@Suite("Wire encoding round trip")
struct WireRoundTripTests {
    func expectRoundTrip(_ m: WireMessage, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = m.encode()
        #expect(bytes.count == m.encodedSize, "encodedSize mismatch for \(m)", sourceLocation: sourceLocation)
        #expect(m.encode() == bytes, "encoding is not deterministic", sourceLocation: sourceLocation)
        do {
            let decoded = try WireMessage.decode(bytes)
            #expect(decoded == m, sourceLocation: sourceLocation)
            // Batch equality is by digest; also check request-by-request equality.
            if case .consensus(_, _, .prePrepare(let a)) = m, case .consensus(_, _, .prePrepare(let b)) = decoded,
               case .requests(let ba) = a.payload, case .requests(let bb) = b.payload {
                #expect(ba.requests == bb.requests, sourceLocation: sourceLocation)
            }
            if case .consensus(_, _, .payload(.order(let a))) = m, case .consensus(_, _, .payload(.order(let b))) = decoded {
                #expect(a.refs == b.refs, sourceLocation: sourceLocation)
            }
            #expect(decoded.encode() == bytes, sourceLocation: sourceLocation)
        } catch {
            Issue.record("decode of a valid encoding failed: \(error) for \(m)", sourceLocation: sourceLocation)
        }
    }

    @Test("decode(encode(m)) == m, encode is deterministic and encodedSize is exact, for 3,000 random messages of every kind")
    func randomMessagesRoundTrip() {
        var gen = MessageGenerator(seed: 0xD0B_F7)
        var perKind = [Int](repeating: 0, count: MessageGenerator.kindCount)
        var batchSizes = Set<Int>()
        var orderSizes = Set<Int>()
        var viewChangesWithClaimsAndProof = 0
        var newViewsWithEverything = 0
        for _ in 0..<3_000 {
            let m = gen.message()
            perKind[leafKind(m)] += 1
            if case .consensus(_, _, let c) = m {
                switch c {
                case .prePrepare(let p):
                    switch p.payload {
                    case .requests(let b): batchSizes.insert(b.requests.count)
                    case .order(let o): orderSizes.insert(o.refs.count)
                    }
                case .payload(.order(let o)): orderSizes.insert(o.refs.count)
                case .viewChange(let v) where !v.signed.viewChange.prepared.isEmpty
                    && !v.signed.viewChange.prePrepared.isEmpty && !v.checkpointProof.isEmpty:
                    viewChangesWithClaimsAndProof += 1
                case .newView(let n) where !n.viewChanges.isEmpty && !n.checkpointProof.isEmpty && !n.proposals.isEmpty:
                    newViewsWithEverything += 1
                default: break
                }
            }
            expectRoundTrip(m)
        }
        #expect(perKind.allSatisfy { $0 >= 100 }, "kind coverage: \(perKind)")
        #expect(batchSizes == Set(0...5))
        #expect(orderSizes == Set(0...5))
        #expect(viewChangesWithClaimsAndProof >= 20)
        #expect(newViewsWithEverything >= 20)
    }

    @Test("boundary values round-trip: max ids, empty and limit-sized fields, the no-op payload")
    func boundaryValuesRoundTrip() {
        let maxReplica = ReplicaID(WireLimits.default.maxReplicas - 1)
        let maxDigest = Digest(w0: .max, w1: .max, w2: .max, w3: .max)
        let messages: [WireMessage] = [
            .request(ClientRequest(client: ClientID(.max), timestamp: .max, assignedReplica: maxReplica, operation: [])),
            .reply(ClientReply(client: ClientID(0), timestamp: 0, request: .zero, view: ViewNumber(.max), replica: maxReplica, result: [])),
            .consensus(from: ReplicaID(0), instance: .main, .prePrepare(PrePrepare(view: .zero, sequence: .zero, payload: .noop))),
            .consensus(from: maxReplica, instance: InstanceID(rawValue: 0), .payload(.noop)),
            .consensus(from: maxReplica, instance: .main, .payload(.order(OrderBatch(refs: [])))),
            .consensus(from: ReplicaID(0), instance: .main, .prePrepare(PrePrepare(
                view: ViewNumber(1), sequence: SequenceNumber(.max),
                payload: .order(OrderBatch(refs: [DSlotRef(replica: maxReplica, sequence: SequenceNumber(.max))]))))),
            .consensus(from: ReplicaID(1), instance: .main, .fetch(maxDigest)),
            .consensus(from: ReplicaID(1), instance: .main,
                       .checkpoint(SignedCheckpoint(sender: maxReplica, sequence: SequenceNumber(.max), stateDigest: .zero,
                                                    signature: [UInt8](repeating: 0xAB, count: 512)))),
            .consensus(from: ReplicaID(2), instance: .main,
                       .newView(NewView(view: .zero, viewChanges: [], checkpointProof: [], startSequence: .zero,
                                        startDigest: .zero, proposals: []))),
            .stateRequest(from: maxReplica, StateRequest(sequence: SequenceNumber(.max))),
            .stateRequest(from: maxReplica, StateRequest(sequence: .zero, offset: .max, length: .max)),
            .stateChunk(from: ReplicaID(0), StateChunk(sequence: .zero, offset: 0, totalBytes: 0, bytes: [])),
            .stateChunk(from: maxReplica, StateChunk(sequence: SequenceNumber(.max), offset: .max - 3, totalBytes: .max, bytes: [1, 2, 3])),
            .stateChunk(from: ReplicaID(1), StateChunk(sequence: SequenceNumber(9), offset: 1 << 20, totalBytes: 3 << 20,
                                                       bytes: [UInt8](repeating: 7, count: 1 << 20))),
            .stateReply(from: ReplicaID(0), StateReply(sequence: .zero, snapshot: [])),
            .stateReply(from: ReplicaID(0), StateReply(sequence: .zero, snapshot: [UInt8](repeating: 7, count: 70_000))),
        ]
        for m in messages { expectRoundTrip(m) }
    }

    @Test("a state chunk that claims to reach past the end of its state is rejected")
    func chunkPastItsStateRejected() {
        var frame = WireMessage.stateChunk(from: ReplicaID(1), StateChunk(sequence: SequenceNumber(2), offset: 8, totalBytes: 10,
                                                                          bytes: [1, 2])).encode()
        #expect((try? WireMessage.decode(frame)) != nil)
        frame[27] = 9  // the last byte of totalBytes (version, tag, from, sequence, offset, then totalBytes at 20)
        #expect(throws: WireError.invalidValue(field: "chunk")) { try WireMessage.decode(frame) }
    }

    @Test("a new view carrying many view changes with long signatures round-trips")
    func largeNewViewRoundTrips() {
        var gen = MessageGenerator(seed: 42)
        let vcs = (0..<67).map { i -> SignedViewChange in
            var s = gen.signedViewChange()
            s.sender = ReplicaID(i)
            s.signature = [UInt8](repeating: UInt8(i), count: 96)
            return s
        }
        let nv = NewView(view: ViewNumber(3), viewChanges: vcs, checkpointProof: (0..<67).map { _ in gen.checkpoint() },
                         startSequence: SequenceNumber(100), startDigest: gen.digest(),
                         proposals: (0..<200).map { _ in gen.digest() })
        expectRoundTrip(.consensus(from: ReplicaID(3), instance: .main, .newView(nv)))
    }

    @Test("a new view whose view changes carry short (< 4 byte) signatures round-trips")
    func newViewWithShortSignaturesRoundTrips() {
        let vcs = (0..<13).map { i in
            SignedViewChange(sender: ReplicaID(i),
                             viewChange: ViewChange(newView: ViewNumber(1), stableSequence: .zero, stableDigest: .zero,
                                                    prepared: [], prePrepared: []),
                             signature: [])
        }
        let nv = NewView(view: ViewNumber(1), viewChanges: vcs, checkpointProof: [], startSequence: .zero,
                         startDigest: .zero, proposals: [])
        expectRoundTrip(.consensus(from: ReplicaID(1), instance: .main, .newView(nv)))
    }

    @Test("distinct messages encode to distinct bytes")
    func encodingIsInjectiveOnSamples() {
        var gen = MessageGenerator(seed: 7)
        var seen: [[UInt8]: WireMessage] = [:]
        for _ in 0..<1_000 {
            let m = gen.message()
            let bytes = m.encode()
            if let other = seen[bytes] { #expect(other == m) }
            seen[bytes] = m
        }
        #expect(seen.count > 900)
    }

    @Test("the generator is deterministic for a seed")
    func generatorIsSeeded() {
        var a = MessageGenerator(seed: 99), b = MessageGenerator(seed: 99)
        for _ in 0..<50 { #expect(a.message().encode() == b.message().encode()) }
    }
}
