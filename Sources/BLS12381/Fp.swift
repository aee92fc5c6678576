/// An element of the BLS12-381 base field GF(p),
/// p = 0x1a0111ea…ffffaaab (381 bits).
///
/// Guarantees: the value is always fully reduced and kept in Montgomery form
/// (`self = a·R mod p`, R = 2^384) in six inline 64-bit limbs, least significant
/// first, so two elements are equal exactly when their limbs are equal.
/// Arithmetic (add, sub, neg, mul, square, inverse) never branches on the value
/// and never allocates.
struct Fp: Sendable, Equatable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64, l5: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4; self.l5 = l5
    }

    // Modulus limbs.
    static let p0: UInt64 = 0xb9feffffffffaaab
    static let p1: UInt64 = 0x1eabfffeb153ffff
    static let p2: UInt64 = 0x6730d2a0f6b0f624
    static let p3: UInt64 = 0x64774b84f38512bf
    static let p4: UInt64 = 0x4b1ba7b6434bacd7
    static let p5: UInt64 = 0x1a0111ea397fe69a

    static let zero = Fp(0, 0, 0, 0, 0, 0)
    /// R mod p, i.e. the Montgomery form of 1.
    static let one = Fp(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
                        0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493)
    /// R^2 mod p, used to enter Montgomery form.
    static let r2 = Fp(0xf4df1f341c341746, 0x0a76e6a609d104f1, 0x8de5476c4c95b6d5,
                       0x67eb88a9939d83c0, 0x9a793e85b519952d, 0x11988fe592cae3aa)

    // MARK: Reduction helpers

    /// Subtracts p once if `self >= p`; valid for inputs below 2p.
    @inline(__always)
    func subtractingModulusIfNeeded() -> Fp {
        let (s0, b0) = subtractWithBorrow(l0, Fp.p0, 0)
        let (s1, b1) = subtractWithBorrow(l1, Fp.p1, b0)
        let (s2, b2) = subtractWithBorrow(l2, Fp.p2, b1)
        let (s3, b3) = subtractWithBorrow(l3, Fp.p3, b2)
        let (s4, b4) = subtractWithBorrow(l4, Fp.p4, b3)
        let (s5, b5) = subtractWithBorrow(l5, Fp.p5, b4)
        let keep = maskFromBit(b5)  // borrow => self < p => keep self
        return Fp((l0 & keep) | (s0 & ~keep), (l1 & keep) | (s1 & ~keep), (l2 & keep) | (s2 & ~keep),
                  (l3 & keep) | (s3 & ~keep), (l4 & keep) | (s4 & ~keep), (l5 & keep) | (s5 & ~keep))
    }

    // MARK: Ring operations

    @inline(__always)
    static func + (a: Fp, b: Fp) -> Fp {
        // p < 2^381, so a + b < 2^382 never overflows six limbs.
        let (s0, c0) = addWithCarry(a.l0, b.l0, 0)
        let (s1, c1) = addWithCarry(a.l1, b.l1, c0)
        let (s2, c2) = addWithCarry(a.l2, b.l2, c1)
        let (s3, c3) = addWithCarry(a.l3, b.l3, c2)
        let (s4, c4) = addWithCarry(a.l4, b.l4, c3)
        let (s5, _) = addWithCarry(a.l5, b.l5, c4)
        return Fp(s0, s1, s2, s3, s4, s5).subtractingModulusIfNeeded()
    }

    @inline(__always)
    static func - (a: Fp, b: Fp) -> Fp {
        let (d0, b0) = subtractWithBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subtractWithBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subtractWithBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subtractWithBorrow(a.l3, b.l3, b2)
        let (d4, b4) = subtractWithBorrow(a.l4, b.l4, b3)
        let (d5, b5) = subtractWithBorrow(a.l5, b.l5, b4)
        let m = maskFromBit(b5)  // add p back when the subtraction wrapped
        let (e0, c0) = addWithCarry(d0, Fp.p0 & m, 0)
        let (e1, c1) = addWithCarry(d1, Fp.p1 & m, c0)
        let (e2, c2) = addWithCarry(d2, Fp.p2 & m, c1)
        let (e3, c3) = addWithCarry(d3, Fp.p3 & m, c2)
        let (e4, c4) = addWithCarry(d4, Fp.p4 & m, c3)
        let (e5, _) = addWithCarry(d5, Fp.p5 & m, c4)
        return Fp(e0, e1, e2, e3, e4, e5)
    }

    @inline(__always)
    static prefix func - (a: Fp) -> Fp {
        let (d0, b0) = subtractWithBorrow(Fp.p0, a.l0, 0)
        let (d1, b1) = subtractWithBorrow(Fp.p1, a.l1, b0)
        let (d2, b2) = subtractWithBorrow(Fp.p2, a.l2, b1)
        let (d3, b3) = subtractWithBorrow(Fp.p3, a.l3, b2)
        let (d4, b4) = subtractWithBorrow(Fp.p4, a.l4, b3)
        let (d5, _) = subtractWithBorrow(Fp.p5, a.l5, b4)
        // -0 must stay 0 rather than become p.
        let nz = a.l0 | a.l1 | a.l2 | a.l3 | a.l4 | a.l5
        let m = maskFromBit((nz | (0 &- nz)) >> 63)
        return Fp(d0 & m, d1 & m, d2 & m, d3 & m, d4 & m, d5 & m)
    }

    @inline(__always)
    static func * (a: Fp, b: Fp) -> Fp { montgomeryProduct(a, b) }

    @inline(__always)
    static func += (a: inout Fp, b: Fp) { a = a + b }
    @inline(__always)
    static func -= (a: inout Fp, b: Fp) { a = a - b }
    @inline(__always)
    static func *= (a: inout Fp, b: Fp) { a = montgomeryProduct(a, b) }

    @inline(__always)
    func squared() -> Fp { Fp.montgomeryProduct(self, self) }
    @inline(__always)
    func doubled() -> Fp { self + self }

    /// Montgomery product `a * b * R^-1 mod p` (CIOS, row by row: each row first forms the
    /// seven-word product of a limb with a whole operand in two carry chains, then adds it).
    /// Operands may be loose (below 2p); the result is fully reduced because 4p < R.
    /// Deliberately out of line: one hot copy keeps the instruction cache small.
    @inline(never)
    static func montgomeryProduct(_ a: Fp, _ b: Fp) -> Fp {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0, t5: UInt64 = 0, t6: UInt64 = 0
        var c: UInt64 = 0, m: UInt64 = 0, low: UInt64 = 0
        // word 0: t += a·b0, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l0)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l0)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l0)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l0)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l0)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l0)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        // word 1: t += a·b1, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l1)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l1)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l1)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l1)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l1)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l1)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        // word 2: t += a·b2, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l2)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l2)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l2)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l2)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l2)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l2)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        // word 3: t += a·b3, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l3)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l3)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l3)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l3)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l3)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l3)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        // word 4: t += a·b4, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l4)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l4)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l4)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l4)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l4)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l4)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        // word 5: t += a·b5, then t = (t + m·p) / 2^64
        do {
            let (h0, l0) = a.l0.multipliedFullWidth(by: b.l5)
            let (h1, l1) = a.l1.multipliedFullWidth(by: b.l5)
            let (h2, l2) = a.l2.multipliedFullWidth(by: b.l5)
            let (h3, l3) = a.l3.multipliedFullWidth(by: b.l5)
            let (h4, l4) = a.l4.multipliedFullWidth(by: b.l5)
            let (h5, l5) = a.l5.multipliedFullWidth(by: b.l5)
            (t0, c) = addWithCarry(t0, l0, 0)
            (t1, c) = addWithCarry(t1, l1, c)
            (t2, c) = addWithCarry(t2, l2, c)
            (t3, c) = addWithCarry(t3, l3, c)
            (t4, c) = addWithCarry(t4, l4, c)
            (t5, c) = addWithCarry(t5, l5, c)
            t6 = c
            (t1, c) = addWithCarry(t1, h0, 0)
            (t2, c) = addWithCarry(t2, h1, c)
            (t3, c) = addWithCarry(t3, h2, c)
            (t4, c) = addWithCarry(t4, h3, c)
            (t5, c) = addWithCarry(t5, h4, c)
            t6 = t6 &+ h5 &+ c
            m = t0 &* 0x89f3fffcfffcfffd
            let (g0, k0) = m.multipliedFullWidth(by: 0xb9feffffffffaaab)
            let (g1, k1) = m.multipliedFullWidth(by: 0x1eabfffeb153ffff)
            let (g2, k2) = m.multipliedFullWidth(by: 0x6730d2a0f6b0f624)
            let (g3, k3) = m.multipliedFullWidth(by: 0x64774b84f38512bf)
            let (g4, k4) = m.multipliedFullWidth(by: 0x4b1ba7b6434bacd7)
            let (g5, k5) = m.multipliedFullWidth(by: 0x1a0111ea397fe69a)
            (low, c) = addWithCarry(t0, k0, 0)
            (t1, c) = addWithCarry(t1, k1, c)
            (t2, c) = addWithCarry(t2, k2, c)
            (t3, c) = addWithCarry(t3, k3, c)
            (t4, c) = addWithCarry(t4, k4, c)
            (t5, c) = addWithCarry(t5, k5, c)
            t6 = t6 &+ c
            (t0, c) = addWithCarry(t1, g0, 0)
            (t1, c) = addWithCarry(t2, g1, c)
            (t2, c) = addWithCarry(t3, g2, c)
            (t3, c) = addWithCarry(t4, g3, c)
            (t4, c) = addWithCarry(t5, g4, c)
            t5 = t6 &+ g5 &+ c
        }
        _ = low  // zero by the choice of m
        return Fp(t0, t1, t2, t3, t4, t5).subtractingModulusIfNeeded()
    }

    // MARK: Predicates

    /// Constant-time zero test.
    var isZero: Bool { (l0 | l1 | l2 | l3 | l4 | l5) == 0 }

    /// Constant-time equality.
    @inline(__always)
    static func == (a: Fp, b: Fp) -> Bool {
        ((a.l0 ^ b.l0) | (a.l1 ^ b.l1) | (a.l2 ^ b.l2) | (a.l3 ^ b.l3) | (a.l4 ^ b.l4) | (a.l5 ^ b.l5)) == 0
    }
    @inline(__always)
    static func != (a: Fp, b: Fp) -> Bool { !(a == b) }

    /// Branch-free `choice ? b : a`.
    @inline(__always)
    static func select(_ a: Fp, _ b: Fp, _ choice: Bool) -> Fp {
        let m = maskFromBit(bit(choice))
        return Fp(a.l0 ^ ((a.l0 ^ b.l0) & m), a.l1 ^ ((a.l1 ^ b.l1) & m), a.l2 ^ ((a.l2 ^ b.l2) & m),
                  a.l3 ^ ((a.l3 ^ b.l3) & m), a.l4 ^ ((a.l4 ^ b.l4) & m), a.l5 ^ ((a.l5 ^ b.l5) & m))
    }

    // MARK: Conversions

    /// The element whose canonical value is the small integer `v`.
    init(_ v: UInt64) {
        self = Fp.montgomeryProduct(Fp(v, 0, 0, 0, 0, 0), Fp.r2)
    }

    /// Canonical (non-Montgomery) limbs, least significant first.
    var canonicalLimbs: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        let c = Fp.montgomeryProduct(self, Fp(1, 0, 0, 0, 0, 0))
        return (c.l0, c.l1, c.l2, c.l3, c.l4, c.l5)
    }

    /// Builds an element from canonical limbs; returns nil when the value is >= p.
    init?(canonical l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64) {
        let raw = Fp(l0, l1, l2, l3, l4, l5)
        let (_, b0) = subtractWithBorrow(l0, Fp.p0, 0)
        let (_, b1) = subtractWithBorrow(l1, Fp.p1, b0)
        let (_, b2) = subtractWithBorrow(l2, Fp.p2, b1)
        let (_, b3) = subtractWithBorrow(l3, Fp.p3, b2)
        let (_, b4) = subtractWithBorrow(l4, Fp.p4, b3)
        let (_, b5) = subtractWithBorrow(l5, Fp.p5, b4)
        guard b5 == 1 else { return nil }
        self = Fp.montgomeryProduct(raw, Fp.r2)
    }

    /// Decodes a 48-byte big-endian integer; nil if the length is wrong or the value is >= p.
    init?<Bytes: RandomAccessCollection>(bigEndian bytes: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        guard bytes.count == 48 else { return nil }
        let base = bytes.startIndex
        func word(_ i: Int) -> UInt64 {
            // Word i counts from the least significant end.
            var w: UInt64 = 0
            let start = base + 40 - 8 * i
            for k in 0..<8 { w = (w << 8) | UInt64(bytes[start + k]) }
            return w
        }
        self.init(canonical: word(0), word(1), word(2), word(3), word(4), word(5))
    }

    /// The canonical value as 48 big-endian bytes.
    var bigEndianBytes: [UInt8] {
        let c = canonicalLimbs
        let words = [c.5, c.4, c.3, c.2, c.1, c.0]
        var out = [UInt8]()
        out.reserveCapacity(48)
        for w in words {
            for k in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(k))) }
        }
        return out
    }

    /// `sgn0` of RFC 9380 (parity of the canonical value).
    var sgn0: Bool { canonicalLimbs.0 & 1 == 1 }

    /// True when the canonical value is greater than (p-1)/2 (the ZCash "larger y" flag).
    var isLexicographicallyLargest: Bool {
        let c = canonicalLimbs
        // Compute (p-1)/2 - value; a borrow means value > (p-1)/2.
        let (_, b0) = subtractWithBorrow(0xdcff7fffffffd555, c.0, 0)
        let (_, b1) = subtractWithBorrow(0x0f55ffff58a9ffff, c.1, b0)
        let (_, b2) = subtractWithBorrow(0xb39869507b587b12, c.2, b1)
        let (_, b3) = subtractWithBorrow(0xb23ba5c279c2895f, c.3, b2)
        let (_, b4) = subtractWithBorrow(0x258dd3db21a5d66b, c.4, b3)
        let (_, b5) = subtractWithBorrow(0x0d0088f51cbff34d, c.5, b4)
        return b5 == 1
    }

    // MARK: Exponentiation, inversion, square roots

    /// `self^e` for a public exponent given as little-endian 64-bit words, using
    /// fixed 4-bit windows. The sequence of operations depends only on `e`, never on `self`.
    func power(_ e: [UInt64]) -> Fp {
        withUnsafeTemporaryAllocation(of: Fp.self, capacity: 16) { table in
            table[0] = .one
            for i in 1..<16 { table[i] = table[i - 1] * self }
            var result = Fp.one
            var started = false
            for word in e.reversed() {
                for nibble in stride(from: 15, through: 0, by: -1) {
                    if started { result = result.squared().squared().squared().squared() }
                    let digit = Int((word >> UInt64(nibble * 4)) & 0xf)
                    if digit != 0 {
                        result = started ? result * table[digit] : table[digit]
                        started = true
                    }
                }
            }
            return result
        }
    }

    static let pMinus2: [UInt64] = [0xb9feffffffffaaa9, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
                                    0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a]
    static let pMinus3Over4: [UInt64] = [0xee7fbfffffffeaaa, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
                                         0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6]
    static let pPlus1Over4: [UInt64] = [0xee7fbfffffffeaab, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
                                        0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6]
    static let pMinus1Over2: [UInt64] = [0xdcff7fffffffd555, 0x0f55ffff58a9ffff, 0xb39869507b587b12,
                                         0xb23ba5c279c2895f, 0x258dd3db21a5d66b, 0x0d0088f51cbff34d]

    /// Multiplicative inverse via Fermat (`self^(p-2)`); the inverse of 0 is 0.
    func inverse() -> Fp { power(Fp.pMinus2) }

    /// A square root (p ≡ 3 mod 4, so `self^((p+1)/4)`), or nil if `self` is not a square.
    func squareRoot() -> Fp? {
        let s = power(Fp.pPlus1Over4)
        return s.squared() == self ? s : nil
    }

    /// For a non-zero square, (√self, 1/√self) from the single power t = self^((p−3)/4)
    /// (√self = self·t and t·√self = self^((p−1)/2) = 1); nil for zero and non-squares.
    func squareRootAndInverse() -> (root: Fp, inverseRoot: Fp)? {
        let t = power(Fp.pMinus3Over4)
        let root = self * t
        return root * t == Fp.one ? (root, t) : nil
    }

    /// Legendre symbol: 1 for non-zero squares, -1 for non-squares, 0 for zero.
    var legendre: Int {
        let l = power(Fp.pMinus1Over2)
        if l.isZero { return 0 }
        return l == Fp.one ? 1 : -1
    }

    /// True for zero and for non-zero squares.
    var isSquare: Bool { legendre >= 0 }
}
