/// Points of E1: y² = x³ + 4 over GF(p). The prime-order subgroup G1 (order r)
/// carries BLS public keys in this ciphersuite.
typealias G1Point = ProjectivePoint<Fp>

extension ProjectivePoint where F == Fp {
    /// The standard G1 generator.
    static let generator = G1Point(
        affineX: Fp(0x5cb38790fd530c16, 0x7817fc679976fff5, 0x154f95c7143ba1c1, 0xf0ae6acdf3d0e747, 0xedce6ecc21dbf440, 0x120177419e0bfb75),
        affineY: Fp(0xbaac93d50ce72271, 0x8c22631a7918fd8e, 0xdd595f13570725ce, 0x51ac582950405194, 0x0e1c8c3fad0059c0, 0x0bbc3efc5008a26a))

    /// β, a primitive cube root of unity in GF(p) with σ(x, y) = (βx, y) acting as [−x²] on G1.
    static let beta = Fp(0x30f1361b798a64e8, 0xf3b8ddab7ece5a2a, 0x16a8ca3ac61577f7, 0xc26a2ff874fd029b, 0x3636b76660701c6e, 0x051ba4ab241b6160)

    /// The GLV endomorphism σ(x, y) = (βx, y).
    var sigma: G1Point { G1Point(x: x * G1Point.beta, y: y, z: z) }

    /// Membership in the order-r subgroup (Scott 2021: P ∈ G1 ⇔ σ(P) = [−x²]P).
    /// Assumes the point is on the curve. Variable time (points are public).
    var isInSubgroup: Bool {
        let xxP = multipliedByAbsX().multipliedByAbsX()
        return sigma == -xxP
    }

    /// Cofactor clearing for hash-to-G1: multiplication by h_eff = 1 − x (RFC 9380 §8.8.1).
    func clearingCofactor() -> G1Point {
        // (1 − x)P = P + |x|P because x < 0.
        self + multipliedByAbsX()
    }
}
