// Lazy reduction for GF(p) arithmetic: operands that skip the conditional
// subtraction after an addition (`FpLoose`) and unreduced 768-bit products
// (`FpWide`) that are combined before a single Montgomery reduction. Used by
// `Fp2` multiplication and squaring (three products, two reductions).

/// A six-limb integer below 2p: a sum of two reduced `Fp` values, or a reduced
/// value plus p, kept without the final conditional subtraction.
///
/// Guarantees: the value is below 2p; it is only ever an operand of a product
/// (`FpWide.product` or `Fp.montgomeryProduct`, both correct for operands below
/// 2p because 4p < R), never compared or stored as an `Fp`. Branch-free.
struct FpLoose: Sendable {
    /// The limbs, in an `Fp` shell that is not necessarily reduced.
    var raw: Fp

    @inline(__always)
    init(_ value: Fp) { raw = value }

    @inline(__always)
    init(unreduced raw: Fp) { self.raw = raw }

    /// a + b < 2p, without the conditional subtraction (p < 2^381, so no overflow).
    @inline(__always)
    static func sum(_ a: Fp, _ b: Fp) -> FpLoose {
        let (s0, c0) = addWithCarry(a.l0, b.l0, 0)
        let (s1, c1) = addWithCarry(a.l1, b.l1, c0)
        let (s2, c2) = addWithCarry(a.l2, b.l2, c1)
        let (s3, c3) = addWithCarry(a.l3, b.l3, c2)
        let (s4, c4) = addWithCarry(a.l4, b.l4, c3)
        let (s5, _) = addWithCarry(a.l5, b.l5, c4)
        return FpLoose(unreduced: Fp(s0, s1, s2, s3, s4, s5))
    }

    /// a − b + p, in (0, 2p): congruent to a − b without a data-dependent correction.
    @inline(__always)
    static func difference(_ a: Fp, _ b: Fp) -> FpLoose {
        let (d0, b0) = subtractWithBorrow(Fp.p0, b.l0, 0)
        let (d1, b1) = subtractWithBorrow(Fp.p1, b.l1, b0)
        let (d2, b2) = subtractWithBorrow(Fp.p2, b.l2, b1)
        let (d3, b3) = subtractWithBorrow(Fp.p3, b.l3, b2)
        let (d4, b4) = subtractWithBorrow(Fp.p4, b.l4, b3)
        let (d5, _) = subtractWithBorrow(Fp.p5, b.l5, b4)
        return sum(a, Fp(d0, d1, d2, d3, d4, d5))
    }
}

/// An unreduced product in twelve 64-bit limbs (least significant first), the
/// double-width partner of `Fp` for lazy reduction.
///
/// Guarantees: `product` is exact (no modular reduction); `+`, `-` and
/// `subtractingWrappingAroundPR` are exact integer operations under the preconditions
/// they state; `montgomeryReduced` returns the fully reduced `self · R⁻¹ mod p`
/// for every value below p·R. Everything is branch-free and allocation-free.
struct FpWide: Sendable, Equatable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64, l5: UInt64
    var l6: UInt64, l7: UInt64, l8: UInt64, l9: UInt64, l10: UInt64, l11: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64,
         _ l6: UInt64, _ l7: UInt64, _ l8: UInt64, _ l9: UInt64, _ l10: UInt64, _ l11: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4; self.l5 = l5
        self.l6 = l6; self.l7 = l7; self.l8 = l8; self.l9 = l9; self.l10 = l10; self.l11 = l11
    }

    /// Exact sum; the caller guarantees it stays below 2^768.
    @inline(__always)
    static func + (a: FpWide, b: FpWide) -> FpWide {
        let (s0, c0) = addWithCarry(a.l0, b.l0, 0)
        let (s1, c1) = addWithCarry(a.l1, b.l1, c0)
        let (s2, c2) = addWithCarry(a.l2, b.l2, c1)
        let (s3, c3) = addWithCarry(a.l3, b.l3, c2)
        let (s4, c4) = addWithCarry(a.l4, b.l4, c3)
        let (s5, c5) = addWithCarry(a.l5, b.l5, c4)
        let (s6, c6) = addWithCarry(a.l6, b.l6, c5)
        let (s7, c7) = addWithCarry(a.l7, b.l7, c6)
        let (s8, c8) = addWithCarry(a.l8, b.l8, c7)
        let (s9, c9) = addWithCarry(a.l9, b.l9, c8)
        let (s10, c10) = addWithCarry(a.l10, b.l10, c9)
        let (s11, _) = addWithCarry(a.l11, b.l11, c10)
        return FpWide(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)
    }

    /// Exact difference with the borrow out of the top limb (1 when a < b).
    @inline(__always)
    static func subtract(_ a: FpWide, _ b: FpWide) -> (FpWide, borrow: UInt64) {
        let (d0, b0) = subtractWithBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subtractWithBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subtractWithBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subtractWithBorrow(a.l3, b.l3, b2)
        let (d4, b4) = subtractWithBorrow(a.l4, b.l4, b3)
        let (d5, b5) = subtractWithBorrow(a.l5, b.l5, b4)
        let (d6, b6) = subtractWithBorrow(a.l6, b.l6, b5)
        let (d7, b7) = subtractWithBorrow(a.l7, b.l7, b6)
        let (d8, b8) = subtractWithBorrow(a.l8, b.l8, b7)
        let (d9, b9) = subtractWithBorrow(a.l9, b.l9, b8)
        let (d10, b10) = subtractWithBorrow(a.l10, b.l10, b9)
        let (d11, b11) = subtractWithBorrow(a.l11, b.l11, b10)
        return (FpWide(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11), b11)
    }

    /// Exact difference; the caller guarantees a ≥ b.
    @inline(__always)
    static func - (a: FpWide, b: FpWide) -> FpWide { subtract(a, b).0 }

    /// a − b, plus p·2^384 when a < b: congruent to a − b modulo p and in [0, p·R)
    /// whenever both a and b are below p·R. Branch-free.
    @inline(__always)
    func subtractingWrappingAroundPR(_ b: FpWide) -> FpWide {
        let (d, borrow) = FpWide.subtract(self, b)
        let m = maskFromBit(borrow)
        let (e6, c6) = addWithCarry(d.l6, Fp.p0 & m, 0)
        let (e7, c7) = addWithCarry(d.l7, Fp.p1 & m, c6)
        let (e8, c8) = addWithCarry(d.l8, Fp.p2 & m, c7)
        let (e9, c9) = addWithCarry(d.l9, Fp.p3 & m, c8)
        let (e10, c10) = addWithCarry(d.l10, Fp.p4 & m, c9)
        let (e11, _) = addWithCarry(d.l11, Fp.p5 & m, c10)
        return FpWide(d.l0, d.l1, d.l2, d.l3, d.l4, d.l5, e6, e7, e8, e9, e10, e11)
    }

    /// The full 768-bit product of two loose operands (schoolbook, row by row).
    @inline(never)
    static func product(_ a: FpLoose, _ b: FpLoose) -> FpWide {
        let x = a.raw, y = b.raw
        var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 0, r4: UInt64 = 0, r5: UInt64 = 0
        var r6: UInt64 = 0, r7: UInt64 = 0, r8: UInt64 = 0, r9: UInt64 = 0, r10: UInt64 = 0, r11: UInt64 = 0
        var c: UInt64 = 0
        // row 0: r[0...6] += x·y0
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l0)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l0)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l0)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l0)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l0)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l0)
            r0 = l0
            (r1, c) = addWithCarry(l1, h0, 0)
            (r2, c) = addWithCarry(l2, h1, c)
            (r3, c) = addWithCarry(l3, h2, c)
            (r4, c) = addWithCarry(l4, h3, c)
            (r5, c) = addWithCarry(l5, h4, c)
            r6 = h5 &+ c
        }
        // row 1: r[1...7] += x·y1
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l1)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l1)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l1)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l1)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l1)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l1)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c
            (r1, c) = addWithCarry(r1, l0, 0)
            (r2, c) = addWithCarry(r2, u1, c)
            (r3, c) = addWithCarry(r3, u2, c)
            (r4, c) = addWithCarry(r4, u3, c)
            (r5, c) = addWithCarry(r5, u4, c)
            (r6, c) = addWithCarry(r6, u5, c)
            r7 = u6 &+ c
        }
        // row 2: r[2...8] += x·y2
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l2)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l2)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l2)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l2)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l2)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l2)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c
            (r2, c) = addWithCarry(r2, l0, 0)
            (r3, c) = addWithCarry(r3, u1, c)
            (r4, c) = addWithCarry(r4, u2, c)
            (r5, c) = addWithCarry(r5, u3, c)
            (r6, c) = addWithCarry(r6, u4, c)
            (r7, c) = addWithCarry(r7, u5, c)
            r8 = u6 &+ c
        }
        // row 3: r[3...9] += x·y3
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l3)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l3)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l3)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l3)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l3)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l3)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c
            (r3, c) = addWithCarry(r3, l0, 0)
            (r4, c) = addWithCarry(r4, u1, c)
            (r5, c) = addWithCarry(r5, u2, c)
            (r6, c) = addWithCarry(r6, u3, c)
            (r7, c) = addWithCarry(r7, u4, c)
            (r8, c) = addWithCarry(r8, u5, c)
            r9 = u6 &+ c
        }
        // row 4: r[4...10] += x·y4
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l4)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l4)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l4)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l4)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l4)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l4)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c
            (r4, c) = addWithCarry(r4, l0, 0)
            (r5, c) = addWithCarry(r5, u1, c)
            (r6, c) = addWithCarry(r6, u2, c)
            (r7, c) = addWithCarry(r7, u3, c)
            (r8, c) = addWithCarry(r8, u4, c)
            (r9, c) = addWithCarry(r9, u5, c)
            r10 = u6 &+ c
        }
        // row 5: r[5...11] += x·y5
        do {
            let (h0, l0) = x.l0.multipliedFullWidth(by: y.l5)
            let (h1, l1) = x.l1.multipliedFullWidth(by: y.l5)
            let (h2, l2) = x.l2.multipliedFullWidth(by: y.l5)
            let (h3, l3) = x.l3.multipliedFullWidth(by: y.l5)
            let (h4, l4) = x.l4.multipliedFullWidth(by: y.l5)
            let (h5, l5) = x.l5.multipliedFullWidth(by: y.l5)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c
            (r5, c) = addWithCarry(r5, l0, 0)
            (r6, c) = addWithCarry(r6, u1, c)
            (r7, c) = addWithCarry(r7, u2, c)
            (r8, c) = addWithCarry(r8, u3, c)
            (r9, c) = addWithCarry(r9, u4, c)
            (r10, c) = addWithCarry(r10, u5, c)
            r11 = u6 &+ c
        }
        return FpWide(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11)
    }

    /// Montgomery reduction `self · R^-1 mod p`, fully reduced. Requires `self < p·R`
    /// (then (self + m·p)/R < 2p and one conditional subtraction suffices).
    @inline(never)
    func montgomeryReduced() -> Fp {
        var r0 = l0, r1 = l1, r2 = l2, r3 = l3, r4 = l4, r5 = l5, r6 = l6, r7 = l7, r8 = l8, r9 = l9, r10 = l10, r11 = l11
        var c: UInt64 = 0, pending: UInt64 = 0
        // round 0: r += m·p·2^0, clearing limb 0; the carry out of limb 6 is pending
        do {
            let m = r0 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r0, c) = addWithCarry(r0, l0, 0)
            (r1, c) = addWithCarry(r1, u1, c)
            (r2, c) = addWithCarry(r2, u2, c)
            (r3, c) = addWithCarry(r3, u3, c)
            (r4, c) = addWithCarry(r4, u4, c)
            (r5, c) = addWithCarry(r5, u5, c)
            (r6, pending) = addWithCarry(r6, u6, c)
        }
        // round 1: r += m·p·2^64, clearing limb 1; the carry out of limb 7 is pending
        do {
            let m = r1 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r1, c) = addWithCarry(r1, l0, 0)
            (r2, c) = addWithCarry(r2, u1, c)
            (r3, c) = addWithCarry(r3, u2, c)
            (r4, c) = addWithCarry(r4, u3, c)
            (r5, c) = addWithCarry(r5, u4, c)
            (r6, c) = addWithCarry(r6, u5, c)
            (r7, pending) = addWithCarry(r7, u6, c)
        }
        // round 2: r += m·p·2^128, clearing limb 2; the carry out of limb 8 is pending
        do {
            let m = r2 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r2, c) = addWithCarry(r2, l0, 0)
            (r3, c) = addWithCarry(r3, u1, c)
            (r4, c) = addWithCarry(r4, u2, c)
            (r5, c) = addWithCarry(r5, u3, c)
            (r6, c) = addWithCarry(r6, u4, c)
            (r7, c) = addWithCarry(r7, u5, c)
            (r8, pending) = addWithCarry(r8, u6, c)
        }
        // round 3: r += m·p·2^192, clearing limb 3; the carry out of limb 9 is pending
        do {
            let m = r3 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r3, c) = addWithCarry(r3, l0, 0)
            (r4, c) = addWithCarry(r4, u1, c)
            (r5, c) = addWithCarry(r5, u2, c)
            (r6, c) = addWithCarry(r6, u3, c)
            (r7, c) = addWithCarry(r7, u4, c)
            (r8, c) = addWithCarry(r8, u5, c)
            (r9, pending) = addWithCarry(r9, u6, c)
        }
        // round 4: r += m·p·2^256, clearing limb 4; the carry out of limb 10 is pending
        do {
            let m = r4 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r4, c) = addWithCarry(r4, l0, 0)
            (r5, c) = addWithCarry(r5, u1, c)
            (r6, c) = addWithCarry(r6, u2, c)
            (r7, c) = addWithCarry(r7, u3, c)
            (r8, c) = addWithCarry(r8, u4, c)
            (r9, c) = addWithCarry(r9, u5, c)
            (r10, pending) = addWithCarry(r10, u6, c)
        }
        // round 5: r += m·p·2^320, clearing limb 5; the carry out of limb 11 is pending
        do {
            let m = r5 &* 0x89f3fffcfffcfffd
            let (h0, l0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (h1, l1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (h2, l2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (h3, l3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (h4, l4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (h5, l5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            var u1: UInt64 = 0, u2: UInt64 = 0, u3: UInt64 = 0, u4: UInt64 = 0, u5: UInt64 = 0
            (u1, c) = addWithCarry(l1, h0, 0)
            (u2, c) = addWithCarry(l2, h1, c)
            (u3, c) = addWithCarry(l3, h2, c)
            (u4, c) = addWithCarry(l4, h3, c)
            (u5, c) = addWithCarry(l5, h4, c)
            let u6 = h5 &+ c &+ pending  // m·p < 2^445, so no overflow
            (r5, c) = addWithCarry(r5, l0, 0)
            (r6, c) = addWithCarry(r6, u1, c)
            (r7, c) = addWithCarry(r7, u2, c)
            (r8, c) = addWithCarry(r8, u3, c)
            (r9, c) = addWithCarry(r9, u4, c)
            (r10, c) = addWithCarry(r10, u5, c)
            (r11, pending) = addWithCarry(r11, u6, c)
        }
        _ = (r0, r1, r2, r3, r4, r5, pending)  // zero limbs; pending is 0 because the sum is < 2pR < 2^768
        return Fp(r6, r7, r8, r9, r10, r11).subtractingModulusIfNeeded()
    }
}
