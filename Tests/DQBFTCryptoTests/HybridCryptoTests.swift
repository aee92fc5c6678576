import BLS12381
import DQBFTCore
import DQBFTCrypto
import Foundation
import Testing

/// Shared fixtures of the hybrid crypto tests: dealt once per size (BLS dealing is
/// slow in debug builds); every test builds fresh subsystems on top.
enum HybridFixtures {
    static let sizes: [(n: Int, f: Int)] = [(3, 1), (5, 2)]
    static let material: [Int: HybridCryptoCluster.Material] = {
        var out = [Int: HybridCryptoCluster.Material]()
        for (n, f) in sizes { out[n] = try! HybridCryptoCluster.deal(replicas: n, f: f, seed: 42) }
        return out
    }()

    static func cluster(_ n: Int, _ kind: HybridCryptoCluster.Kind) throws -> [HybridCrypto] {
        let m = material[n]!
        return try (0..<n).map { i in
            let subsystem = try SoftwareTrustedSubsystem(
                keys: m.subsystemKeys[i], counters: HybridCryptoCluster.counters(for: ReplicaID(i), replicas: n, kind: kind))
            return HybridCryptoCluster.crypto(for: ReplicaID(i), subsystem: subsystem, material: m, kind: kind)
        }
    }

    static func value(_ view: UInt64, _ sequence: UInt64, phase: CounterValue.Phase = .ordering) -> CounterValue {
        CounterValue(view: ViewNumber(view), phase: phase, sequence: SequenceNumber(sequence))!
    }

    static func digest(_ s: String) -> Digest { Digest.of(Array(s.utf8)) }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hybrid-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Certifies `value`, then rewinds a copy of the sealed state behind the counter's
    /// back and checks that `restore` refuses it.
    static func checkRollbackRefused(kind: HybridCryptoCluster.Kind,
                                     restore: (TrustedStateFileStore, TrustedSubsystemKeys) throws -> any CounterCertifier) throws {
        let m = material[3]!
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = TrustedStateFileStore(path: dir + "/r0.state")
        let me = ReplicaID(0)
        let subsystem = try SoftwareTrustedSubsystem(keys: m.subsystemKeys[0],
                                                     counters: HybridCryptoCluster.counters(for: me, replicas: 3, kind: kind), store: store)
        let certifier = HybridCryptoCluster.crypto(for: me, subsystem: subsystem, material: m, kind: kind).counter
        #expect(certifier.certify(digest("a"), instance: .main, value: value(0, 1)) != nil)
        let old = try #require(try store.readState())
        #expect(certifier.certify(digest("b"), instance: .main, value: value(0, 2)) != nil)
        // An honest restart keeps the counter: value 2 cannot be certified again.
        let restarted = try restore(store, m.subsystemKeys[0])
        #expect(restarted.current(instance: .main) == value(0, 2))
        #expect(restarted.certify(digest("b'"), instance: .main, value: value(0, 2)) == nil)
        // Rolling the state file back to before value 2 is detected.
        try store.writeState(old)
        do {
            _ = try restore(store, m.subsystemKeys[0])
            Issue.record("a rolled-back state was accepted")
        } catch let error as TrustedSubsystemError {
            guard case .rolledBack = error else { Issue.record("expected rolledBack, got \(error)"); return }
        }
    }
}

@Suite("Hybrid crypto: ThreshSign counter certificates, quorum certificates, execution proofs")
struct HybridCryptoTests {
    typealias F = HybridFixtures

    @Test("a certificate verifies; a tampered one does not", arguments: HybridFixtures.sizes.map(\.n))
    func certificateVerifies(n: Int) throws {
        let c = try F.cluster(n, .threshSign)
        let d = F.digest("prepare"), v = F.value(0, 1)
        let cert = try #require(c[1].counter.certify(d, instance: .main, value: v))
        let scheme = c[0].scheme
        #expect(scheme.verify(cert, message: d, instance: .main))
        #expect(!scheme.verify(cert, message: F.digest("other"), instance: .main))
        #expect(!scheme.verify(cert, message: d, instance: .dissemination(ReplicaID(0))))
        var t = cert; t.value = F.value(0, 2)
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = cert; t.signer = ReplicaID(2)
        #expect(!scheme.verify(t, message: d, instance: .main), "relabelled share")
        t = cert; t.signer = ReplicaID(n)
        #expect(!scheme.verify(t, message: d, instance: .main), "signer outside the cluster")
        t = cert; t.proof[40] ^= 1
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = cert; t.proof.removeLast()
        #expect(!scheme.verify(t, message: d, instance: .main))
        t = cert; t.previous = .zero
        #expect(!scheme.verify(t, message: d, instance: .main), "an independent share is not a continuing MAC")
    }

    @Test("the certifier refuses equivocation and lower values; instances are independent")
    func refusals() throws {
        let r = try F.cluster(3, .threshSign)[0].counter
        #expect(r.certify(F.digest("a"), instance: .main, value: F.value(0, 5)) != nil)
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 5)) == nil, "equivocation")
        #expect(r.certify(F.digest("a"), instance: .main, value: F.value(0, 5)) == nil, "same message twice")
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 4)) == nil, "lower value")
        #expect(r.current(instance: .main) == F.value(0, 5))
        #expect(r.certify(F.digest("b"), instance: .main, value: F.value(0, 6)) != nil)
        let d0 = InstanceID.dissemination(ReplicaID(0))
        #expect(r.current(instance: d0) == .zero)
        #expect(r.certify(F.digest("a"), instance: d0, value: F.value(0, 1)) != nil)
        #expect(r.certify(F.digest("a"), instance: InstanceID(rawValue: 77), value: F.value(0, 1)) == nil, "unknown instance")
    }

    @Test("continuing certificates attest the previous value and never go backwards")
    func continuing() throws {
        let c = try F.cluster(3, .threshSign)
        let r = c[2].counter, scheme = c[0].scheme
        _ = try #require(r.certify(F.digest("p3"), instance: .main, value: F.value(0, 3)))
        let d = F.digest("view-change"), target = F.value(1, 0, phase: .viewChange)
        let vc = try #require(r.certifyContinuing(d, instance: .main, value: target))
        #expect(vc.previous == F.value(0, 3) && vc.value == target && vc.signer == ReplicaID(2))
        #expect(scheme.verify(vc, message: d, instance: .main))
        var t = vc; t.previous = F.value(0, 2)
        #expect(!scheme.verify(t, message: d, instance: .main), "forged previous value")
        #expect(!scheme.verify(vc, message: F.digest("other"), instance: .main))
        let again = try #require(r.certifyContinuing(F.digest("new-view"), instance: .main, value: target), "≥ is allowed")
        #expect(again.previous == target)
        #expect(r.certifyContinuing(d, instance: .main, value: F.value(0, 9)) == nil, "backwards")
        #expect(r.certify(d, instance: .main, value: target) == nil, "independent needs >")
    }

    @Test("f+1 shares combine into a quorum certificate bound to its message, value and instance",
          arguments: HybridFixtures.sizes)
    func combine(n: Int, f: Int) throws {
        let c = try F.cluster(n, .threshSign)
        let d = F.digest("commit"), v = F.value(2, 7), scheme = c[0].scheme
        #expect(scheme.threshold == f + 1)
        // Replicas reach `v` from different counter values (0, 1 and 3): alignment
        // makes their shares sign the same bytes.
        for (i, crypto) in c.enumerated() where i % 2 == 1 {
            _ = try #require(crypto.counter.certify(F.digest("earlier"), instance: .main, value: F.value(2, UInt64(i))))
        }
        let shares = try c.map { try #require($0.counter.certify(d, instance: .main, value: v)) }
        guard case .combined(let qc) = scheme.combine(Array(shares.prefix(f + 1)), message: d, instance: .main) else {
            Issue.record("combination failed"); return
        }
        #expect(qc.value == v && scheme.verify(qc, message: d, instance: .main))
        #expect(!scheme.verify(qc, message: F.digest("other"), instance: .main))
        #expect(!scheme.verify(QuorumCertificate(value: F.value(2, 8), proof: qc.proof), message: d, instance: .main))
        #expect(!scheme.verify(qc, message: d, instance: .dissemination(ReplicaID(1))))
        // Threshold signatures are unique: any other f+1 shares give the same certificate.
        guard case .combined(let other) = scheme.combine(Array(shares.suffix(f + 1)), message: d, instance: .main) else {
            Issue.record("combination of the other shares failed"); return
        }
        #expect(other == qc)
        guard case .invalidShares(let none) = scheme.combine(Array(shares.prefix(f)), message: d, instance: .main) else {
            Issue.record("f shares must not combine"); return
        }
        #expect(none.isEmpty)
    }

    @Test("optimistic combination names the forged share", arguments: HybridFixtures.sizes)
    func combineNamesCulprit(n: Int, f: Int) throws {
        let c = try F.cluster(n, .threshSign)
        let d = F.digest("commit"), v = F.value(0, 1), scheme = c[0].scheme
        var shares = try c.prefix(f + 1).map { try #require($0.counter.certify(d, instance: .main, value: v)) }
        // The last signer's share is a valid signature over another message.
        let liar = shares[f].signer
        let wrong = try #require(c[f].counter.certify(F.digest("equivocation"), instance: .main, value: F.value(0, 2)))
        shares[f].proof = wrong.proof
        guard case .invalidShares(let culprits) = scheme.combine(shares, message: d, instance: .main) else {
            Issue.record("a forged share must not combine"); return
        }
        #expect(culprits == [liar])
        // Malformed bytes and a share of another value are named as well.
        shares[f].proof = [UInt8](repeating: 0xAB, count: 96)
        guard case .invalidShares(let malformed) = scheme.combine(shares, message: d, instance: .main) else {
            Issue.record("malformed share"); return
        }
        #expect(malformed == [liar])
        shares[f] = wrong
        guard case .invalidShares(let otherValue) = scheme.combine(shares, message: d, instance: .main) else {
            Issue.record("share of another value"); return
        }
        #expect(otherValue == [liar])
    }

    @Test("execution shares combine into a proof; a forged share is named", arguments: HybridFixtures.sizes)
    func execution(n: Int, f: Int) throws {
        let c = try F.cluster(n, .threshSign)
        let d = F.digest("state after slot 9"), scheme = c[0].scheme
        var shares = c.map { ($0.execution.me, $0.execution.signShare(d)) }
        let proof = try scheme.combineExecution(Array(shares.suffix(f + 1)), message: d).get()
        #expect(scheme.verifyExecution(proof, message: d))
        #expect(!scheme.verifyExecution(proof, message: F.digest("other state")))
        // π is not the counter key: a counter share does not pass as an execution share.
        shares[0].1 = try #require(c[0].counter.certify(d, instance: .main, value: F.value(0, 1))).proof
        switch scheme.combineExecution(Array(shares.prefix(f + 1)), message: d) {
        case .success: Issue.record("a counter share must not combine as an execution share")
        case .failure(let invalid): #expect(invalid.signers == [ReplicaID(0)])
        }
    }

    @Test("a certifier restored from a rolled-back sealed state is refused")
    func rollback() throws {
        try F.checkRollbackRefused(kind: .threshSign) { store, keys in
            try ThreshSignCounterCertifier(me: ReplicaID(0), restoringFrom: store, keys: keys)
        }
    }

    @Test("dealing is deterministic in the seed and refuses sizes without a hybrid quorum")
    func dealing() throws {
        let a = try HybridCryptoCluster.make(replicas: 3, f: 1, seed: 7, kind: .threshSign)
        let b = try HybridCryptoCluster.make(replicas: 3, f: 1, seed: 7, kind: .threshSign)
        let other = try HybridCryptoCluster.make(replicas: 3, f: 1, seed: 8, kind: .threshSign)
        let d = F.digest("m"), v = F.value(0, 1)
        let cert = try #require(a[1].counter.certify(d, instance: .main, value: v))
        #expect(cert == b[1].counter.certify(d, instance: .main, value: v))
        #expect(b[0].scheme.verify(cert, message: d, instance: .main))
        #expect(!other[0].scheme.verify(cert, message: d, instance: .main))
        #expect(throws: HybridCryptoCluster.ParameterError.invalidSize(replicas: 4, f: 2)) {
            _ = try HybridCryptoCluster.deal(replicas: 4, f: 2, seed: 1)
        }
    }
}
