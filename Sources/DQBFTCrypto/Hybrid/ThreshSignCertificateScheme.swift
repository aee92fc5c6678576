import BLS12381
import DQBFTCore

/// The public operations on ThreshSign counter certificates and π execution
/// proofs, as the core's `CertificateScheme` (Linear Hybster, Destiny).
///
/// Formats: an independent certificate's proof is the signer's 96-byte compressed
/// BLS share; a continuing certificate's proof is the 32-byte subsystem MAC; a
/// quorum certificate's proof is the 96-byte combined signature, which verifies
/// under the group key over the same bytes as each share (`HybridLayout`).
///
/// Guarantees: pure and thread-safe. `verify` accepts an independent certificate
/// only if the named signer's share key signed it, a quorum certificate only if it
/// is the group signature (so `threshold` = f+1 subsystems certified that value for
/// that message and instance). `combine` aggregates optimistically — Lagrange
/// combination and one verification; only when that fails are shares checked one
/// by one — and returns a certificate only if it verified; otherwise
/// `.invalidShares` names every malformed share, every share of another value or
/// kind, and every share that fails on its own (empty when there were simply fewer
/// than `threshold` distinct signers). Any share at fault means no certificate,
/// so the caller always learns who to exclude.
///
/// Continuing certificates are MACs under the cluster's shared continuing key, so
/// checking one needs a trusted subsystem of the cluster (`continuingVerifier`; in
/// a TEE deployment that check runs inside the enclave and the key never leaves
/// it). Without one (e.g. a client) continuing certificates are rejected. The MAC
/// names the subsystem that made it (`TrustedEncoding.continuing`), so a replica's
/// continuing certificate verifies only as its own.
public struct ThreshSignCertificateScheme: CertificateScheme {
    /// σ/τ: the counter-signing key set held by the trusted subsystems.
    public let counterKeys: BLS12381.ThresholdPublicKeySet
    /// π: the execution key set, outside the trusted subsystems.
    public let execution: ThresholdExecutionVerifier
    /// Checks continuing-certificate MACs; nil rejects them all.
    public let continuingVerifier: (any TrustedSubsystem)?

    public init(counterKeys: BLS12381.ThresholdPublicKeySet, executionKeys: BLS12381.ThresholdPublicKeySet,
                continuingVerifier: (any TrustedSubsystem)?) {
        precondition(counterKeys.participants == executionKeys.participants, "σ and π must have the same n")
        precondition(2 * counterKeys.threshold > counterKeys.participants, "σ's threshold must be a quorum (⌊n/2⌋+1)")
        self.counterKeys = counterKeys
        self.execution = ThresholdExecutionVerifier(keys: executionKeys)
        self.continuingVerifier = continuingVerifier
    }

    public var threshold: Int { counterKeys.threshold }

    public func verify(_ certificate: CounterCertificate, message: Digest, instance: InstanceID) -> Bool {
        guard certificate.signer.index < counterKeys.participants else { return false }
        guard certificate.previous == nil else {
            return HybridLayout.verifyContinuing(certificate, counter: HybridLayout.threshSignCounter(instance),
                                                 message: message, verifier: continuingVerifier)
        }
        guard certificate.proof.count == HybridLayout.signatureLength,
              let bytes = HybridLayout.independentBytes(message, instance: instance, value: certificate.value),
              let signature = try? BLS12381.Signature(compressed: certificate.proof) else { return false }
        let share = BLS12381.SignatureShare(index: HybridLayout.shareIndex(certificate.signer), signature: signature)
        return counterKeys.verifyShare(share, message: bytes)
    }

    public func verify(_ certificate: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool {
        guard let bytes = HybridLayout.independentBytes(message, instance: instance, value: certificate.value) else { return false }
        return ThresholdShares.verifyGroup(certificate.proof, keys: counterKeys, message: bytes)
    }

    public func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult {
        guard let value = shares.first?.value,
              let bytes = HybridLayout.independentBytes(message, instance: instance, value: value)
        else { return .invalidShares(shares.map(\.signer)) }
        // A share of another value, or a continuing certificate, cannot be part of
        // this certificate: mark it malformed (an empty proof fails decoding).
        let pairs = shares.map { s in (s.signer, s.value == value && s.previous == nil ? s.proof : []) }
        switch ThresholdShares.combine(pairs, keys: counterKeys, message: bytes) {
        case .success(let signature): return .combined(QuorumCertificate(value: value, proof: signature.compressed))
        case .failure(let invalid): return .invalidShares(invalid.signers)
        }
    }

    public func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> {
        execution.combine(shares, message: message)
    }

    public func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool {
        execution.verify(proof, message: message)
    }
}
