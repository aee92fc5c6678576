/// An element of the BLS12-381 scalar field GF(r),
/// r = 0x73eda753…ffffffff00000001 (255 bits), the order of G1, G2 and GT.
///
/// Guarantees: always fully reduced, stored in Montgomery form (R = 2^256) in
/// four inline limbs (least significant first); arithmetic is branch-free on the
/// value and allocation-free.
struct Fr: Sendable, Equatable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    static let p0: UInt64 = 0xffffffff00000001
    static let p1: UInt64 = 0x53bda402fffe5bfe
    static let p2: UInt64 = 0x3339d80809a1d805
    static let p3: UInt64 = 0x73eda753299d7d48

    static let zero = Fr(0, 0, 0, 0)
    static let one = Fr(0x00000001fffffffe, 0x5884b7fa00034802, 0x998c4fefecbc4ff5, 0x1824b159acc5056f)
    static let r2 = Fr(0xc999e990f3f29c6d, 0x2b6cedcb87925c23, 0x05d314967254398f, 0x0748d9d99f59ff11)
    /// 2^256 mod r in Montgomery form (for reducing wide integers).
    static let twoTo256 = r2  // Montgomery form of R mod r is R² mod r

    @inline(__always)
    func subtractingModulusIfNeeded() -> Fr {
        let (s0, b0) = subtractWithBorrow(l0, Fr.p0, 0)
        let (s1, b1) = subtractWithBorrow(l1, Fr.p1, b0)
        let (s2, b2) = subtractWithBorrow(l2, Fr.p2, b1)
        let (s3, b3) = subtractWithBorrow(l3, Fr.p3, b2)
        let keep = maskFromBit(b3)
        return Fr((l0 & keep) | (s0 & ~keep), (l1 & keep) | (s1 & ~keep),
                  (l2 & keep) | (s2 & ~keep), (l3 & keep) | (s3 & ~keep))
    }

    static func + (a: Fr, b: Fr) -> Fr {
        // r < 2^255: the sum fits in four limbs.
        let (s0, c0) = addWithCarry(a.l0, b.l0, 0)
        let (s1, c1) = addWithCarry(a.l1, b.l1, c0)
        let (s2, c2) = addWithCarry(a.l2, b.l2, c1)
        let (s3, _) = addWithCarry(a.l3, b.l3, c2)
        return Fr(s0, s1, s2, s3).subtractingModulusIfNeeded()
    }

    static func - (a: Fr, b: Fr) -> Fr {
        let (d0, b0) = subtractWithBorrow(a.l0, b.l0, 0)
        let (d1, b1) = subtractWithBorrow(a.l1, b.l1, b0)
        let (d2, b2) = subtractWithBorrow(a.l2, b.l2, b1)
        let (d3, b3) = subtractWithBorrow(a.l3, b.l3, b2)
        let m = maskFromBit(b3)
        let (e0, c0) = addWithCarry(d0, Fr.p0 & m, 0)
        let (e1, c1) = addWithCarry(d1, Fr.p1 & m, c0)
        let (e2, c2) = addWithCarry(d2, Fr.p2 & m, c1)
        let (e3, _) = addWithCarry(d3, Fr.p3 & m, c2)
        return Fr(e0, e1, e2, e3)
    }

    static prefix func - (a: Fr) -> Fr { Fr.zero - a }

    static func * (a: Fr, b: Fr) -> Fr { montgomeryProduct(a, b) }

    /// Montgomery product `a * b * R^-1 mod m` (CIOS, operands fully reduced).
    @inline(__always)
    static func montgomeryProduct(_ a: Fr, _ b: Fr) -> Fr {
        var t0: UInt64 = 0; var t1: UInt64 = 0; var t2: UInt64 = 0; var t3: UInt64 = 0
        var carryA: UInt64 = 0, carryC: UInt64 = 0, m: UInt64 = 0
        // word 0
        (carryA, t0) = a.l0.multipliedFullWidth(by: b.l0)
        m = t0 &* 0xfffffffeffffffff
        carryC = macHigh(t0, m, 0xffffffff00000001)
        (carryA, t1) = mac(0, a.l1, b.l0, carryA)
        (carryC, t0) = mac(t1, m, 0x53bda402fffe5bfe, carryC)
        (carryA, t2) = mac(0, a.l2, b.l0, carryA)
        (carryC, t1) = mac(t2, m, 0x3339d80809a1d805, carryC)
        (carryA, t3) = mac(0, a.l3, b.l0, carryA)
        (carryC, t2) = mac(t3, m, 0x73eda753299d7d48, carryC)
        t3 = carryC &+ carryA
        // word 1
        (carryA, t0) = mac(t0, a.l0, b.l1, 0)
        m = t0 &* 0xfffffffeffffffff
        carryC = macHigh(t0, m, 0xffffffff00000001)
        (carryA, t1) = mac(t1, a.l1, b.l1, carryA)
        (carryC, t0) = mac(t1, m, 0x53bda402fffe5bfe, carryC)
        (carryA, t2) = mac(t2, a.l2, b.l1, carryA)
        (carryC, t1) = mac(t2, m, 0x3339d80809a1d805, carryC)
        (carryA, t3) = mac(t3, a.l3, b.l1, carryA)
        (carryC, t2) = mac(t3, m, 0x73eda753299d7d48, carryC)
        t3 = carryC &+ carryA
        // word 2
        (carryA, t0) = mac(t0, a.l0, b.l2, 0)
        m = t0 &* 0xfffffffeffffffff
        carryC = macHigh(t0, m, 0xffffffff00000001)
        (carryA, t1) = mac(t1, a.l1, b.l2, carryA)
        (carryC, t0) = mac(t1, m, 0x53bda402fffe5bfe, carryC)
        (carryA, t2) = mac(t2, a.l2, b.l2, carryA)
        (carryC, t1) = mac(t2, m, 0x3339d80809a1d805, carryC)
        (carryA, t3) = mac(t3, a.l3, b.l2, carryA)
        (carryC, t2) = mac(t3, m, 0x73eda753299d7d48, carryC)
        t3 = carryC &+ carryA
        // word 3
        (carryA, t0) = mac(t0, a.l0, b.l3, 0)
        m = t0 &* 0xfffffffeffffffff
        carryC = macHigh(t0, m, 0xffffffff00000001)
        (carryA, t1) = mac(t1, a.l1, b.l3, carryA)
        (carryC, t0) = mac(t1, m, 0x53bda402fffe5bfe, carryC)
        (carryA, t2) = mac(t2, a.l2, b.l3, carryA)
        (carryC, t1) = mac(t2, m, 0x3339d80809a1d805, carryC)
        (carryA, t3) = mac(t3, a.l3, b.l3, carryA)
        (carryC, t2) = mac(t3, m, 0x73eda753299d7d48, carryC)
        t3 = carryC &+ carryA
        return Fr(t0, t1, t2, t3).subtractingModulusIfNeeded()
    }

    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    static func == (a: Fr, b: Fr) -> Bool {
        ((a.l0 ^ b.l0) | (a.l1 ^ b.l1) | (a.l2 ^ b.l2) | (a.l3 ^ b.l3)) == 0
    }

    /// The element whose canonical value is `v`.
    init(_ v: UInt64) {
        self = Fr.montgomeryProduct(Fr(v, 0, 0, 0), Fr.r2)
    }

    /// Canonical limbs, least significant first.
    var canonicalLimbs: (UInt64, UInt64, UInt64, UInt64) {
        let c = Fr.montgomeryProduct(self, Fr(1, 0, 0, 0))
        return (c.l0, c.l1, c.l2, c.l3)
    }

    /// Reads 32 big-endian bytes as four limbs (no reduction).
    private static func words<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> (UInt64, UInt64, UInt64, UInt64)
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var w: [UInt64] = [0, 0, 0, 0]
        var i = 0
        for b in bytes {
            let limb = 3 - i / 8
            w[limb] = (w[limb] << 8) | UInt64(b)
            i += 1
        }
        return (w[0], w[1], w[2], w[3])
    }

    /// Decodes 32 big-endian bytes; nil if the length is wrong or the value is >= r.
    init?<Bytes: RandomAccessCollection>(bigEndian bytes: Bytes) where Bytes.Element == UInt8, Bytes.Index == Int {
        guard bytes.count == 32 else { return nil }
        let w = Fr.words(bytes)
        let (_, b0) = subtractWithBorrow(w.0, Fr.p0, 0)
        let (_, b1) = subtractWithBorrow(w.1, Fr.p1, b0)
        let (_, b2) = subtractWithBorrow(w.2, Fr.p2, b1)
        let (_, b3) = subtractWithBorrow(w.3, Fr.p3, b2)
        guard b3 == 1 else { return nil }
        self = Fr.montgomeryProduct(Fr(w.0, w.1, w.2, w.3), Fr.r2)
    }

    /// Reduces a 256-bit big-endian integer (any value) modulo r.
    private static func reducing256(_ bytes: ArraySlice<UInt8>) -> Fr {
        let w = words(bytes)
        // 2^256 < 3r, so at most two conditional subtractions of r are needed;
        // the raw value may exceed the range assumed by subtractingModulusIfNeeded,
        // so subtract with an explicit 5th limb.
        var x = (w.0, w.1, w.2, w.3, UInt64(0))
        for _ in 0..<2 {
            let (s0, b0) = subtractWithBorrow(x.0, Fr.p0, 0)
            let (s1, b1) = subtractWithBorrow(x.1, Fr.p1, b0)
            let (s2, b2) = subtractWithBorrow(x.2, Fr.p2, b1)
            let (s3, b3) = subtractWithBorrow(x.3, Fr.p3, b2)
            let (s4, b4) = subtractWithBorrow(x.4, 0, b3)
            let keep = maskFromBit(b4)
            x = ((x.0 & keep) | (s0 & ~keep), (x.1 & keep) | (s1 & ~keep), (x.2 & keep) | (s2 & ~keep),
                 (x.3 & keep) | (s3 & ~keep), (x.4 & keep) | (s4 & ~keep))
        }
        return Fr.montgomeryProduct(Fr(x.0, x.1, x.2, x.3), Fr.r2)
    }

    /// Reduces a big-endian integer of at most 64 bytes modulo r (used for hash outputs).
    init(reducingBigEndian bytes: [UInt8]) {
        precondition(bytes.count <= 64, "at most 512-bit inputs")
        let padded = [UInt8](repeating: 0, count: 64 - bytes.count) + bytes
        let high = Fr.reducing256(padded[0..<32])
        let low = Fr.reducing256(padded[32..<64])
        self = high * Fr.twoTo256 + low
    }

    /// The canonical value as 32 big-endian bytes.
    var bigEndianBytes: [UInt8] {
        let c = canonicalLimbs
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [c.3, c.2, c.1, c.0] {
            for k in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(k))) }
        }
        return out
    }

    /// `self^(r-2)`, the inverse (0 maps to 0). Operation sequence is value-independent.
    func inverse() -> Fr {
        let e: [UInt64] = [0xfffffffeffffffff, 0x53bda402fffe5bfe, 0x3339d80809a1d805, 0x73eda753299d7d48]
        var result = Fr.one
        for word in e.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result * result
                if (word >> UInt64(bit)) & 1 == 1 { result = result * self }
            }
        }
        return result
    }
}

extension Fr {
    /// A uniformly distributed scalar (512 random bits reduced mod r; bias < 2^-256).
    static func random<G: RandomNumberGenerator>(using rng: inout G) -> Fr {
        var bytes = [UInt8]()
        bytes.reserveCapacity(64)
        for _ in 0..<8 {
            let w = rng.next()
            for k in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(k))) }
        }
        return Fr(reducingBigEndian: bytes)
    }
}
