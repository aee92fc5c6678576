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
