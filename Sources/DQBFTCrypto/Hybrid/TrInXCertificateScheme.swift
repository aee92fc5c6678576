import DQBFTCore

/// Verification and combination of TrInX counter certificates, as the core's
/// `CertificateScheme` (Hybster: MAC certificates, no threshold cryptography).
///
/// Formats: an independent certificate's proof is `previous u64 | MAC (32)` (see
/// `TrInXCounterCertifier`); a continuing certificate's proof is its 32-byte MAC.
/// A quorum certificate's proof lists exactly `threshold` independent certificates
/// for its value, sorted by strictly increasing signer:
/// `count u16 | (signer u16 | previous u64 | MAC (32))*` (big-endian).
///
/// Guarantees: thread-safe; `verify` accepts a certificate only if the trusted
/// subsystems' MAC covers it for the named signer's own counter of `instance`, and
/// a quorum certificate only if it holds `threshold` distinct signers of the cluster
/// whose certificates each verify for its value and message. `combine` checks every
/// share on its own (MACs are cheap, so there is no optimistic path) and returns a
/// certificate only if none is at fault; otherwise `.invalidShares` names each one
/// (empty when fewer than `threshold` distinct signers were given). There are no
/// execution proofs: `combineExecution` always fails and `verifyExecution` is false.
///
/// All MACs use keys shared by the cluster's subsystems, so verifying needs one of
/// them (`verifier`); in a TEE deployment the check runs inside the enclave.
public struct TrInXCertificateScheme: CertificateScheme {
    public let replicas: Int
    public let threshold: Int
    /// A subsystem of the cluster that checks TrInX and continuing MACs.
    public let verifier: any TrustedSubsystem
    static let entryLength = 2 + 8 + HybridLayout.macLength

    /// `threshold` is the cluster's quorum (⌊N/2⌋+1; f+1 when N = 2f+1).
    public init(replicas: Int, threshold: Int, verifier: any TrustedSubsystem) {
        precondition(2 * threshold > replicas && threshold <= replicas && replicas <= 1 << 16,
                     "hybrid quorum arithmetic: two quorums must intersect")
        self.replicas = replicas
        self.threshold = threshold
        self.verifier = verifier
    }

    public func verify(_ certificate: CounterCertificate, message: Digest, instance: InstanceID) -> Bool {
        guard certificate.signer.index < replicas else { return false }
        let counter = HybridLayout.trinxCounter(instance, signer: certificate.signer)
        if certificate.previous != nil {
            return HybridLayout.verifyContinuing(certificate, counter: counter, message: message, verifier: verifier)
        }
        guard certificate.proof.count == 8 + HybridLayout.macLength,
              let previous = HybridLayout.uint(certificate.proof, at: 0, width: 8) else { return false }
        let c = TrInXCertificate(issuer: HybridLayout.shareIndex(certificate.signer), counter: counter,
                                 previousValue: previous, newValue: certificate.value.rawValue,
                                 mac: Array(certificate.proof[8...]))
        return verifier.verifyTrInX(c, message: message.bytes)
    }

    public func verify(_ certificate: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool {
        let proof = certificate.proof
        guard let count = HybridLayout.uint(proof, at: 0, width: 2), Int(count) == threshold,
              proof.count == 2 + threshold * Self.entryLength else { return false }
        var last: UInt16?
        for i in 0..<threshold {
            let at = 2 + i * Self.entryLength
            let signer = UInt16(HybridLayout.uint(proof, at: at, width: 2)!)
            guard last.map({ signer > $0 }) ?? true else { return false }
            last = signer
            let share = CounterCertificate(signer: ReplicaID(signer), value: certificate.value, previous: nil,
                                           proof: Array(proof[(at + 2)..<(at + Self.entryLength)]))
            guard verify(share, message: message, instance: instance) else { return false }
        }
        return true
    }

    public func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult {
        guard let value = shares.first?.value else { return .invalidShares([]) }
        var culprits = [ReplicaID]()
        var valid = [CounterCertificate]()
        var seen = Set<ReplicaID>()
        for s in shares where seen.insert(s.signer).inserted {
            if s.value == value && s.previous == nil && verify(s, message: message, instance: instance) {
                valid.append(s)
            } else {
                culprits.append(s.signer)
            }
        }
        guard culprits.isEmpty else { return .invalidShares(culprits.sorted()) }
        guard valid.count >= threshold else { return .invalidShares([]) }
        var proof = [UInt8]()
        proof.reserveCapacity(2 + threshold * Self.entryLength)
        HybridLayout.append(UInt16(threshold), to: &proof)
        for s in valid.sorted(by: { $0.signer < $1.signer }).prefix(threshold) {
            HybridLayout.append(s.signer.rawValue, to: &proof)
            proof.append(contentsOf: s.proof)
        }
        return .combined(QuorumCertificate(value: value, proof: proof))
    }

    public func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> {
        .failure(InvalidShares([]))
    }

    public func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool { false }
}
