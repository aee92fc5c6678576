extension BLS12381 {
    /// Errors from threshold dealing and combination.
    ///
    /// Guarantees: every rejected input maps to one case; nothing traps on bad public input.
    public enum ThresholdError: Error, Equatable, Sendable {
        /// Threshold must satisfy 1 ≤ t ≤ n, and n must fit the index space.
        case invalidParameters
        /// Fewer than t shares with distinct indices were supplied.
        case notEnoughShares(needed: Int, got: Int)
        /// A share index is 0, out of range, or unknown to the key set.
        case unknownIndex(UInt32)
    }

    /// One participant's secret share of a t-of-n key: the Shamir share f(index).
    ///
    /// Guarantees: `index` is in 1…n and `publicKey` equals f(index)·G1; signing
    /// is constant-time in the share.
    public struct ThresholdKeyShare: Sendable {
        public let index: UInt32
        public let secretKey: SecretKey
        public var publicKey: PublicKey { secretKey.publicKey }

        /// Restores a share (e.g. from storage); `index` must be non-zero.
        public init(index: UInt32, secretKey: SecretKey) throws(ThresholdError) {
            guard index >= 1 else { throw .unknownIndex(index) }
            self.index = index
            self.secretKey = secretKey
        }

        init(validIndex: UInt32, secretKey: SecretKey) {
            self.index = validIndex
            self.secretKey = secretKey
        }

        /// A signature share: an ordinary BLS signature under the share key.
        public func sign(_ message: [UInt8]) -> SignatureShare {
            SignatureShare(index: index, signature: secretKey.sign(message))
        }
    }

    /// A signature share tagged with its signer's index.
    ///
    /// Guarantees: the signature decoded to a subgroup point; whether it is a
    /// valid share is only known after `ThresholdPublicKeySet.verifyShare`.
    public struct SignatureShare: Sendable, Hashable {
        public let index: UInt32
        public let signature: Signature
        public init(index: UInt32, signature: Signature) {
            self.index = index
            self.signature = signature
        }

        /// Decodes a share from its index and the 96-byte compressed signature.
        public init(index: UInt32, compressed: [UInt8]) throws {
            self.init(index: index, signature: try Signature(compressed: compressed))
        }
    }

    /// The public side of a t-of-n sharing: the group key and every share's key.
    ///
    /// Guarantees: `sharePublicKeys[i-1]` is the key of index i; a signature
    /// combined from any t valid shares verifies under `groupPublicKey`.
    public struct ThresholdPublicKeySet: Sendable, Hashable {
        public let threshold: Int
        public let groupPublicKey: PublicKey
        public let sharePublicKeys: [PublicKey]

        public init(threshold: Int, groupPublicKey: PublicKey, sharePublicKeys: [PublicKey]) throws(ThresholdError) {
            guard threshold >= 1, threshold <= sharePublicKeys.count, sharePublicKeys.count < Int(UInt32.max) else {
                throw .invalidParameters
            }
            self.threshold = threshold
            self.groupPublicKey = groupPublicKey
            self.sharePublicKeys = sharePublicKeys
        }

        public var participants: Int { sharePublicKeys.count }

        public func publicKey(of index: UInt32) -> PublicKey? {
            guard index >= 1, Int(index) <= sharePublicKeys.count else { return nil }
            return sharePublicKeys[Int(index) - 1]
        }

        /// Checks one share against its signer's public key.
        public func verifyShare(_ share: SignatureShare, message: [UInt8]) -> Bool {
            guard let pk = publicKey(of: share.index) else { return false }
            return BLS12381.verify(publicKey: pk, message: message, signature: share.signature)
        }
    }

    /// Shamir dealer over Fr for t-of-n BLS keys.
    ///
    /// Guarantees: all randomness comes from the generator the caller passes in
    /// (no hidden global randomness); with `SeededGenerator` the output is fully
    /// reproducible. Shares are f(1), …, f(n) of a random degree-(t−1)
    /// polynomial with f(0) = the group secret.
    public enum ThresholdDealer {
        public static func deal<R: RandomNumberGenerator>(
            threshold: Int, participants: Int, secret: SecretKey? = nil, using rng: inout R
        ) throws(ThresholdError) -> (publicKeys: ThresholdPublicKeySet, shares: [ThresholdKeyShare]) {
            guard threshold >= 1, threshold <= participants, participants < Int(UInt32.max) else { throw .invalidParameters }
            var coefficients = [Fr]()
            var a0 = secret?.scalar ?? Fr.random(using: &rng)
            while a0.isZero { a0 = Fr.random(using: &rng) }
            coefficients.append(a0)
            for _ in 1..<threshold { coefficients.append(Fr.random(using: &rng)) }
            var shares = [ThresholdKeyShare]()
            shares.reserveCapacity(participants)
            for i in 1...participants {
                let x = Fr(UInt64(i))
                var y = Fr.zero
                for c in coefficients.reversed() { y = y * x + c }
                // f(i) = 0 happens with negligible probability; re-dealing would be the remedy.
                guard !y.isZero else { return try deal(threshold: threshold, participants: participants, secret: secret, using: &rng) }
                shares.append(ThresholdKeyShare(validIndex: UInt32(i), secretKey: SecretKey(scalar: y)))
            }
            let set = try ThresholdPublicKeySet(
                threshold: threshold, groupPublicKey: SecretKey(scalar: a0).publicKey,
                sharePublicKeys: shares.map(\.publicKey))
            return (set, shares)
        }
    }

    /// Combines signature shares into the group signature.
    ///
    /// Guarantees: `combine` interpolates at 0 in the exponent over exactly t
    /// shares with distinct indices; `combineOptimistically` returns a signature
    /// only if it verifies under the group key, and otherwise identifies every
    /// invalid share (by checking shares one by one only on that slow path).
    public struct ThresholdCombiner: Sendable {
        public let keySet: ThresholdPublicKeySet

        public init(keySet: ThresholdPublicKeySet) { self.keySet = keySet }

        /// Outcome of optimistic aggregation.
        ///
        /// Guarantees: `.combined` always holds a signature that verified under the
        /// group key; `.invalidShares` lists exactly the shares that failed verification.
        public enum Outcome: Sendable, Equatable {
            /// A signature that verified under the group key.
            case combined(Signature)
            /// The combination failed; these indices carried invalid shares. `recovered`
            /// is a valid signature built from the remaining valid shares, if at least t remain.
            case invalidShares(culprits: [UInt32], recovered: Signature?)
        }

        /// Lagrange-interpolates the first t shares with distinct, known indices.
        public func combine(_ shares: [SignatureShare]) throws(ThresholdError) -> Signature {
            var seen = Set<UInt32>()
            var chosen = [SignatureShare]()
            for s in shares where !seen.contains(s.index) {
                guard keySet.publicKey(of: s.index) != nil else { throw .unknownIndex(s.index) }
                seen.insert(s.index)
                chosen.append(s)
                if chosen.count == keySet.threshold { break }
            }
            guard chosen.count == keySet.threshold else {
                throw .notEnoughShares(needed: keySet.threshold, got: chosen.count)
            }
            let xs = chosen.map { Fr(UInt64($0.index)) }
            let lambdas = Self.lagrangeAtZero(xs)
            let point = G2MultiScalarMultiplication.multiply(chosen.map(\.signature.point), lambdas)
            return Signature(point: point)
        }

        /// λᵢ = ∏_{j≠i} xⱼ / (xⱼ − xᵢ) for distinct non-zero xᵢ.
        static func lagrangeAtZero(_ xs: [Fr]) -> [Fr] {
            var numerators = [Fr]()
            var denominators = [Fr]()
            for (i, xi) in xs.enumerated() {
                var num = Fr.one
                var den = Fr.one
                for (j, xj) in xs.enumerated() where j != i {
                    num = num * xj
                    den = den * (xj - xi)
                }
                numerators.append(num)
                denominators.append(den)
            }
            let inv = batchInverted(denominators)
            return zip(numerators, inv).map { $0 * $1 }
        }

        /// Combine t shares and verify once; only if that fails, verify each share,
        /// report the culprits, and retry with the valid ones.
        public func combineOptimistically(_ shares: [SignatureShare], message: [UInt8]) throws(ThresholdError) -> Outcome {
            let first = try combine(shares)
            if BLS12381.verify(publicKey: keySet.groupPublicKey, message: message, signature: first) {
                return .combined(first)
            }
            var culprits = [UInt32]()
            var valid = [SignatureShare]()
            var seen = Set<UInt32>()
            for s in shares where !seen.contains(s.index) {
                seen.insert(s.index)
                if keySet.verifyShare(s, message: message) { valid.append(s) } else { culprits.append(s.index) }
            }
            var recovered: Signature?
            if valid.count >= keySet.threshold, let sig = try? combine(valid) { recovered = sig }
            return .invalidShares(culprits: culprits, recovered: recovered)
        }
    }
}
