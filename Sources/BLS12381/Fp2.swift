/// An element `c0 + c1·u` of GF(p²) = GF(p)[u]/(u² + 1), the field over which
/// G2 is defined.
///
/// Guarantees: both coefficients are fully reduced `Fp` values, so equality is
/// coefficient-wise; arithmetic is branch-free on the value and allocation-free
/// (square roots and Legendre symbols branch only on public outcomes).
struct Fp2: Sendable, Equatable {
    var c0: Fp
    var c1: Fp

    @inline(__always)
    init(_ c0: Fp, _ c1: Fp) { self.c0 = c0; self.c1 = c1 }

    static let zero = Fp2(.zero, .zero)
    static let one = Fp2(.one, .zero)

    @inline(__always)
    static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 + b.c0, a.c1 + b.c1) }
    @inline(__always)
    static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 - b.c0, a.c1 - b.c1) }
    @inline(__always)
    static prefix func - (a: Fp2) -> Fp2 { Fp2(-a.c0, -a.c1) }
    @inline(__always)
    static func += (a: inout Fp2, b: Fp2) { a = a + b }
    @inline(__always)
    static func -= (a: inout Fp2, b: Fp2) { a = a - b }
    @inline(__always)
    static func *= (a: inout Fp2, b: Fp2) { a = a * b }

    /// Karatsuba with lazy reduction: three unreduced 768-bit products and two
    /// Montgomery reductions. c0 = a0b0 − a1b1 (wrapped into [0, pR) by adding p·R),
    /// c1 = (a0 + a1)(b0 + b1) − a0b0 − a1b1 = a0b1 + a1b0 < 2p² < pR.
    @inline(never)
    static func * (a: Fp2, b: Fp2) -> Fp2 {
        let t0 = FpWide.product(FpLoose(a.c0), FpLoose(b.c0))
        let t1 = FpWide.product(FpLoose(a.c1), FpLoose(b.c1))
        let t2 = FpWide.product(.sum(a.c0, a.c1), .sum(b.c0, b.c1))
        return Fp2(t0.subtractingWrappingAroundPR(t1).montgomeryReduced(), (t2 - t0 - t1).montgomeryReduced())
    }

    /// The textbook Karatsuba product with three reduced base-field products
    /// (reference for tests of the lazy version).
    static func schoolbookKaratsubaProduct(_ a: Fp2, _ b: Fp2) -> Fp2 {
        let t0 = a.c0 * b.c0
        let t1 = a.c1 * b.c1
        let t2 = (a.c0 + a.c1) * (b.c0 + b.c1)
        return Fp2(t0 - t1, t2 - t0 - t1)
    }

    /// Multiplication by a base-field scalar.
    @inline(__always)
    static func * (a: Fp2, b: Fp) -> Fp2 { Fp2(a.c0 * b, a.c1 * b) }

    /// (c0 + c1 u)² = (c0 + c1)(c0 − c1) + 2 c0 c1 u, with loose (unreduced) factors:
    /// c0 + c1 and c0 − c1 + p are below 2p, which the Montgomery product accepts.
    @inline(__always)
    func squared() -> Fp2 {
        let a = FpLoose.sum(c0, c1)
        let b = FpLoose.difference(c0, c1)
        let d = FpLoose.sum(c0, c0)
        return Fp2(Fp.montgomeryProduct(a.raw, b.raw), Fp.montgomeryProduct(d.raw, c1))
    }

    /// The textbook squaring with reduced factors (reference for tests).
    func schoolbookSquared() -> Fp2 {
        let a = c0 + c1
        let b = c0 - c1
        let c = c0 * c1
        return Fp2(a * b, c + c)
    }

    @inline(__always)
    func doubled() -> Fp2 { Fp2(c0 + c0, c1 + c1) }

    /// Multiplication by the sextic non-residue ξ = 1 + u.
    @inline(__always)
    func mulByNonresidue() -> Fp2 { Fp2(c0 - c1, c0 + c1) }

    /// Complex conjugation, which is also the p-power Frobenius map.
    @inline(__always)
    func conjugate() -> Fp2 { Fp2(c0, -c1) }

    /// The norm c0² + c1² in GF(p).
    var norm: Fp { c0.squared() + c1.squared() }

    var isZero: Bool { c0.isZero && c1.isZero }

    @inline(__always)
    static func == (a: Fp2, b: Fp2) -> Bool { (a.c0 == b.c0) && (a.c1 == b.c1) }
    @inline(__always)
    static func != (a: Fp2, b: Fp2) -> Bool { !(a == b) }

    @inline(__always)
    static func select(_ a: Fp2, _ b: Fp2, _ choice: Bool) -> Fp2 {
        Fp2(Fp.select(a.c0, b.c0, choice), Fp.select(a.c1, b.c1, choice))
    }

    /// Inverse via the norm; 0 maps to 0.
    func inverse() -> Fp2 {
        let t = norm.inverse()
        return Fp2(c0 * t, -(c1 * t))
    }

    /// True for zero and non-zero squares (an element is a square iff its norm is).
    var isSquare: Bool { norm.isSquare }

    /// A square root, or nil when none exists ("complex method": reduce to roots in GF(p)).
    func squareRoot() -> Fp2? {
        if c1.isZero {
            if let s = c0.squareRoot() { return Fp2(s, .zero) }
            if let s = (-c0).squareRoot() { return Fp2(.zero, s) }
            return nil
        }
        guard let alpha = norm.squareRoot() else { return nil }
        let half = Fp2.twoInverse
        // One of (c0 ± α)/2 is a non-zero square; its root x0 and 1/x0 come from one power.
        var pair = ((c0 + alpha) * half).squareRootAndInverse()
        if pair == nil { pair = ((c0 - alpha) * half).squareRootAndInverse() }
        guard let (r0, r0Inverse) = pair else { return nil }
        let candidate = Fp2(r0, c1 * r0Inverse * half)
        return candidate.squared() == self ? candidate : nil
    }

    static let twoInverse = Fp(2).inverse()

    /// `sgn0` of RFC 9380 for GF(p²).
    var sgn0: Bool {
        let s0 = c0.sgn0
        return s0 || (c0.isZero && c1.sgn0)
    }

    /// ZCash ordering: compare c1 first, and c0 only when c1 is zero.
    var isLexicographicallyLargest: Bool {
        c1.isZero ? c0.isLexicographicallyLargest : c1.isLexicographicallyLargest
    }
}
