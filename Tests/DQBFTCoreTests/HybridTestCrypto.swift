@testable import DQBFTCore

/// Test crypto: tags instead of signatures, real counters (refusals included).
final class TestCounter: CounterCertifier, @unchecked Sendable {
    let me: ReplicaID
    var values: [InstanceID: CounterValue] = [:]
    var refusals = 0
    init(me: ReplicaID) { self.me = me }
    func current(instance: InstanceID) -> CounterValue { values[instance] ?? .zero }
    func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        guard value > current(instance: instance) else { refusals += 1; return nil }
        values[instance] = value
        return TestScheme.make(me, message, instance, value, nil)
    }
    func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let prev = current(instance: instance)
        guard value >= prev else { refusals += 1; return nil }
        values[instance] = value
        return TestScheme.make(me, message, instance, value, prev)
    }
}

struct TestScheme: CertificateScheme {
    let threshold: Int
    static func tag(_ bytes: [UInt8], _ who: UInt16) -> [UInt8] { [UInt8(who >> 8), UInt8(who & 0xFF)] + Digest.of(bytes).bytes }
    static func make(_ me: ReplicaID, _ m: Digest, _ i: InstanceID, _ v: CounterValue, _ p: CounterValue?) -> CounterCertificate {
        var c = CounterCertificate(signer: me, value: v, previous: p, proof: [])
        c.proof = tag(c.signedBytes(message: m, instance: i), me.rawValue)
        return c
    }
    func verify(_ c: CounterCertificate, message: Digest, instance: InstanceID) -> Bool {
        c.proof == Self.tag(c.signedBytes(message: message, instance: instance), c.signer.rawValue)
    }
    func verify(_ c: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool {
        c.proof == Self.tag(CounterCertificate.signedBytes(message: message, instance: instance, value: c.value, previous: nil), 0xFFFF)
    }
    func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult {
        let bad = shares.filter { !verify($0, message: message, instance: instance) }.map(\.signer)
        guard bad.isEmpty, let v = shares.first?.value, Set(shares.map(\.signer)).count >= threshold else { return .invalidShares(bad) }
        return .combined(QuorumCertificate(value: v, proof: Self.tag(
            CounterCertificate.signedBytes(message: message, instance: instance, value: v, previous: nil), 0xFFFF)))
    }
    func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> {
        .success(Self.tag(message.bytes, 0xFFFE))
    }
    func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool { proof == Self.tag(message.bytes, 0xFFFE) }
}

struct TestSigner: ReplicaSigner {
    let me: ReplicaID
    func sign(_ message: [UInt8]) -> [UInt8] { TestScheme.tag(message, me.rawValue) }
}
struct TestExec: ExecutionSigner {
    let me: ReplicaID
    func signShare(_ message: Digest) -> [UInt8] { [] }
}
struct AcceptAll: SignatureVerifier {
    var signatureSize: Int { 34 }
    func verify(_ signature: [UInt8], of message: [UInt8], by signer: ReplicaID) -> Bool {
        signature == TestScheme.tag(message, signer.rawValue)
    }
}

