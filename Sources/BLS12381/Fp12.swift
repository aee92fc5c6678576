/// An element `c0 + c1·w` of GF(p¹²) = GF(p⁶)[w]/(w² − v), the target field of
/// the pairing.
///
/// Guarantees: coefficient-wise canonical representation; value-independent,
/// allocation-free arithmetic. The cyclotomic operations are only meaningful
/// for elements of the cyclotomic subgroup (after the easy part of the final
/// exponentiation) and are documented as such.
struct Fp12: Sendable, Equatable {
    var c0: Fp6
    var c1: Fp6

    @inline(__always)
    init(_ c0: Fp6, _ c1: Fp6) { self.c0 = c0; self.c1 = c1 }

    static let one = Fp12(.one, .zero)

    static func + (a: Fp12, b: Fp12) -> Fp12 { Fp12(a.c0 + b.c0, a.c1 + b.c1) }
    static func - (a: Fp12, b: Fp12) -> Fp12 { Fp12(a.c0 - b.c0, a.c1 - b.c1) }

    static func * (a: Fp12, b: Fp12) -> Fp12 {
        let t0 = a.c0 * b.c0
        let t1 = a.c1 * b.c1
        let r1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1
        return Fp12(t0 + t1.mulByNonresidue(), r1)
    }

    /// Complex-method squaring (two GF(p⁶) multiplications).
    func squared() -> Fp12 {
        let t = c0 * c1
        let r0 = (c0 + c1) * (c0 + c1.mulByNonresidue()) - t - t.mulByNonresidue()
        return Fp12(r0, t + t)
    }

    /// Conjugation over GF(p⁶) (= the p⁶-power Frobenius; the inverse on the cyclotomic subgroup).
    func conjugate() -> Fp12 { Fp12(c0, -c1) }

    func inverse() -> Fp12 {
        let d = (c0.squared() - c1.squared().mulByNonresidue()).inverse()
        return Fp12(c0 * d, -(c1 * d))
    }

    var isOne: Bool { self == Fp12.one }

    static func == (a: Fp12, b: Fp12) -> Bool { a.c0 == b.c0 && a.c1 == b.c1 }
    static func != (a: Fp12, b: Fp12) -> Bool { !(a == b) }

    /// Product with the sparse line value `l0 + l1·v + l4·v·w` (coefficients 0, 1 and 4
    /// of the GF(p²) basis 1, v, v², w, vw, v²w).
    func mulBy014(_ l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
        let a = c0.mulBy01(l0, l1)
        let b = c1.mulBy1(l4)
        let s = (c0 + c1).mulBy01(l0, l1 + l4)
        return Fp12(a + b.mulByNonresidue(), s - a - b)
    }

    /// The p^n-power Frobenius map for n in 1...3.
    func frobenius(_ n: Int) -> Fp12 {
        let g = FrobeniusConstants.gamma[n - 1]
        let odd = n & 1 == 1
        @inline(__always) func f(_ x: Fp2) -> Fp2 { odd ? x.conjugate() : x }
        return Fp12(
            Fp6(f(c0.c0), f(c0.c1) * g.1, f(c0.c2) * g.3),
            Fp6(f(c1.c0) * g.0, f(c1.c1) * g.2, f(c1.c2) * g.4))
    }

    /// Granger–Scott squaring, valid only in the cyclotomic subgroup.
    /// GF(p¹²) is viewed as GF(p⁴)[t]/(t³ − s) with GF(p⁴) = GF(p²)[s]/(s² − ξ).
    func cyclotomicSquared() -> Fp12 {
        @inline(__always) func fp4Square(_ x: Fp2, _ y: Fp2) -> (Fp2, Fp2) {
            let xx = x.squared()
            let yy = y.squared()
            return (xx + yy.mulByNonresidue(), (x + y).squared() - xx - yy)
        }
        // z0 = c0.c0 + c1.c1 s, z1 = c1.c0 + c0.c2 s, z2 = c0.c1 + c1.c2 s
        let (ax, ay) = fp4Square(c0.c0, c1.c1)
        let (bx, by) = fp4Square(c1.c0, c0.c2)
        let (cx, cy) = fp4Square(c0.c1, c1.c2)
        @inline(__always) func triple(_ v: Fp2) -> Fp2 { v + v + v }
        @inline(__always) func twice(_ v: Fp2) -> Fp2 { v + v }
        // z0' = 3A − 2 conj(z0)
        let n00 = triple(ax) - twice(c0.c0)
        let n11 = triple(ay) + twice(c1.c1)
        // z1' = 3 s C + 2 conj(z1)
        let n10 = triple(cy.mulByNonresidue()) + twice(c1.c0)
        let n02 = triple(cx) - twice(c0.c2)
        // z2' = 3B − 2 conj(z2)
        let n01 = triple(bx) - twice(c0.c1)
        let n12 = triple(by) + twice(c1.c2)
        return Fp12(Fp6(n00, n01, n02), Fp6(n10, n11, n12))
    }

    /// `self^x` for the (negative) BLS parameter x = −0xd201000000010000,
    /// valid only in the cyclotomic subgroup.
    func cyclotomicPowerByX() -> Fp12 {
        // |x| has bits 63, 62, 60, 57, 48 and 16 set.
        var acc = self
        for bit in stride(from: 62, through: 0, by: -1) {
            acc = acc.cyclotomicSquared()
            if (BLSParameter.absX >> UInt64(bit)) & 1 == 1 { acc = acc * self }
        }
        return acc.conjugate()
    }
}

/// The BLS12-381 curve parameter x = −0xd201000000010000.
enum BLSParameter {
    static let absX: UInt64 = 0xd201000000010000
}

/// Precomputed Frobenius coefficients γ[n−1].(k−1) = ξ^(k(pⁿ−1)/6) for n = 1…3, k = 1…5.
enum FrobeniusConstants {
    static let gamma: [(Fp2, Fp2, Fp2, Fp2, Fp2)] = [
        (
            Fp2(Fp(0x07089552b319d465, 0xc6695f92b50a8313, 0x97e83cccd117228f, 0xa35baecab2dc29ee, 0x1ce393ea5daace4d, 0x08f2220fb0fb66eb), Fp(0xb2f66aad4ce5d646, 0x5842a06bfc497cec, 0xcf4895d42599d394, 0xc11b9cba40a8e8d0, 0x2e3813cbe5a0de89, 0x110eefda88847faf)),
            Fp2(Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000), Fp(0xcd03c9e48671f071, 0x5dab22461fcda5d2, 0x587042afd3851b95, 0x8eb60ebe01bacb9e, 0x03f97d6e83d050d2, 0x18f0206554638741)),
            Fp2(Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2), Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2)),
            Fp2(Fp(0x890dc9e4867545c3, 0x2af322533285a5d5, 0x50880866309b7e2c, 0xa20d1b8c7e881024, 0x14e4f04fe2db9068, 0x14e56d3f1564853a), Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)),
            Fp2(Fp(0x82d83cf50dbce43f, 0xa2813e53df9d018f, 0xc6f0caa53c65e181, 0x7525cf528d50fe95, 0x4a85ed50f4798a6b, 0x171da0fd6cf8eebd), Fp(0x3726c30af242c66c, 0x7c2ac1aad1b6fe70, 0xa04007fbba4b14a2, 0xef517c3266341429, 0x0095ba654ed2226b, 0x02e370eccc86f7dd))
        ),
        (
            Fp2(Fp(0xecfb361b798dba3a, 0xc100ddb891865a2c, 0x0ec08ff1232bda8e, 0xd5c13cc6f1ca4721, 0x47222a47bf7b5c04, 0x0110f184e51c5f59), .zero),
            Fp2(Fp(0x30f1361b798a64e8, 0xf3b8ddab7ece5a2a, 0x16a8ca3ac61577f7, 0xc26a2ff874fd029b, 0x3636b76660701c6e, 0x051ba4ab241b6160), .zero),
            Fp2(Fp(0x43f5fffffffcaaae, 0x32b7fff2ed47fffd, 0x07e83a49a2e99d69, 0xeca8f3318332bb7a, 0xef148d1ea0f4c069, 0x040ab3263eff0206), .zero),
            Fp2(Fp(0xcd03c9e48671f071, 0x5dab22461fcda5d2, 0x587042afd3851b95, 0x8eb60ebe01bacb9e, 0x03f97d6e83d050d2, 0x18f0206554638741), .zero),
            Fp2(Fp(0x890dc9e4867545c3, 0x2af322533285a5d5, 0x50880866309b7e2c, 0xa20d1b8c7e881024, 0x14e4f04fe2db9068, 0x14e56d3f1564853a), .zero)
        ),
        (
            Fp2(Fp(0x3e2f585da55c9ad1, 0x4294213d86c18183, 0x382844c88b623732, 0x92ad2afd19103e18, 0x1d794e4fac7cf0b9, 0x0bd592fc7d825ec8), Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2)),
            Fp2(.zero, Fp(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba, 0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493)),
            Fp2(Fp(0x3e2f585da55c9ad1, 0x4294213d86c18183, 0x382844c88b623732, 0x92ad2afd19103e18, 0x1d794e4fac7cf0b9, 0x0bd592fc7d825ec8), Fp(0x3e2f585da55c9ad1, 0x4294213d86c18183, 0x382844c88b623732, 0x92ad2afd19103e18, 0x1d794e4fac7cf0b9, 0x0bd592fc7d825ec8)),
            Fp2(Fp(0x43f5fffffffcaaae, 0x32b7fff2ed47fffd, 0x07e83a49a2e99d69, 0xeca8f3318332bb7a, 0xef148d1ea0f4c069, 0x040ab3263eff0206), .zero),
            Fp2(Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2), Fp(0x3e2f585da55c9ad1, 0x4294213d86c18183, 0x382844c88b623732, 0x92ad2afd19103e18, 0x1d794e4fac7cf0b9, 0x0bd592fc7d825ec8))
        ),
    ]
}
