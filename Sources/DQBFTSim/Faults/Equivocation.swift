import DQBFTCore

/// The messages a Byzantine replica sends instead of its honest ones: the
/// conflicting twin an equivocating replica adds, and the spoiled or withheld
/// certificates of the hybrid behaviours (`bad-shares`, `lying-collector`,
/// `withhold-proofs`).
///
/// Guarantees: pure functions of the message (and behaviour); a twin differs from
/// the original only in what a receiver must detect (payload or digest).
enum Equivocation {
    /// The message a Byzantine hybrid replica sends instead of `m` (nil: drop it).
    static func hybridFault(_ m: WireMessage, behaviour: ByzantineBehaviour) -> WireMessage? {
        func spoil(_ bytes: inout [UInt8]) { if bytes.isEmpty { bytes = [0] } else { bytes[0] ^= 0xFF } }
        switch (behaviour, m) {
        case (.badShares, .consensus(let from, let instance, .hybrid(.commit(var c)))):
            spoil(&c.certificate.proof)
            return .consensus(from: from, instance: instance, .hybrid(.commit(c)))
        case (.badShares, .consensus(let from, let instance, .hybrid(.commitRetry(var c)))):
            spoil(&c.certificate.proof)
            return .consensus(from: from, instance: instance, .hybrid(.commitRetry(c)))
        case (.badShares, .consensus(let from, let instance, .hybrid(.newViewAck(var a)))):
            spoil(&a.certificate.proof)
            return .consensus(from: from, instance: instance, .hybrid(.newViewAck(a)))
        case (.badShares, .executionShare(let from, var e)):
            spoil(&e.share)
            return .executionShare(from: from, e)
        case (.lyingCollector, .consensus(let from, let instance, .hybrid(.commitProof(var p)))):
            spoil(&p.proof.proof)
            return .consensus(from: from, instance: instance, .hybrid(.commitProof(p)))
        case (.lyingCollector, .consensus(let from, let instance, .hybrid(.newViewProof(var p)))):
            spoil(&p.proof.proof)
            return .consensus(from: from, instance: instance, .hybrid(.newViewProof(p)))
        case (.lyingCollector, .executionProof(let from, var p)):
            spoil(&p.signature)
            return .executionProof(from: from, p)
        case (.withholdProofs, .consensus(_, _, .hybrid(.commitProof))), (.withholdProofs, .consensus(_, _, .hybrid(.newViewProof))),
             (.withholdProofs, .executionProof):
            return nil
        default: return m
        }
    }

    /// Asks the trusted counter to certify a conflicting twin of a hybrid PREPARE
    /// or commit share; returns true if the counter refused (it always must).
    static func attemptHybrid(_ m: WireMessage, certifier: any CounterCertifier) -> Bool {
        guard case .consensus(_, let instance, .hybrid(let h)) = m else { return false }
        let value: CounterValue, digest: Digest
        switch h {
        case .prepare(let p): (value, digest) = (p.certificate.value, p.payload.digest)
        case .commit(let c): (value, digest) = (c.certificate.value, c.digest)
        default: return false
        }
        var forged = digest
        forged.w0 ^= 1
        return certifier.certify(forged, instance: instance, value: value) == nil
    }

    static func conflicting(_ m: WireMessage) -> WireMessage? {
        guard case .consensus(let from, let instance, let cm) = m else { return nil }
        switch cm {
        case .prePrepare(var pp):
            switch pp.payload {
            case .requests(let batch) where !batch.requests.isEmpty:
                pp.payload = .requests(Batch(requests: Array(batch.requests.dropLast())))
            case .order(let batch) where !batch.refs.isEmpty:
                pp.payload = .order(OrderBatch(refs: Array(batch.refs.dropLast())))
            default: return nil
            }
            return .consensus(from: from, instance: instance, .prePrepare(pp))
        case .prepare(var v):
            v.digest.w0 ^= 1
            return .consensus(from: from, instance: instance, .prepare(v))
        case .commit(var v):
            v.digest.w0 ^= 1
            return .consensus(from: from, instance: instance, .commit(v))
        default: return nil
        }
    }
}
