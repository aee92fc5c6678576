import Testing
@testable import BLS12381

@Suite struct FieldTests {
    @Test func fpBasics() {
        #expect(Fp(2) * Fp(3) == Fp(6))
        #expect(Fp(7) - Fp(9) == -Fp(2))
        #expect(-Fp.zero == Fp.zero)
        #expect(Fp(5) + (-Fp(5)) == .zero)
        var g = SplitMix64(seed: 1)
        for _ in 0..<20 {
            let a = Fp.random(using: &g), b = Fp.random(using: &g)
            #expect((a + b) - b == a)
            #expect(a * b == b * a)
            #expect(a * a.inverse() == .one)
            #expect(a.squared() == a * a)
            let s = a.squared().squareRoot()
            #expect(s == a || s == -a)
            #expect(Fp(bigEndian: a.bigEndianBytes) == a)
        }
        #expect(Fp.zero.inverse() == .zero)
    }

    @Test func fpEncodingRejectsOutOfRange() {
        let p = hex("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")
        #expect(Fp(bigEndian: p) == nil)
        var pm1 = p
        pm1[47] -= 1
        #expect(Fp(bigEndian: pm1) == -Fp.one)
        #expect(Fp(bigEndian: [UInt8](repeating: 0xff, count: 48)) == nil)
        #expect(Fp(bigEndian: [UInt8](repeating: 0, count: 47)) == nil)
    }

    @Test func fpLegendre() {
        // -1 is a non-residue since p ≡ 3 (mod 4).
        #expect((-Fp.one).legendre == -1)
        #expect(Fp(4).legendre == 1)
        #expect(Fp.zero.legendre == 0)
        #expect((-Fp.one).squareRoot() == nil)
    }

    @Test func frReduction() {
        // 2^512 - 1 mod r, computed independently.
        let all = [UInt8](repeating: 0xff, count: 64)
        #expect(hex(Fr(reducingBigEndian: all).bigEndianBytes) == "0748d9d99f59ff1105d314967254398f2b6cedcb87925c23c999e990f3f29c6c")
        var g = SplitMix64(seed: 2)
        for _ in 0..<10 {
            let a = Fr.random(using: &g)
            #expect(a * a.inverse() == .one)
            #expect(Fr(bigEndian: a.bigEndianBytes) == a)
        }
        let r = hex("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001")
        #expect(Fr(bigEndian: r) == nil)
        #expect(Fr(reducingBigEndian: r) == .zero)
    }

    @Test func fp2Arithmetic() {
        var g = SplitMix64(seed: 3)
        let u = Fp2(.zero, .one)
        #expect(u * u == -Fp2.one)
        for _ in 0..<10 {
            let a = Fp2.random(using: &g), b = Fp2.random(using: &g)
            #expect(a.squared() == a * a)
            #expect(a * a.inverse() == .one)
            #expect(a.mulByNonresidue() == a * Fp2(.one, .one))
            #expect((a * b).conjugate() == a.conjugate() * b.conjugate())
            let s = a.squared().squareRoot()
            #expect(s != nil && s!.squared() == a.squared())
            #expect(a.isSquare == (a.squareRoot() != nil))
        }
        #expect(Fp2(Fp(4), .zero).squareRoot()!.squared() == Fp2(Fp(4), .zero))
        #expect(Fp2(-Fp(4), .zero).squareRoot()!.squared() == Fp2(-Fp(4), .zero))
    }

    @Test func fp6AndFp12Arithmetic() {
        var g = SplitMix64(seed: 4)
        let a = Fp6.random(using: &g), b = Fp6.random(using: &g), c = Fp6.random(using: &g)
        #expect((a * b) * c == a * (b * c))
        #expect(a.squared() == a * a)
        #expect(a * a.inverse() == .one)
        let b0 = Fp2.random(using: &g), b1 = Fp2.random(using: &g)
        #expect(a.mulBy01(b0, b1) == a * Fp6(b0, b1, .zero))
        #expect(a.mulBy1(b1) == a * Fp6(.zero, b1, .zero))
        #expect(a.mulByNonresidue() == a * Fp6(.zero, .one, .zero))

        let f = Fp12.random(using: &g), h = Fp12.random(using: &g)
        #expect(f.squared() == f * f)
        #expect(f * f.inverse() == .one)
        #expect((f * h).frobenius(1) == f.frobenius(1) * h.frobenius(1))
        #expect(f.frobenius(1).frobenius(1) == f.frobenius(2))
        #expect(f.frobenius(2).frobenius(1) == f.frobenius(3))
        #expect(f.frobenius(3).frobenius(3) == f.conjugate())
        let l0 = Fp2.random(using: &g), l1 = Fp2.random(using: &g), l4 = Fp2.random(using: &g)
        #expect(f.mulBy014(l0, l1, l4) == f * Fp12(Fp6(l0, l1, .zero), Fp6(.zero, l4, .zero)))
        // Map into the cyclotomic subgroup: f^((p^6 - 1)(p^2 + 1)).
        let t = f.conjugate() * f.inverse()
        let cyc = t.frobenius(2) * t
        #expect(cyc.cyclotomicSquared() == cyc.squared())
    }
}
