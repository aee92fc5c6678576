// Word-level helpers shared by the Montgomery fields `Fp` and `Fr`.
// All of them are branch-free and compile to plain add/adc/mul sequences.

/// `a + b + carry` with `carry` in {0, 1}; returns the low word and the carry out.
@inline(__always)
func addWithCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let (s1, o1) = a.addingReportingOverflow(b)
    let (s2, o2) = s1.addingReportingOverflow(carry)
    return (s2, bit(o1) | bit(o2))
}

/// `a - b - borrow` with `borrow` in {0, 1}; returns the low word and the borrow out.
@inline(__always)
func subtractWithBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
    let (d1, o1) = a.subtractingReportingOverflow(b)
    let (d2, o2) = d1.subtractingReportingOverflow(borrow)
    return (d2, bit(o1) | bit(o2))
}

/// `acc + x * y + carry` as a (high, low) pair; never overflows 128 bits.
@inline(__always)
func mac(_ acc: UInt64, _ x: UInt64, _ y: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let (hi, lo) = x.multipliedFullWidth(by: y)
    let (l1, o1) = lo.addingReportingOverflow(acc)
    let (l2, o2) = l1.addingReportingOverflow(carry)
    return (hi &+ bit(o1) &+ bit(o2), l2)
}

/// High word of `acc + x * y` (used when the low word is known to vanish).
@inline(__always)
func macHigh(_ acc: UInt64, _ x: UInt64, _ y: UInt64) -> UInt64 {
    let (hi, lo) = x.multipliedFullWidth(by: y)
    let (_, o) = lo.addingReportingOverflow(acc)
    return hi &+ bit(o)
}

/// All-ones when `bit == 1`, zero when `bit == 0`.
@inline(__always)
func maskFromBit(_ bit: UInt64) -> UInt64 {
    0 &- bit
}

/// 1 for true, 0 for false, as a zero-extension (no select, so no branch).
@inline(__always)
func bit(_ b: Bool) -> UInt64 { UInt64(unsafeBitCast(b, to: UInt8.self)) }
