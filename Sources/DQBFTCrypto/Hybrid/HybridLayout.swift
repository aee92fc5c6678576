import BLS12381
import DQBFTCore

/// How the hybrid providers lay the core's identifiers onto the trusted subsystem
/// and what bytes their proofs cover. Certifiers and schemes both use it, so the
/// two sides of every certificate agree.
///
/// - ThreshSign: every replica uses the same subsystem counter for a core instance
///   (subsystem instance = `InstanceID.rawValue`, counter 0), so that shares of
///   different replicas sign identical bytes and combine.
/// - TrInX: the signer's index is also part of the subsystem instance id
///   (`signer << 16 | InstanceID.rawValue`, counter 0).
/// - Every MAC certificate (continuing, TrInX) names its issuer, the share index
///   of the subsystem that made it (`TrustedEncoding`), and is verified against
///   the share index of the replica it claims as signer, so no replica can pass
///   another's certificate off as its own (a view change relabelled that way
///   could hide a slot a quorum committed).
/// - The subsystem is handed the 32 digest bytes as its message; its
///   `TrustedEncoding` adds the domain tag, the counter and the values.
enum HybridLayout {
    static let signatureLength = 96
    static let macLength = 32

    static func threshSignCounter(_ instance: InstanceID) -> TrustedCounter {
        TrustedCounter(instance: UInt32(instance.rawValue), counter: 0)
    }

    static func trinxCounter(_ instance: InstanceID, signer: ReplicaID) -> TrustedCounter {
        TrustedCounter(instance: UInt32(signer.rawValue) << 16 | UInt32(instance.rawValue), counter: 0)
    }

    /// The core instances a cluster of `replicas` uses: one D-instance per replica
    /// and the main (single-primary / O-) instance.
    static func coreInstances(replicas: Int) -> [InstanceID] {
        (0..<replicas).map { InstanceID(rawValue: UInt16($0)) } + [.main]
    }

    /// Share index (1…n) of a replica in a threshold sharing, and back.
    static func shareIndex(_ replica: ReplicaID) -> UInt32 { UInt32(replica.rawValue) + 1 }
    static func replica(ofShare index: UInt32) -> ReplicaID { ReplicaID(UInt16(truncatingIfNeeded: index &- 1)) }

    /// The message a ThreshSign certifier certifies when it first moves a counter to
    /// `value − 1`. Its length differs from a digest's, so the (length-prefixed)
    /// encoding of this continuing certificate never equals one over a digest.
    static let alignmentMessage = Array("DQBFT-HYBRID-ALIGN-v1".utf8)

    /// Bytes an independent ThreshSign share (and the combined signature) signs for
    /// `value`: the subsystem's independent encoding with previous value `value − 1`
    /// (the certifier aligns the counter there first). Nil for value 0.
    static func independentBytes(_ message: Digest, instance: InstanceID, value: CounterValue) -> [UInt8]? {
        guard value.rawValue > 0 else { return nil }
        return TrustedEncoding.independent(counter: threshSignCounter(instance), newValue: value.rawValue,
                                           previousValue: value.rawValue - 1, message: message.bytes)
    }

    /// Whether `certificate` is a continuing certificate of the subsystem counter
    /// `counter` for `message`. The MAC is checked by `verifier` (a subsystem of the
    /// cluster: in a TEE deployment the shared key stays in the enclave).
    static func verifyContinuing(_ certificate: CounterCertificate, counter: TrustedCounter, message: Digest,
                                 verifier: (any TrustedSubsystem)?) -> Bool {
        guard let verifier, let previous = certificate.previous, certificate.value >= previous,
              certificate.proof.count == macLength else { return false }
        let c = ContinuingCounterCertificate(issuer: shareIndex(certificate.signer), counter: counter, fromValue: previous.rawValue,
                                             toValue: certificate.value.rawValue, mac: certificate.proof)
        return verifier.verifyContinuing(c, message: message.bytes)
    }

    static func append(_ v: UInt16, to out: inout [UInt8]) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    static func append(_ v: UInt64, to out: inout [UInt8]) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }

    /// Reads a big-endian unsigned integer of `width` bytes at `offset`, or nil past the end.
    static func uint(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width <= bytes.count - offset else { return nil }
        return bytes[offset..<offset + width].reduce(0) { ($0 << 8) | UInt64($1) }
    }
}
