import DQBFTCore
import DQBFTCrypto
import Testing

@testable import DQBFTSim

/// The modelled crypto must never be stronger than the real one: one table of
/// forgery attempts against trusted-counter certificates, quorum certificates and
/// execution shares, run against the simulator's model and the real providers
/// (BLS12-381 ThreshSign and TrInX MACs over the software trusted subsystem), for
/// both certificate families. Every attempt must get the same verdict from both,
/// and the verdict the table expects.
@Suite("Forgery table: model and real crypto agree")
struct ForgeryTableTests {
    /// One provider of hybrid cryptography for a three-replica cluster (f = 1).
    struct Provider {
        var name: String
        var certifiers: [any CounterCertifier]
        var signers: [any ExecutionSigner]
        var scheme: any CertificateScheme
    }

    static let replicas = 3, quorum = 2

    static func model(_ kind: HybridCryptoKind) -> Provider {
        let meter = CryptoMeter()
        return Provider(
            name: "model \(kind)",
            certifiers: (0..<replicas).map { ModelCounterCertifier(me: ReplicaID($0), kind: kind, costs: .default, meter: meter) },
            signers: (0..<replicas).map { ModelExecutionSigner(me: ReplicaID($0), costs: .default, meter: meter) },
            scheme: ModelCertificateScheme(threshold: quorum, executionThreshold: quorum, kind: kind, costs: .default, meter: nil))
    }

    static func real(_ kind: HybridCryptoKind) throws -> Provider {
        let cryptos = try HybridCryptoCluster.make(replicas: replicas, f: 1, seed: 11, kind: kind == .threshSign ? .threshSign : .trinx)
        return Provider(name: "real \(kind)", certifiers: cryptos.map(\.counter), signers: cryptos.map(\.execution),
                        scheme: cryptos[0].scheme)
    }

    static let a = InstanceID.dissemination(ReplicaID(0)), b = InstanceID.main
    static let m = Digest.of([1]), m2 = Digest.of([2])
    static func ordering(_ view: UInt64, _ seq: UInt64) -> CounterValue {
        CounterValue(view: ViewNumber(view), phase: .ordering, sequence: SequenceNumber(seq))!
    }
    static func viewChange(_ view: UInt64) -> CounterValue {
        CounterValue(view: ViewNumber(view), phase: .viewChange, sequence: .zero)!
    }

    /// A forgery attempt: what it tries, whether it must be accepted (the genuine
    /// controls) and how it is judged on a fresh provider.
    struct Attempt: CustomTestStringConvertible, Sendable {
        var name: String
        var accepted: Bool
        var judge: @Sendable (Provider) -> Bool
        var testDescription: String { name }
    }

    static func share(_ p: Provider, _ r: Int, _ msg: Digest = m, _ inst: InstanceID = a, _ v: CounterValue = ordering(0, 1)) -> CounterCertificate {
        p.certifiers[r].certify(msg, instance: inst, value: v)!
    }

    static func continuing(_ p: Provider, _ r: Int, _ v: CounterValue = viewChange(1)) -> CounterCertificate {
        p.certifiers[r].certifyContinuing(m, instance: a, value: v)!
    }

    static func quorum(_ p: Provider, _ shares: [CounterCertificate]) -> QuorumCertificate? {
        if case .combined(let qc) = p.scheme.combine(shares, message: m, instance: a) { return qc }
        return nil
    }

    static let attempts: [Attempt] = [
        // Controls: genuine certificates verify.
        Attempt(name: "genuine share", accepted: true) { p in p.scheme.verify(share(p, 0), message: m, instance: a) },
        Attempt(name: "genuine continuing certificate", accepted: true) { p in
            p.scheme.verify(continuing(p, 1), message: m, instance: a)
        },
        Attempt(name: "genuine quorum certificate", accepted: true) { p in
            quorum(p, [share(p, 0), share(p, 1)]).map { p.scheme.verify($0, message: m, instance: a) } ?? false
        },
        Attempt(name: "genuine execution proof", accepted: true) { p in
            let shares = (0..<2).map { (ReplicaID($0), p.signers[$0].signShare(m)) }
            guard case .success(let proof) = p.scheme.combineExecution(shares, message: m) else { return false }
            return p.scheme.verifyExecution(proof, message: m)
        },
        // Relabelling: another replica's certificate under a new name.
        Attempt(name: "share relabelled as another replica's", accepted: false) { p in
            var c = share(p, 0); c.signer = ReplicaID(1)
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "continuing certificate relabelled as another replica's", accepted: false) { p in
            var c = continuing(p, 1); c.signer = ReplicaID(2)
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "share with a signer outside the cluster", accepted: false) { p in
            var c = share(p, 0); c.signer = ReplicaID(7)
            return p.scheme.verify(c, message: m, instance: a)
        },
        // Replay across instances, values, views, messages and kinds.
        Attempt(name: "share replayed on another instance", accepted: false) { p in
            p.scheme.verify(share(p, 0), message: m, instance: b)
        },
        Attempt(name: "share replayed at another counter value", accepted: false) { p in
            var c = share(p, 0); c.value = ordering(0, 2)
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "share replayed in another view", accepted: false) { p in
            var c = share(p, 0); c.value = ordering(1, 1)
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "share for another message", accepted: false) { p in p.scheme.verify(share(p, 0), message: m2, instance: a) },
        Attempt(name: "share presented as a continuing certificate", accepted: false) { p in
            var c = share(p, 0); c.previous = .zero
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "continuing certificate presented as a share", accepted: false) { p in
            var c = continuing(p, 1); c.previous = nil
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "continuing certificate replayed on another instance", accepted: false) { p in
            p.scheme.verify(continuing(p, 1), message: m, instance: b)
        },
        Attempt(name: "continuing certificate replayed for a later view", accepted: false) { p in
            var c = continuing(p, 1); c.value = viewChange(2)
            return p.scheme.verify(c, message: m, instance: a)
        },
        Attempt(name: "continuing certificate claiming another previous value", accepted: false) { p in
            var c = continuing(p, 1); c.previous = ordering(0, 5)
            return p.scheme.verify(c, message: m, instance: a)
        },
        // A truncated chain: the second link re-labelled as leaving where the first began.
        Attempt(name: "truncated continuing chain (a link bridging a removed one)", accepted: false) { p in
            let first = continuing(p, 1, ordering(0, 3))
            var second = continuing(p, 1, viewChange(1))
            second.previous = first.previous
            return p.scheme.verify(second, message: m, instance: a)
        },
        // Quorum certificates.
        Attempt(name: "quorum of one signer's share twice", accepted: false) { p in
            let c = share(p, 0)
            return quorum(p, [c, c]) != nil
        },
        Attempt(name: "quorum short of a share", accepted: false) { p in quorum(p, [share(p, 0)]) != nil },
        Attempt(name: "quorum with a relabelled share", accepted: false) { p in
            let genuine = share(p, 0)
            var c = genuine; c.signer = ReplicaID(1)
            return quorum(p, [genuine, c]) != nil
        },
        Attempt(name: "quorum certificate replayed on another instance", accepted: false) { p in
            quorum(p, [share(p, 0), share(p, 1)]).map { p.scheme.verify($0, message: m, instance: b) } ?? false
        },
        Attempt(name: "quorum certificate replayed at another value", accepted: false) { p in
            guard var qc = quorum(p, [share(p, 0), share(p, 1)]) else { return false }
            qc.value = ordering(0, 2)
            return p.scheme.verify(qc, message: m, instance: a)
        },
        // Execution shares under another replica's name (wrong share index).
        Attempt(name: "execution share relabelled as another replica's", accepted: false) { p in
            let s0 = p.signers[0].signShare(m)
            guard case .success(let proof) = p.scheme.combineExecution([(ReplicaID(0), s0), (ReplicaID(1), s0)], message: m)
            else { return false }
            return p.scheme.verifyExecution(proof, message: m)
        },
    ]

    @Test("ThreshSign (Linear Hybster, Destiny): model and real give the expected verdicts", arguments: attempts)
    func threshSign(_ attempt: Attempt) throws {
        let model = attempt.judge(Self.model(.threshSign))
        let real = attempt.judge(try Self.real(.threshSign))
        #expect(model == real, "\(attempt.name): model \(model ? "accepts" : "rejects"), real \(real ? "accepts" : "rejects")")
        #expect(real == attempt.accepted, "\(attempt.name): real crypto \(real ? "accepts" : "rejects")")
    }

    @Test("TrInX (Hybster, DQHybster): model and real give the expected verdicts",
          arguments: attempts.filter { !$0.name.hasPrefix("genuine execution") && !$0.name.hasPrefix("execution") })
    func trinx(_ attempt: Attempt) throws {
        let model = attempt.judge(Self.model(.trinx))
        let real = attempt.judge(try Self.real(.trinx))
        #expect(model == real, "\(attempt.name): model \(model ? "accepts" : "rejects"), real \(real ? "accepts" : "rejects")")
        #expect(real == attempt.accepted, "\(attempt.name): real crypto \(real ? "accepts" : "rejects")")
    }
}
