/// Points of the sextic twist E2: y² = x³ + 4(1 + u) over GF(p²). The order-r
/// subgroup G2 carries BLS signatures and hashed messages in this ciphersuite.
typealias G2Point = ProjectivePoint<Fp2>

extension ProjectivePoint where F == Fp2 {
    /// The standard G2 generator.
    static let generator = G2Point(
        affineX: Fp2(Fp(0xf5f28fa202940a10, 0xb3f5fb2687b4961a, 0xa1a893b53e2ae580, 0x9894999d1a3caee9, 0x6f67b7631863366b, 0x058191924350bcd7),
                     Fp(0xa5a9c0759e23f606, 0xaaa0c59dbccd60c3, 0x3bb17e18e2867806, 0x1b1ab6cc8541b367, 0xc2b6ed0ef2158547, 0x11922a097360edf3)),
        affineY: Fp2(Fp(0x4c730af860494c4a, 0x597cfa1f5e369c5a, 0xe7e6856caa0a635a, 0xbbefb5e96e0d495f, 0x07d3a975f0ef25a2, 0x0083fd8e7e80dae5),
                     Fp(0xadc0fc92df64b05d, 0x18aa270a2b1461dc, 0x86adac6a3be4eba0, 0x79495c4ec93da33a, 0xe7175850a43ccaed, 0x0b2bc2a163de1bf2)))

    /// 1/ξ^((p−1)/3) and 1/ξ^((p−1)/2), the coefficients of ψ.
    static let psiX = Fp2(.zero, Fp(0x890dc9e4867545c3, 0x2af322533285a5d5, 0x50880866309b7e2c, 0xa20d1b8c7e881024, 0x14e4f04fe2db9068, 0x14e56d3f1564853a))
    static let psiY = Fp2(Fp(0x3e2f585da55c9ad1, 0x4294213d86c18183, 0x382844c88b623732, 0x92ad2afd19103e18, 0x1d794e4fac7cf0b9, 0x0bd592fc7d825ec8),
                          Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2))
    /// 1/ξ^((p²−1)/3) (an element of GF(p)); ψ² negates y.
    static let psi2X = Fp(0xcd03c9e48671f071, 0x5dab22461fcda5d2, 0x587042afd3851b95, 0x8eb60ebe01bacb9e, 0x03f97d6e83d050d2, 0x18f0206554638741)

    /// The untwist–Frobenius–twist endomorphism ψ.
    var psi: G2Point {
        G2Point(x: x.conjugate() * G2Point.psiX, y: y.conjugate() * G2Point.psiY, z: z.conjugate())
    }

    /// ψ² (cheaper than applying ψ twice).
    var psi2: G2Point { G2Point(x: x * G2Point.psi2X, y: -y, z: z) }

    /// Membership in the order-r subgroup (Scott 2021: P ∈ G2 ⇔ ψ(P) = [x]P).
    /// Assumes the point is on the curve. Variable time (points are public).
    var isInSubgroup: Bool {
        psi == -multipliedByAbsX()
    }

    /// [x]P for the negative BLS parameter x.
    private func multipliedByX() -> G2Point { -multipliedByAbsX() }

    /// Cofactor clearing by h_eff (RFC 9380 §8.8.2, Budroni–Pintore method).
    func clearingCofactor() -> G2Point {
        let t1 = multipliedByX()
        var t2 = psi
        var t3 = doubled().psi2
        t3 = t3 - t2
        t2 = (t1 + t2).multipliedByX()
        t3 = t3 + t2
        t3 = t3 - t1
        return t3 - self
    }
}
