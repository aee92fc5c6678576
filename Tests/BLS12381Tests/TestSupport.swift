@testable import BLS12381

/// Deterministic SplitMix64 generator for reproducible tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}

func hex(_ s: String) -> [UInt8] {
    var out = [UInt8]()
    var it = s.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: fatalError("bad hex")
        }
    }
    while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
    return out
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

extension Fp {
    static func random<G: RandomNumberGenerator>(using g: inout G) -> Fp {
        Fp(canonical: g.next(), g.next(), g.next(), g.next(), g.next(), g.next() & 0x0fff_ffff_ffff_ffff)!
    }
}

extension Fp2 {
    static func random<G: RandomNumberGenerator>(using g: inout G) -> Fp2 { Fp2(.random(using: &g), .random(using: &g)) }
}

extension Fp6 {
    static func random<G: RandomNumberGenerator>(using g: inout G) -> Fp6 {
        Fp6(.random(using: &g), .random(using: &g), .random(using: &g))
    }
}

extension Fp12 {
    static func random<G: RandomNumberGenerator>(using g: inout G) -> Fp12 { Fp12(.random(using: &g), .random(using: &g)) }
}

extension Fr {
    static func random<G: RandomNumberGenerator>(using g: inout G) -> Fr {
        var bytes = [UInt8]()
        for _ in 0..<8 { let w = g.next(); for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * k))) } }
        return Fr(reducingBigEndian: bytes)
    }
}
