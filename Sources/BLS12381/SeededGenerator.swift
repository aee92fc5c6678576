import Crypto

extension BLS12381 {
    /// A deterministic random number generator: SHA-256 in counter mode over a seed.
    ///
    /// Guarantees: the same seed always yields the same stream on every
    /// platform, so dealer runs and simulations are reproducible. Its output is
    /// only as unpredictable as the seed; use a seed with at least 256 bits of
    /// entropy (or `SystemRandomNumberGenerator`) for real keys.
    public struct SeededGenerator: RandomNumberGenerator, Sendable {
        private let seed: [UInt8]
        private var counter: UInt64 = 0
        private var buffer: [UInt64] = []

        public init(seed: [UInt8]) { self.seed = seed }

        public mutating func next() -> UInt64 {
            if buffer.isEmpty {
                var h = SHA256()
                h.update(data: Array("DQBFT-BLS-SEEDED-GENERATOR".utf8))
                h.update(data: seed)
                h.update(data: withUnsafeBytes(of: counter.bigEndian) { Array($0) })
                counter &+= 1
                let digest = Array(h.finalize())
                for i in stride(from: 24, through: 0, by: -8) {
                    var w: UInt64 = 0
                    for k in 0..<8 { w = (w << 8) | UInt64(digest[i + k]) }
                    buffer.append(w)
                }
            }
            return buffer.removeLast()
        }
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

    /// Inverts every element with one field inversion (Montgomery's trick). Inputs must be non-zero.
    static func batchInverse(_ values: [Fr]) -> [Fr] {
        guard !values.isEmpty else { return [] }
        var prefix = [Fr](repeating: .one, count: values.count)
        var acc = Fr.one
        for i in 0..<values.count {
            prefix[i] = acc
            acc = acc * values[i]
        }
        var inv = acc.inverse()
        var out = [Fr](repeating: .zero, count: values.count)
        for i in stride(from: values.count - 1, through: 0, by: -1) {
            out[i] = inv * prefix[i]
            inv = inv * values[i]
        }
        return out
    }
}
