import DQBFTCore

/// The `fuzz` Byzantine behaviour (after ByzzFuzz, Winter et al., "Randomized
/// testing of Byzantine fault tolerant algorithms", OOPSLA 2023): the replica runs
/// the honest core but sends small mutations of what it would send — views and
/// sequence numbers one off or far off (near the top of their range, at and past
/// the trusted counter's packing limits), digests with one bit flipped, trusted
/// counter values and certificates changed, payloads shortened — and sometimes
/// sends a message twice or also to a replica it was not meant for.
///
/// A mutated message that carries a signature or a counter certificate fails
/// verification at its receiver (the verifier's path is what that exercises);
/// MAC-authenticated fields (PBFT votes and proposals, hybrid views and sequence
/// numbers outside the certified value, status reports) reach the core as the
/// sender's own word and exercise the protocol logic.
///
/// Guarantees: every decision is a pure function of the message and the state of
/// the replica's generator, which is seeded from the run's seed and the replica id,
/// so a run stays a function of its options; client requests and replies are never
/// changed (clients are not authenticated in simulations, and forging their
/// requests would test nothing a signature would not stop).
enum Fuzz {
    /// Chance, per message and recipient, that the recipient gets a mutated copy.
    static let mutateOdds: UInt64 = 3  // one in three
    /// Chance that a copy is also sent a second time, or to another replica.
    static let duplicateOdds: UInt64 = 20
    static let redirectOdds: UInt64 = 20

    /// The generator of fuzzing replica `replica` in a run with seed `seed`
    /// (independent of every other random choice of the run).
    static func random(seed: UInt64, replica: Int) -> SimRandom {
        SimRandom(seed: seed ^ 0xF022_F022_0000_0000 ^ (UInt64(replica) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// What replica `me` sends when its honest core sends `m` to `target`: a list of
    /// (message, recipient) pairs, usually just `(m, target)`.
    static func plan(_ m: WireMessage, to target: Int, from me: Int, replicas n: Int,
                     rng: inout SimRandom) -> [(message: WireMessage, to: Int)] {
        if case .request = m { return [(m, target)] }
        if case .reply = m { return [(m, target)] }
        let sent = rng.next() % mutateOdds == 0 ? mutate(m, replicas: n, rng: &rng) : m
        var out = [(message: sent, to: target)]
        if rng.next() % duplicateOdds == 0 { out.append((sent, target)) }
        if n > 2, rng.next() % redirectOdds == 0 {
            var other = Int(rng.next() % UInt64(n))
            while other == me || other == target { other = (other + 1) % n }
            out.append((sent, other))
        }
        return out
    }

    /// One small mutation of `m`.
    static func mutate(_ m: WireMessage, replicas n: Int, rng: inout SimRandom) -> WireMessage {
        switch m {
        case .request, .reply: return m
        case .consensus(let from, let instance, let cm):
            // Now and then the message goes to another instance of the same replica.
            if rng.next() % 16 == 0 {
                let other = rng.next() % 2 == 0 ? InstanceID.main : .dissemination(ReplicaID(Int(rng.next() % UInt64(n))))
                return .consensus(from: from, instance: other, cm)
            }
            return .consensus(from: from, instance: instance, mutate(cm, replicas: n, rng: &rng))
        case .stateRequest(let from, var s):
            if rng.next() % 2 == 0 { s.sequence = sequence(s.sequence, &rng) } else { s.offset = rng.next() }
            return .stateRequest(from: from, s)
        case .stateReply(let from, var s):
            if rng.next() % 2 == 0 { s.sequence = sequence(s.sequence, &rng) } else { flip(&s.snapshot, &rng) }
            return .stateReply(from: from, s)
        case .stateChunk(let from, var c):
            switch rng.next() % 4 {
            case 0: c.sequence = sequence(c.sequence, &rng)
            case 1: c.offset = rng.next() % 2 == 0 ? c.offset &+ 1 : c.totalBytes
            case 2: c.totalBytes = rng.next() % 2 == 0 ? c.totalBytes &+ 1 : c.offset &+ UInt64(c.bytes.count)
            default: flip(&c.bytes, &rng)
            }
            return .stateChunk(from: from, c)
        case .executionShare(let from, var e):
            switch rng.next() % 3 {
            case 0: e.sequence = sequence(e.sequence, &rng)
            case 1: e.root = digest(e.root, &rng)
            default: flip(&e.share, &rng)
            }
            return .executionShare(from: from, e)
        case .executionProof(let from, var e):
            switch rng.next() % 3 {
            case 0: e.sequence = sequence(e.sequence, &rng)
            case 1: e.root = digest(e.root, &rng)
            default: flip(&e.signature, &rng)
            }
            return .executionProof(from: from, e)
        }
    }

    static func mutate(_ m: ConsensusMessage, replicas n: Int, rng: inout SimRandom) -> ConsensusMessage {
        switch m {
        case .prePrepare(var p):
            switch rng.next() % 3 {
            case 0: p.view = view(p.view, &rng)
            case 1: p.sequence = sequence(p.sequence, &rng)
            default: p.payload = payload(p.payload, replicas: n, &rng)
            }
            return .prePrepare(p)
        case .prepare(let v): return .prepare(vote(v, &rng))
        case .commit(let v): return .commit(vote(v, &rng))
        case .checkpoint(var c):
            switch rng.next() % 3 {
            case 0: c.sequence = sequence(c.sequence, &rng)
            case 1: c.stateDigest = digest(c.stateDigest, &rng)
            default: flip(&c.signature, &rng)
            }
            return .checkpoint(c)
        case .viewChange(var message):
            var vc = message.signed.viewChange
            switch rng.next() % 4 {
            case 0: vc.newView = view(vc.newView, &rng)
            case 1: vc.stableSequence = sequence(vc.stableSequence, &rng)
            case 2: if !vc.prepared.isEmpty { vc.prepared[0] = claim(vc.prepared[0], &rng) } else { vc.newView = view(vc.newView, &rng) }
            default: flip(&message.signed.signature, &rng)
            }
            message.signed.viewChange = vc
            return .viewChange(message)
        case .newView(var nv):
            switch rng.next() % 3 {
            case 0: nv.view = view(nv.view, &rng)
            case 1: nv.startSequence = sequence(nv.startSequence, &rng)
            default: nv.proposals = proposals(nv.proposals, &rng)
            }
            return .newView(nv)
        case .fetch(let d): return .fetch(digest(d, &rng))
        case .payload(let p): return .payload(payload(p, replicas: n, &rng))
        case .status(let v, let s):
            return rng.next() % 2 == 0 ? .status(view: view(v, &rng), stableSequence: s)
                : .status(view: v, stableSequence: sequence(s, &rng))
        case .hybrid(let h): return .hybrid(mutate(h, replicas: n, rng: &rng))
        }
    }

    static func mutate(_ m: HybridMessage, replicas n: Int, rng: inout SimRandom) -> HybridMessage {
        switch m {
        case .prepare(var p):
            switch rng.next() % 4 {
            case 0: p.view = view(p.view, &rng)
            case 1: p.sequence = sequence(p.sequence, &rng)
            case 2: p.payload = payload(p.payload, replicas: n, &rng)
            default: p.certificate = certificate(p.certificate, replicas: n, &rng)
            }
            return .prepare(p)
        case .commit(let c): return .commit(commit(c, replicas: n, &rng))
        case .commitRetry(let c): return .commitRetry(commit(c, replicas: n, &rng))
        case .commitProof(var p):
            switch rng.next() % 4 {
            case 0: p.view = view(p.view, &rng)
            case 1: p.sequence = sequence(p.sequence, &rng)
            case 2: p.digest = digest(p.digest, &rng)
            default: p.proof.value = counter(p.proof.value, &rng)
            }
            return .commitProof(p)
        case .viewChange(var vc):
            switch rng.next() % 4 {
            case 0: vc.newView = view(vc.newView, &rng)
            case 1: vc.evidence.counter = counter(vc.evidence.counter, &rng)
            case 2: vc.evidence.stableSequence = sequence(vc.evidence.stableSequence, &rng)
            default:
                if !vc.evidence.prepares.isEmpty {
                    vc.evidence.prepares[0].sequence = sequence(vc.evidence.prepares[0].sequence, &rng)
                } else if !vc.chain.isEmpty {
                    vc.chain[0].value = counter(vc.chain[0].value, &rng)
                }
            }
            return .viewChange(vc)
        case .newView(var nv):
            switch rng.next() % 3 {
            case 0: nv.decision = decision(nv.decision, &rng)
            case 1: nv.certificate = certificate(nv.certificate, replicas: n, &rng)
            default: if !nv.viewChanges.isEmpty { nv.viewChanges.removeLast() }
            }
            return .newView(nv)
        case .newViewAck(var a):
            switch rng.next() % 3 {
            case 0: a.view = view(a.view, &rng)
            case 1: a.decisionDigest = digest(a.decisionDigest, &rng)
            default: a.certificate = certificate(a.certificate, replicas: n, &rng)
            }
            return .newViewAck(a)
        case .newViewProof(var p):
            switch rng.next() % 3 {
            case 0: p.decision = decision(p.decision, &rng)
            case 1: p.certificate = certificate(p.certificate, replicas: n, &rng)
            default: p.proof.value = counter(p.proof.value, &rng)
            }
            return .newViewProof(p)
        }
    }

    // MARK: - Field mutations

    /// One more, one less, or far off: the top of the range, the trusted counter's
    /// last packable view and the one after it.
    static func view(_ v: ViewNumber, _ rng: inout SimRandom) -> ViewNumber {
        switch rng.next() % 6 {
        case 0, 1: return ViewNumber(v.rawValue &+ 1)
        case 2: return ViewNumber(v.rawValue &- 1)
        case 3: return ViewNumber(.max - rng.next() % 2)
        case 4: return ViewNumber(CounterValue.maxView + rng.next() % 2)
        default: return ViewNumber(v.rawValue &+ 2 + rng.next() % 1000)
        }
    }

    /// One more, one less, or far off: the top of the range, the trusted counter's
    /// last packable slot and the one after it, a few windows ahead.
    static func sequence(_ s: SequenceNumber, _ rng: inout SimRandom) -> SequenceNumber {
        switch rng.next() % 7 {
        case 0, 1: return SequenceNumber(s.rawValue &+ 1)
        case 2: return SequenceNumber(s.rawValue &- 1)
        case 3: return SequenceNumber(.max - rng.next() % 2)
        case 4: return SequenceNumber(CounterValue.maxSequence + rng.next() % 2)
        case 5: return SequenceNumber(1 << 63)
        default: return SequenceNumber(s.rawValue &+ 2 + rng.next() % 1000)
        }
    }

    /// One bit flipped.
    static func digest(_ d: Digest, _ rng: inout SimRandom) -> Digest {
        var d = d
        let bit = UInt64(1) << (rng.next() % 64)
        switch rng.next() % 4 {
        case 0: d.w0 ^= bit
        case 1: d.w1 ^= bit
        case 2: d.w2 ^= bit
        default: d.w3 ^= bit
        }
        return d
    }

    /// One off, another phase, or a view or slot far off (raw values included,
    /// since a counter value can hold any 64 bits on the wire).
    static func counter(_ c: CounterValue, _ rng: inout SimRandom) -> CounterValue {
        switch rng.next() % 5 {
        case 0: return CounterValue(rawValue: c.rawValue &+ 1)
        case 1: return CounterValue(rawValue: c.rawValue &- 1)
        case 2: return CounterValue(rawValue: c.rawValue ^ (1 << 39))  // the other phase
        case 3: return CounterValue(rawValue: c.rawValue &+ (1 << 40))  // the next view
        default: return CounterValue(rawValue: .max - rng.next() % 2)
        }
    }

    static func certificate(_ c: CounterCertificate, replicas n: Int, _ rng: inout SimRandom) -> CounterCertificate {
        var c = c
        switch rng.next() % 4 {
        case 0: c.value = counter(c.value, &rng)
        case 1: c.previous = c.previous.map { counter($0, &rng) } ?? CounterValue(rawValue: c.value.rawValue &- 1)
        case 2: c.signer = ReplicaID(Int(rng.next() % UInt64(n)))
        default: flip(&c.proof, &rng)
        }
        return c
    }

    static func commit(_ c: HybridCommit, replicas n: Int, _ rng: inout SimRandom) -> HybridCommit {
        var c = c
        switch rng.next() % 4 {
        case 0: c.view = view(c.view, &rng)
        case 1: c.sequence = sequence(c.sequence, &rng)
        case 2: c.digest = digest(c.digest, &rng)
        default: c.certificate = certificate(c.certificate, replicas: n, &rng)
        }
        return c
    }

    static func vote(_ v: Vote, _ rng: inout SimRandom) -> Vote {
        var v = v
        switch rng.next() % 3 {
        case 0: v.view = view(v.view, &rng)
        case 1: v.sequence = sequence(v.sequence, &rng)
        default: v.digest = digest(v.digest, &rng)
        }
        return v
    }

    static func claim(_ c: SlotClaim, _ rng: inout SimRandom) -> SlotClaim {
        var c = c
        switch rng.next() % 3 {
        case 0: c.view = view(c.view, &rng)
        case 1: c.sequence = sequence(c.sequence, &rng)
        default: c.digest = digest(c.digest, &rng)
        }
        return c
    }

    static func decision(_ d: HybridDecision, _ rng: inout SimRandom) -> HybridDecision {
        var d = d
        switch rng.next() % 3 {
        case 0: d.view = view(d.view, &rng)
        case 1: d.startSequence = sequence(d.startSequence, &rng)
        default: d.proposals = proposals(d.proposals, &rng)
        }
        return d
    }

    /// A NEW-VIEW's proposals: one digest flipped, the last dropped, or a no-op added.
    static func proposals(_ p: [Digest], _ rng: inout SimRandom) -> [Digest] {
        var p = p
        switch rng.next() % 3 {
        case 0 where !p.isEmpty: let k = Int(rng.next() % UInt64(p.count)); p[k] = digest(p[k], &rng)
        case 1 where !p.isEmpty: p.removeLast()
        default: p.append(Payload.noop.digest)
        }
        return p
    }

    /// A payload one request or reference shorter, empty, or with a reference moved.
    static func payload(_ p: Payload, replicas n: Int, _ rng: inout SimRandom) -> Payload {
        switch p {
        case .requests(let b):
            if b.requests.isEmpty || rng.next() % 3 == 0 { return .noop }
            return .requests(Batch(requests: Array(b.requests.dropLast())))
        case .order(let o):
            var refs = o.refs
            guard !refs.isEmpty else { return p }
            let k = Int(rng.next() % UInt64(refs.count))
            switch rng.next() % 3 {
            case 0: refs[k].sequence = sequence(refs[k].sequence, &rng)
            case 1: refs[k].replica = ReplicaID(Int(rng.next() % UInt64(n)))
            default: refs.removeLast()
            }
            return .order(OrderBatch(refs: refs))
        }
    }

    /// One byte of a signature, proof or snapshot changed (an empty one gains a byte).
    static func flip(_ bytes: inout [UInt8], _ rng: inout SimRandom) {
        if bytes.isEmpty { bytes = [UInt8(truncatingIfNeeded: rng.next())]; return }
        bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 + rng.next() % 255)
    }
}
