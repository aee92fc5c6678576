/// An element `c0 + c1·v + c2·v²` of GF(p⁶) = GF(p²)[v]/(v³ − ξ), ξ = 1 + u.
///
/// Guarantees: coefficient-wise canonical representation; value-independent,
/// allocation-free arithmetic.
struct Fp6: Sendable, Equatable {
    var c0: Fp2
    var c1: Fp2
    var c2: Fp2

    @inline(__always)
    init(_ c0: Fp2, _ c1: Fp2, _ c2: Fp2) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    static let zero = Fp6(.zero, .zero, .zero)
    static let one = Fp6(.one, .zero, .zero)

    static func + (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    static func - (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    static prefix func - (a: Fp6) -> Fp6 { Fp6(-a.c0, -a.c1, -a.c2) }

    /// Karatsuba-style product with six GF(p²) multiplications.
    static func * (a: Fp6, b: Fp6) -> Fp6 {
        let t0 = a.c0 * b.c0
        let t1 = a.c1 * b.c1
        let t2 = a.c2 * b.c2
        let r0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).mulByNonresidue() + t0
        let r1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.mulByNonresidue()
        let r2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1
        return Fp6(r0, r1, r2)
    }

    /// Chung–Hasan squaring (SQR2).
    func squared() -> Fp6 {
        let s0 = c0.squared()
        let ab = c0 * c1
        let s1 = ab + ab
        let s2 = (c0 - c1 + c2).squared()
        let bc = c1 * c2
        let s3 = bc + bc
        let s4 = c2.squared()
        return Fp6(s0 + s3.mulByNonresidue(), s1 + s4.mulByNonresidue(), s1 + s2 + s3 - s0 - s4)
    }

    /// Multiplication by v: (c0, c1, c2) ↦ (ξ c2, c0, c1).
    func mulByNonresidue() -> Fp6 { Fp6(c2.mulByNonresidue(), c0, c1) }

    /// Product with the sparse element `b0 + b1·v`.
    func mulBy01(_ b0: Fp2, _ b1: Fp2) -> Fp6 {
        let t0 = c0 * b0
        let t1 = c1 * b1
        let r0 = (c2 * b1).mulByNonresidue() + t0
        let r1 = (c0 + c1) * (b0 + b1) - t0 - t1
        let r2 = c2 * b0 + t1
        return Fp6(r0, r1, r2)
    }

    /// Product with the sparse element `b1·v`.
    func mulBy1(_ b1: Fp2) -> Fp6 {
        Fp6((c2 * b1).mulByNonresidue(), c0 * b1, c1 * b1)
    }

    var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    static func == (a: Fp6, b: Fp6) -> Bool { a.c0 == b.c0 && a.c1 == b.c1 && a.c2 == b.c2 }

    func inverse() -> Fp6 {
        let t0 = c0.squared() - (c1 * c2).mulByNonresidue()
        let t1 = c2.squared().mulByNonresidue() - c0 * c1
        let t2 = c1.squared() - c0 * c2
        let d = c0 * t0 + (c2 * t1 + c1 * t2).mulByNonresidue()
        let di = d.inverse()
        return Fp6(t0 * di, t1 * di, t2 * di)
    }
}
