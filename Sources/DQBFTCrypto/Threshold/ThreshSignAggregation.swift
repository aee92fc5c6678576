import BLS12381

/// An aggregated independent counter signature: t subsystems certified
/// `newValue` (from `previousValue`) of `counter` for one message.
///
/// Guarantees: none by construction — check it with `ThreshSignVerifier.verify`.
/// A signature that verifies was produced from t valid shares (threshold BLS).
public struct IndependentCounterSignature: Hashable, Sendable {
    public let counter: TrustedCounter
    public let previousValue: UInt64
    public let newValue: UInt64
    public let signature: BLS12381.Signature
    public init(counter: TrustedCounter, previousValue: UInt64, newValue: UInt64, signature: BLS12381.Signature) {
        self.counter = counter
        self.previousValue = previousValue
        self.newValue = newValue
        self.signature = signature
    }
}

/// Errors of aggregation outside the trusted subsystem.
///
/// Guarantees: `invalidShares` names exactly the signer indices whose shares failed verification.
public enum ThreshSignAggregationError: Error, Equatable, Sendable {
    /// The shares do not all certify the same counter, previous value and new value.
    case mismatchedShares
    /// Fewer than t distinct signers, or an index unknown to the key set.
    case threshold(BLS12381.ThresholdError)
    /// Some shares were invalid and fewer than t valid ones remained.
    case invalidShares(culprits: [UInt32])
}

/// The untrusted half of ThreshSign: "Aggregate Signature Shares" and "Verify Signature".
///
/// Guarantees: only public keys are involved; `aggregate` returns a signature only
/// if it verifies under the group key (optimistic: one verification on the fast
/// path, share-by-share verification only when that fails), together with the
/// indices of any invalid shares it had to drop.
public struct ThreshSignVerifier: Sendable {
    public let keySet: BLS12381.ThresholdPublicKeySet
    public init(keySet: BLS12381.ThresholdPublicKeySet) { self.keySet = keySet }

    /// Combines shares for `message` into one signature.
    public func aggregate(_ shares: [IndependentCounterShare], message: [UInt8])
        throws(ThreshSignAggregationError) -> (signature: IndependentCounterSignature, culprits: [UInt32]) {
        guard let first = shares.first else { throw .threshold(.notEnoughShares(needed: keySet.threshold, got: 0)) }
        guard shares.allSatisfy({ $0.counter == first.counter && $0.previousValue == first.previousValue && $0.newValue == first.newValue }) else {
            throw .mismatchedShares
        }
        let bytes = first.signedBytes(message: message)
        let outcome: BLS12381.ThresholdCombiner.Outcome
        do {
            outcome = try BLS12381.ThresholdCombiner(keySet: keySet).combineOptimistically(shares.map(\.share), message: bytes)
        } catch { throw .threshold(error) }
        func wrap(_ s: BLS12381.Signature) -> IndependentCounterSignature {
            IndependentCounterSignature(counter: first.counter, previousValue: first.previousValue, newValue: first.newValue, signature: s)
        }
        switch outcome {
        case .combined(let s): return (wrap(s), [])
        case .invalidShares(let culprits, let recovered?): return (wrap(recovered), culprits)
        case .invalidShares(let culprits, nil): throw .invalidShares(culprits: culprits)
        }
    }

    /// Whether `signature` shows that t subsystems certified its counter value for `message`.
    public func verify(_ signature: IndependentCounterSignature, message: [UInt8]) -> Bool {
        guard signature.newValue > signature.previousValue else { return false }
        let bytes = TrustedEncoding.independent(counter: signature.counter, newValue: signature.newValue,
                                                previousValue: signature.previousValue, message: message)
        return BLS12381.verify(publicKey: keySet.groupPublicKey, message: bytes, signature: signature.signature)
    }

    /// Checks a single share (e.g. to blame a replica before aggregation).
    public func verifyShare(_ share: IndependentCounterShare, message: [UInt8]) -> Bool {
        share.newValue > share.previousValue && keySet.verifyShare(share.share, message: share.signedBytes(message: message))
    }
}
