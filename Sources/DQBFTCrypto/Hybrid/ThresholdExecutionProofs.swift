import BLS12381
import DQBFTCore

/// Bytes an execution signature share covers: a domain tag and the 32 bytes of the
/// execution digest. The tag keeps π's signatures apart from every other BLS use.
enum ExecutionEncoding {
    static let tag = Array("DQBFT-EXECUTION-v1".utf8)
    static func bytes(_ message: Digest) -> [UInt8] { tag + message.bytes }
}

/// Signs execution results with replica `me`'s share of the threshold key π, which
/// lives outside the trusted subsystem (execution collectors need no trust).
///
/// Guarantees: a share is the 96-byte compressed BLS signature under `me`'s share
/// key over `ExecutionEncoding.bytes(message)`; only that key can make one that
/// `ThresholdExecutionVerifier` accepts from `me`.
public struct ThresholdExecutionSigner: ExecutionSigner {
    public let me: ReplicaID
    private let share: BLS12381.ThresholdKeyShare

    /// `share` must be replica `me`'s share of π (index `me + 1`).
    public init(me: ReplicaID, share: BLS12381.ThresholdKeyShare) {
        precondition(share.index == HybridLayout.shareIndex(me), "share \(share.index) is not replica \(me)'s")
        self.me = me
        self.share = share
    }

    public func signShare(_ message: Digest) -> [UInt8] {
        share.sign(ExecutionEncoding.bytes(message)).signature.compressed
    }
}

/// An execution signer for protocols without execution proofs (Hybster replies
/// to clients directly). Guarantees: every share is empty and verifies nowhere.
public struct UnsupportedExecutionSigner: ExecutionSigner {
    public let me: ReplicaID
    public init(me: ReplicaID) { self.me = me }
    public func signShare(_ message: Digest) -> [UInt8] { [] }
}

/// The public side of π: combines execution shares and checks execution proofs.
///
/// Guarantees: pure and thread-safe. `combine` returns a proof only if it verifies
/// under π's group key (optimistic: Lagrange combination and one verification;
/// shares are checked one by one only when that fails) and otherwise fails with
/// every signer whose share is malformed or does not verify (an empty list when
/// there were simply fewer than `threshold` distinct signers). A proof is the
/// 96-byte compressed group signature.
public struct ThresholdExecutionVerifier: Sendable {
    public let keys: BLS12381.ThresholdPublicKeySet
    public init(keys: BLS12381.ThresholdPublicKeySet) { self.keys = keys }

    public func combine(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> {
        let bytes = ExecutionEncoding.bytes(message)
        switch ThresholdShares.combine(shares, keys: keys, message: bytes) {
        case .success(let signature): return .success(signature.compressed)
        case .failure(let error): return .failure(error)
        }
    }

    public func verify(_ proof: [UInt8], message: Digest) -> Bool {
        ThresholdShares.verifyGroup(proof, keys: keys, message: ExecutionEncoding.bytes(message))
    }
}

/// Optimistic threshold combination shared by counter certificates and execution proofs.
enum ThresholdShares {
    /// Decodes `(signer, share)` pairs (first share of each signer wins), combines
    /// them optimistically and names culprits on failure.
    static func combine(_ shares: [(ReplicaID, [UInt8])], keys: BLS12381.ThresholdPublicKeySet,
                        message: [UInt8]) -> Result<BLS12381.Signature, InvalidShares> {
        var culprits = [ReplicaID]()
        var decoded = [BLS12381.SignatureShare]()
        var seen = Set<ReplicaID>()
        for (signer, bytes) in shares where seen.insert(signer).inserted {
            guard signer.index < keys.participants, bytes.count == HybridLayout.signatureLength,
                  let signature = try? BLS12381.Signature(compressed: bytes) else {
                culprits.append(signer)
                continue
            }
            decoded.append(BLS12381.SignatureShare(index: HybridLayout.shareIndex(signer), signature: signature))
        }
        if !culprits.isEmpty {
            // Some shares are malformed: name them and every other share that fails on its own.
            for s in decoded where !keys.verifyShare(s, message: message) { culprits.append(HybridLayout.replica(ofShare: s.index)) }
            return .failure(InvalidShares(culprits.sorted()))
        }
        guard decoded.count >= keys.threshold,
              let outcome = try? BLS12381.ThresholdCombiner(keySet: keys).combineOptimistically(decoded, message: message)
        else { return .failure(InvalidShares([])) }
        switch outcome {
        case .combined(let signature): return .success(signature)
        case .invalidShares(let indices, _): return .failure(InvalidShares(indices.map(HybridLayout.replica(ofShare:)).sorted()))
        }
    }

    /// Whether `proof` is a compressed signature under the group key over `message`.
    static func verifyGroup(_ proof: [UInt8], keys: BLS12381.ThresholdPublicKeySet, message: [UInt8]) -> Bool {
        guard proof.count == HybridLayout.signatureLength, let signature = try? BLS12381.Signature(compressed: proof) else { return false }
        return BLS12381.verify(publicKey: keys.groupPublicKey, message: message, signature: signature)
    }
}
