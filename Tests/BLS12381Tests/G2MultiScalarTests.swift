import Testing
@testable import BLS12381

/// The endomorphism-based G2 multi-scalar multiplication against naive sums.
@Suite struct G2MultiScalarTests {
    static let absX = Fr(BLSParameter.absX)

    static func naive(_ points: [G2Point], _ scalars: [Fr]) -> G2Point {
        var acc = G2Point.identity
        for (p, k) in zip(points, scalars) {
            let l = k.canonicalLimbs
            acc = acc + p.multipliedPublic(by: [l.0, l.1, l.2, l.3])
        }
        return acc
    }

    static func randomPoints(_ n: Int, seed: UInt64) -> [G2Point] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { i in
            let p = G2Point.generator.multipliedSecret(by: Fr.random(using: &g))
            return i % 2 == 0 ? p.normalized : p  // both affine and projective inputs
        }
    }

    static var edgeScalars: [Fr] {
        let x = absX, x2 = absX * absX, x3 = absX * absX * absX
        return [.zero, .one, -Fr.one, Fr(2), x, x - .one, x + .one, x2, x2 - .one, x2 + .one,
                x3, x3 - .one, x3 + .one, -x, -x3, Fr(UInt64.max)]
    }

    @Test func digitsReconstructTheScalar() {
        var g = SplitMix64(seed: 41)
        for k in Self.edgeScalars + (0..<30).map({ _ in Fr.random(using: &g) }) {
            let d = G2MultiScalarMultiplication.baseAbsXDigits(k)
            #expect(d.count == 4)
            #expect(d.allSatisfy { $0 < BLSParameter.absX })
            let x = Self.absX
            #expect(Fr(d[0]) + x * (Fr(d[1]) + x * (Fr(d[2]) + x * Fr(d[3]))) == k)
            for c in 2...8 {
                for v in d {
                    let w = G2MultiScalarMultiplication.signedWindows(v, windowBits: c)
                    var acc = 0 as UInt64
                    for digit in w.reversed() {
                        #expect(abs(digit) <= 1 << (c - 1))
                        acc = (acc << UInt64(c)) &+ UInt64(bitPattern: Int64(digit))
                    }
                    #expect(acc == v)
                }
            }
        }
    }

    @Test func minusPsiIsMultiplicationByAbsX() {
        let p = Self.randomPoints(1, seed: 42)[0].normalized
        let q = G2MultiScalarMultiplication.minusPsi(.init(x: p.x, y: p.y))
        #expect(G2Point(affineX: q.x, affineY: q.y) == p.multipliedByAbsX())
    }

    @Test func matchesNaiveSumOnRandomInputs() {
        var g = SplitMix64(seed: 43)
        for n in [1, 2, 5, 17] {
            let points = Self.randomPoints(n, seed: UInt64(n))
            let scalars = (0..<n).map { _ in Fr.random(using: &g) }
            let expected = Self.naive(points, scalars)
            #expect(G2MultiScalarMultiplication.multiply(points, scalars) == expected)
            for c in [2, 3, 6, 8] {
                #expect(G2MultiScalarMultiplication.multiply(points, scalars, windowBits: c) == expected)
            }
        }
    }

    @Test func matchesNaiveSumOnEdgeScalars() {
        let scalars = Self.edgeScalars
        let points = Self.randomPoints(scalars.count, seed: 44)
        let expected = Self.naive(points, scalars)
        #expect(G2MultiScalarMultiplication.multiply(points, scalars) == expected)
        #expect(G2MultiScalarMultiplication.multiply(points, scalars, windowBits: 4) == expected)
        // Each edge scalar alone.
        for (p, k) in zip(points, scalars) {
            #expect(G2MultiScalarMultiplication.multiply([p], [k]) == Self.naive([p], [k]))
        }
    }

    @Test func equalOppositeAndIdentityPointsInOneBucket() {
        let p = Self.randomPoints(1, seed: 45)[0]
        let k = Fr(0x1234_5678_9abc_def1)
        // Equal points force doublings, opposite points cancel, identities are skipped.
        let points = [p, p, p, -p, .identity, p.doubled(), -(p.doubled()), p]
        let scalars = [k, k, k, k, k, k, k, Fr(3)]
        let expected = Self.naive(points, scalars)
        #expect(expected == p.multipliedPublic(by: [0x1234_5678_9abc_def1 * 2 + 3]))
        for c in [2, 3, 5] {
            #expect(G2MultiScalarMultiplication.multiply(points, scalars, windowBits: c) == expected)
        }
        // Everything cancels.
        #expect(G2MultiScalarMultiplication.multiply([p, -p], [k, k]).isIdentity)
        #expect(G2MultiScalarMultiplication.multiply([], []).isIdentity)
        #expect(G2MultiScalarMultiplication.multiply([p], [.zero]).isIdentity)
    }

    @Test func fortyNineSharesMatchNaive() {
        var g = SplitMix64(seed: 46)
        let points = Self.randomPoints(49, seed: 47)
        let scalars = (0..<49).map { _ in Fr.random(using: &g) }
        #expect(G2MultiScalarMultiplication.multiply(points, scalars) == Self.naive(points, scalars))
    }
}
