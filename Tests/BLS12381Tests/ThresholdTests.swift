import Testing
@testable import BLS12381

@Suite struct ThresholdTests {
    @Test func dealingIsDeterministicForASeed() throws {
        var g1 = BLS12381.SeededGenerator(seed: Array("seed".utf8))
        var g2 = BLS12381.SeededGenerator(seed: Array("seed".utf8))
        let (a, _) = try BLS12381.ThresholdDealer.deal(threshold: 2, participants: 3, using: &g1)
        let (b, _) = try BLS12381.ThresholdDealer.deal(threshold: 2, participants: 3, using: &g2)
        #expect(a == b)
        var g3 = BLS12381.SeededGenerator(seed: Array("other".utf8))
        let (c, _) = try BLS12381.ThresholdDealer.deal(threshold: 2, participants: 3, using: &g3)
        #expect(a.groupPublicKey != c.groupPublicKey)
        #expect(throws: BLS12381.ThresholdError.invalidParameters) {
            try BLS12381.ThresholdDealer.deal(threshold: 4, participants: 3, using: &g3)
        }
    }

    @Test func anyThresholdSubsetCombinesToTheGroupSignature() throws {
        var rng = BLS12381.SeededGenerator(seed: [1, 2, 3])
        let secret = try BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: 42, count: 32))
        let (keys, shares) = try BLS12381.ThresholdDealer.deal(threshold: 3, participants: 5, secret: secret, using: &rng)
        #expect(keys.groupPublicKey == secret.publicKey)
        let message = Array("block 17".utf8)
        let sigShares = shares.map { $0.sign(message) }
        for s in sigShares { #expect(keys.verifyShare(s, message: message)) }
        let combiner = BLS12381.ThresholdCombiner(keySet: keys)
        let expected = secret.sign(message)
        let a = try combiner.combine([sigShares[0], sigShares[2], sigShares[4]])
        let b = try combiner.combine([sigShares[3], sigShares[1], sigShares[0]])
        #expect(a == expected)
        #expect(b == expected)
        #expect(BLS12381.verify(publicKey: keys.groupPublicKey, message: message, signature: a))
        // Duplicates do not count twice.
        #expect(throws: BLS12381.ThresholdError.notEnoughShares(needed: 3, got: 2)) {
            try combiner.combine([sigShares[0], sigShares[0], sigShares[1]])
        }
        #expect(throws: BLS12381.ThresholdError.unknownIndex(9)) {
            try combiner.combine([BLS12381.SignatureShare(index: 9, signature: sigShares[0].signature)] + sigShares)
        }
    }

    @Test func optimisticAggregationFindsCulprits() throws {
        var rng = BLS12381.SeededGenerator(seed: [9])
        let (keys, shares) = try BLS12381.ThresholdDealer.deal(threshold: 2, participants: 4, using: &rng)
        let message = Array("m".utf8)
        let combiner = BLS12381.ThresholdCombiner(keySet: keys)
        let good = shares.map { $0.sign(message) }
        guard case .combined(let sig) = try combiner.combineOptimistically(Array(good.prefix(2)), message: message) else {
            Issue.record("expected success"); return
        }
        #expect(BLS12381.verify(publicKey: keys.groupPublicKey, message: message, signature: sig))
        // Share 2 signs the wrong message.
        let bad = BLS12381.SignatureShare(index: 2, signature: shares[1].secretKey.sign(Array("x".utf8)))
        let outcome = try combiner.combineOptimistically([good[0], bad, good[2]], message: message)
        guard case .invalidShares(let culprits, let recovered) = outcome else { Issue.record("expected failure"); return }
        #expect(culprits == [2])
        #expect(recovered == sig)
    }

    @Test func lagrangeCoefficientsInterpolateConstants() {
        // Σ λᵢ = 1 for any node set (interpolating the constant polynomial 1).
        let xs = [Fr(1), Fr(4), Fr(9), Fr(11)]
        let l = BLS12381.ThresholdCombiner.lagrangeAtZero(xs)
        #expect(l.reduce(Fr.zero, +) == .one)
    }
}

@Suite struct MultiScalarTests {
    @Test func msmMatchesNaiveSum() {
        var g = SplitMix64(seed: 31)
        let scalars = (0..<4).map { _ in Fr.random(using: &g) } + [Fr.zero, -Fr.one, Fr(16), Fr(17)]
        let points = scalars.indices.map { i in G1Point.generator.multipliedSecret(by: Fr(UInt64(i + 2))) }
        var expected = G1Point.identity
        for (p, k) in zip(points, scalars) { expected = expected + p.multipliedSecret(by: k) }
        #expect(G1Point.multiScalarMultiply(points, scalars) == expected)
        // Digits reconstruct the scalar.
        for k in scalars {
            var acc = Fr.zero
            for d in G1Point.signedRadix32Digits(k).reversed() {
                acc = acc * Fr(32) + (d >= 0 ? Fr(UInt64(d)) : -Fr(UInt64(-Int(d))))
            }
            #expect(acc == k)
        }
    }
}
