/// Micro-benchmarks of the BLS12-381 primitives, for the CLI and for
/// comparisons against other libraries (see Scripts/bls/compare-blst.sh).
///
/// Guarantees: deterministic inputs (fixed seeds), each operation timed
/// `iterations` times after one warm-up run, and the median reported in
/// microseconds. Run it from a release build; debug timings are meaningless.
public enum BLSBenchmark {
    /// One measured operation.
    public struct Result: Sendable, CustomStringConvertible {
        public let name: String
        public let medianMicroseconds: Double
        public let iterations: Int
        public var description: String {
            let value = (medianMicroseconds * 10).rounded() / 10
            return "\(name): \(value) µs (median of \(iterations))"
        }
    }

    /// Times one closure and returns the median in microseconds.
    public static func measure(_ name: String, iterations: Int, _ body: () -> Void) -> Result {
        body()
        let clock = ContinuousClock()
        var samples = [Double]()
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) {
            let d = clock.measure(body)
            samples.append(Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
        }
        samples.sort()
        return Result(name: name, medianMicroseconds: samples[samples.count / 2], iterations: samples.count)
    }

    /// Runs the standard suite: field multiplication, pairing, hash-to-G2, sign,
    /// verify, decoding, and the 49-share paths (FastAggregateVerify over 49 keys,
    /// and threshold combination of 49 shares followed by one verification).
    public static func run(iterations: Int = 20, shares: Int = 49) -> [Result] {
        var results = [Result]()
        var rng = BLS12381.SeededGenerator(seed: Array("bls-benchmark".utf8))
        let message = Array("benchmark message".utf8)
        let sk = try! BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: 1, count: 32))
        let pk = sk.publicKey
        let sig = sk.sign(message)

        var x = Fp(0x1234567), y = Fp(0x89abcdef)
        results.append(measure("Fp multiplication x1000", iterations: iterations) {
            for _ in 0..<1000 { x = x * y; y = y + x }
        })
        let p = G1Point.generator, q = G2Point.generator
        results.append(measure("pairing", iterations: iterations) { _ = Pairing.pairing(p, q) })
        results.append(measure("Miller loop", iterations: iterations) { _ = Pairing.millerLoop([(p, q)]) })
        let f = Pairing.millerLoop([(p, q)])
        results.append(measure("final exponentiation", iterations: iterations) { _ = Pairing.finalExponentiation(f) })
        results.append(measure("hash-to-G2", iterations: iterations) {
            _ = HashToCurve.hashToG2(message: message, dst: BLS12381.signatureDST)
        })
        results.append(measure("hash-to-G1", iterations: iterations) {
            _ = HashToCurve.hashToG1(message: message, dst: Array("QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_".utf8))
        })
        results.append(measure("sign", iterations: iterations) { _ = sk.sign(message) })
        results.append(measure("verify", iterations: iterations) {
            precondition(BLS12381.verify(publicKey: pk, message: message, signature: sig))
        })
        results.append(measure("public key decode (G1, with subgroup check)", iterations: iterations) {
            _ = try! BLS12381.PublicKey(compressed: pk.compressed)
        })
        results.append(measure("signature decode (G2, with subgroup check)", iterations: iterations) {
            _ = try! BLS12381.Signature(compressed: sig.compressed)
        })

        let signers = (0..<shares).map { i in try! BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: UInt8(i & 0xff), count: 32) + [UInt8(i >> 8)]) }
        let keys = signers.map(\.publicKey)
        let sigs = signers.map { $0.sign(message) }
        results.append(measure("aggregate \(shares) signatures + FastAggregateVerify", iterations: iterations) {
            let agg = BLS12381.Signature.aggregate(sigs)!
            precondition(BLS12381.fastAggregateVerify(publicKeys: keys, message: message, signature: agg))
        })

        let (keySet, keyShares) = try! BLS12381.ThresholdDealer.deal(threshold: shares, participants: shares + shares / 2, using: &rng)
        let sigShares = keyShares.prefix(shares).map { $0.sign(message) }
        let combiner = BLS12381.ThresholdCombiner(keySet: keySet)
        results.append(measure("threshold combine \(shares) shares", iterations: iterations) {
            _ = try! combiner.combine(sigShares)
        })
        results.append(measure("threshold combine \(shares) shares + verify (optimistic)", iterations: iterations) {
            guard case .combined = try! combiner.combineOptimistically(sigShares, message: message) else { fatalError() }
        })
        return results
    }
}
