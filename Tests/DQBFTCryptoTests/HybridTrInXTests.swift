import DQBFTCore
import DQBFTCrypto
import Testing

@Suite("Hybrid crypto: TrInX counter certificates and quorum certificates (Hybster)")
struct HybridTrInXTests {
    typealias F = HybridFixtures

    @Test("a TrInX certificate verifies; a tampered or relabelled one does not", arguments: HybridFixtures.sizes.map(\.n))
    func certificateVerifies(n: Int) throws {
        let c = try F.cluster(n, .trinx)
        let d = F.digest("prepare"), v = F.value(0, 1), scheme = c[0].scheme
        let cert = try #require(c[1].counter.certify(d, instance: .main, value: v))
        #expect(cert.previous == nil && cert.signer == ReplicaID(1))
        #expect(scheme.verify(cert, message: d, instance: .main))
        #expect(c[n - 1].scheme.verify(cert, message: d, instance: .main), "any replica verifies")
        #expect(!scheme.verify(cert, message: F.digest("other"), instance: .main))
        #expect(!scheme.verify(cert, message: d, instance: .dissemination(ReplicaID(1))))
        var t = cert; t.value = F.value(0, 2)
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = cert; t.signer = ReplicaID(2)
        #expect(!scheme.verify(t, message: d, instance: .main), "relabelled to another signer")
        t = cert; t.proof[7] ^= 1
        #expect(!scheme.verify(t, message: d, instance: .main), "forged previous value")
        t = cert; t.proof[20] ^= 1
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = cert; t.proof.removeLast()
        #expect(!scheme.verify(t, message: d, instance: .main))
    }

    @Test("the TrInX certifier refuses equivocation and lower values")
    func refusals() throws {
        let r = try F.cluster(3, .trinx)[1].counter
        #expect(r.certify(F.digest("a"), instance: .main, value: F.value(0, 5)) != nil)
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 5)) == nil, "equivocation")
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 4)) == nil, "lower value")
        #expect(r.current(instance: .main) == F.value(0, 5))
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 9)) != nil, "gaps are fine")
        #expect(r.certify(F.digest("a"), instance: InstanceID(rawValue: 77), value: F.value(0, 1)) == nil, "unknown instance")
    }

    @Test("TrInX continuing certificates attest the previous value and never go backwards")
    func continuing() throws {
        let c = try F.cluster(3, .trinx)
        let r = c[0].counter, scheme = c[2].scheme
        _ = try #require(r.certify(F.digest("p4"), instance: .main, value: F.value(0, 4)))
        let d = F.digest("view-change"), target = F.value(1, 0, phase: .viewChange)
        let vc = try #require(r.certifyContinuing(d, instance: .main, value: target))
        #expect(vc.previous == F.value(0, 4))
        #expect(scheme.verify(vc, message: d, instance: .main))
        var t = vc; t.previous = F.value(0, 3)
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = vc; t.signer = ReplicaID(1)
        #expect(!scheme.verify(t, message: d, instance: .main), "relabelled to another signer")
        #expect(r.certifyContinuing(d, instance: .main, value: F.value(0, 9)) == nil, "backwards")
        #expect(r.certify(d, instance: .main, value: target) == nil, "independent needs >")
    }

    @Test("f+1 TrInX certificates form a quorum certificate; a forged one is named", arguments: HybridFixtures.sizes)
    func combine(n: Int, f: Int) throws {
        let c = try F.cluster(n, .trinx)
        let d = F.digest("commit"), v = F.value(3, 2), scheme = c[0].scheme
        #expect(scheme.threshold == f + 1)
        _ = try #require(c[1].counter.certify(F.digest("earlier"), instance: .main, value: F.value(3, 1)))
        let shares = try c.map { try #require($0.counter.certify(d, instance: .main, value: v)) }
        // Out of order and with a duplicate: the certificate is still sorted and distinct.
        let chosen = Array(shares.prefix(f + 1).reversed()) + [shares[0]]
        guard case .combined(let qc) = scheme.combine(chosen, message: d, instance: .main) else {
            Issue.record("combination failed"); return
        }
        #expect(qc.value == v && scheme.verify(qc, message: d, instance: .main))
        #expect(!scheme.verify(qc, message: F.digest("other"), instance: .main))
        #expect(!scheme.verify(QuorumCertificate(value: F.value(3, 3), proof: qc.proof), message: d, instance: .main))
        // One signer listed twice does not count as two.
        var doubled = qc.proof
        let entry = 2 + 8 + 32
        doubled.replaceSubrange((2 + entry)..<(2 + 2 * entry), with: doubled[2..<(2 + entry)])
        #expect(!scheme.verify(QuorumCertificate(value: v, proof: doubled), message: d, instance: .main))
        var truncated = qc.proof; truncated.removeLast()
        #expect(!scheme.verify(QuorumCertificate(value: v, proof: truncated), message: d, instance: .main))

        var forged = Array(shares.prefix(f + 1))
        forged[f].proof[30] ^= 1
        guard case .invalidShares(let culprits) = scheme.combine(forged, message: d, instance: .main) else {
            Issue.record("a forged certificate must not combine"); return
        }
        #expect(culprits == [ReplicaID(f)])
        guard case .invalidShares(let none) = scheme.combine(Array(shares.prefix(f)), message: d, instance: .main) else {
            Issue.record("f certificates must not combine"); return
        }
        #expect(none.isEmpty)
    }

    @Test("Hybster has no execution proofs")
    func noExecution() throws {
        let c = try F.cluster(3, .trinx)
        let d = F.digest("result")
        let shares = c.map { ($0.execution.me, $0.execution.signShare(d)) }
        #expect((try? c[0].scheme.combineExecution(shares, message: d).get()) == nil)
        #expect(!c[0].scheme.verifyExecution([], message: d))
    }

    @Test("a TrInX certifier restored from a rolled-back sealed state is refused")
    func rollback() throws {
        try F.checkRollbackRefused(kind: .trinx) { store, keys in
            try TrInXCounterCertifier(me: ReplicaID(0), restoringFrom: store, keys: keys)
        }
    }
}
