import Testing
@testable import BLS12381

extension Fp12 {
    /// self^k for a public scalar (square-and-multiply; test helper).
    func power(_ k: Fr) -> Fp12 {
        let l = k.canonicalLimbs
        var acc = Fp12.one
        for w in [l.3, l.2, l.1, l.0] {
            for bit in stride(from: 63, through: 0, by: -1) {
                acc = acc.squared()
                if (w >> UInt64(bit)) & 1 == 1 { acc = acc * self }
            }
        }
        return acc
    }
}

@Suite struct PairingTests {
    @Test func millerStepsMatchGroupLaw() {
        var g = SplitMix64(seed: 9)
        let q = G2Point.generator.multipliedSecret(by: .random(using: &g))
        let qa = q.affine!
        var t = G2Point.generator.multipliedSecret(by: .random(using: &g))
        let t0 = t
        _ = Pairing.doublingStep(&t, px: .one, py: .one)
        #expect(t == t0.doubled())
        let t1 = t
        _ = Pairing.additionStep(&t, qx: qa.x, qy: qa.y, px: .one, py: .one)
        #expect(t == t1 + q)
    }

    @Test func bilinearityAndNonDegeneracy() {
        var g = SplitMix64(seed: 10)
        let a = Fr.random(using: &g), b = Fr.random(using: &g)
        let p = G1Point.generator, q = G2Point.generator
        let e = Pairing.pairing(p, q)
        #expect(!e.isOne)
        #expect(e.power(Fr(bigEndian: hex("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000"))!) * e == .one)
        let eab = Pairing.pairing(p.multipliedSecret(by: a), q.multipliedSecret(by: b))
        #expect(eab == e.power(a * b))
        let e2 = Pairing.pairing(p.multipliedSecret(by: a * b), q)
        #expect(eab == e2)
        // Multi-pairing: e(aP, Q) · e(−P, aQ) = 1.
        let m = Pairing.multiPairing([(p.multipliedSecret(by: a), q), (-p, q.multipliedSecret(by: a))])
        #expect(m.isOne)
        #expect(Pairing.multiPairing([(p, q), (.identity, q)]) == e)
    }
}
