#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BLS12381

/// Micro-benchmarks of the BLS12-381 primitives, for the CLI (`dqbft crypto-bench`)
/// and for comparisons against other libraries (see Scripts/bls/compare-blst.sh).
/// It lives outside the library target so that timing code never ships in it;
/// internal primitives are reached through `PrimitiveWorkloads`.
///
/// Guarantees: deterministic inputs (fixed seeds), each operation timed
/// `iterations` times after one warm-up run, and the median reported in
/// microseconds. Run it from a release build; debug timings are meaningless.
public enum BLSBenchmark {
    /// One measured operation.
    ///
    /// Guarantees: both medians come from the same `iterations` runs of the operation.
    public struct Result: Sendable, CustomStringConvertible {
        public let name: String
        /// Median wall-clock time.
        public let medianMicroseconds: Double
        /// Median CPU time of the measuring thread (robust against a loaded machine).
        public let medianCPUMicroseconds: Double
        public let iterations: Int
        public var description: String {
            let wall = (medianMicroseconds * 10).rounded() / 10
            let cpu = (medianCPUMicroseconds * 10).rounded() / 10
            return "\(name): \(wall) µs wall, \(cpu) µs CPU (median of \(iterations))"
        }
    }

    /// CPU time consumed by the calling thread, in microseconds.
    static func threadCPUMicroseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
    }

    /// Times one closure and returns the median in microseconds.
    public static func measure(_ name: String, iterations: Int, _ body: () -> Void) -> Result {
        body()
        let clock = ContinuousClock()
        var samples = [Double]()
        var cpuSamples = [Double]()
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) {
            let cpuStart = threadCPUMicroseconds()
            let d = clock.measure(body)
            cpuSamples.append(threadCPUMicroseconds() - cpuStart)
            samples.append(Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
        }
        samples.sort()
        cpuSamples.sort()
        return Result(name: name, medianMicroseconds: samples[samples.count / 2],
                      medianCPUMicroseconds: cpuSamples[cpuSamples.count / 2], iterations: samples.count)
    }

    /// Runs the standard suite: field multiplication, pairing, hash-to-G2, sign,
    /// verify, decoding, and the 49-share paths (FastAggregateVerify over 49 keys,
    /// and threshold combination of 49 shares followed by one verification).
    public static func run(iterations: Int = 20, shares: Int = 49) -> [Result] {
        cases(shares: shares).map { measure($0.name, iterations: iterations, $0.body) }
    }

    /// The operations `run` measures, in order, with their fixed inputs already
    /// prepared; useful for profilers that count instructions of one operation.
    public static func cases(shares: Int = 49) -> [(name: String, body: () -> Void)] {
        var cases = [(name: String, body: () -> Void)]()
        func add(_ name: String, _ body: @escaping () -> Void) { cases.append((name, body)) }
        var rng = BLS12381.SeededGenerator(seed: Array("bls-benchmark".utf8))
        let message = Array("benchmark message".utf8)
        let sk = try! BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: 1, count: 32))
        let pk = sk.publicKey
        let sig = sk.sign(message)

        add("Fp multiplication x1000", PrimitiveWorkloads.fpMultiplications(1000))
        add("pairing", PrimitiveWorkloads.pairing())
        add("pairing check (2 Miller loops + final exp)", PrimitiveWorkloads.pairingCheck())
        add("Miller loop", PrimitiveWorkloads.millerLoop())
        add("final exponentiation", PrimitiveWorkloads.finalExponentiation())
        add("hash-to-G2", PrimitiveWorkloads.hashToG2(message))
        add("hash-to-G1", PrimitiveWorkloads.hashToG1(
            message, dst: Array("QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_".utf8)))
        add("sign") { _ = sk.sign(message) }
        add("verify") {
            precondition(BLS12381.verify(publicKey: pk, message: message, signature: sig))
        }
        add("public key decode (G1, with subgroup check)") {
            _ = try! BLS12381.PublicKey(compressed: pk.compressed)
        }
        add("signature decode (G2, with subgroup check)") {
            _ = try! BLS12381.Signature(compressed: sig.compressed)
        }

        let signers = (0..<shares).map { i in try! BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: UInt8(i & 0xff), count: 32) + [UInt8(i >> 8)]) }
        let keys = signers.map(\.publicKey)
        let sigs = signers.map { try! BLS12381.Signature(compressed: $0.sign(message).compressed) }
        add("aggregate \(shares) signatures + FastAggregateVerify") {
            let agg = BLS12381.Signature.aggregate(sigs)!
            precondition(BLS12381.fastAggregateVerify(publicKeys: keys, message: message, signature: agg))
        }

        let (keySet, keyShares) = try! BLS12381.ThresholdDealer.deal(threshold: shares, participants: shares + shares / 2, using: &rng)
        // Shares as a combiner receives them: decoded from the wire (affine points).
        let sigShares = keyShares.prefix(shares).map {
            let share = $0.sign(message)
            return try! BLS12381.SignatureShare(index: share.index, compressed: share.signature.compressed)
        }
        let combiner = BLS12381.ThresholdCombiner(keySet: keySet)
        add("threshold combine \(shares) shares") {
            _ = try! combiner.combine(sigShares)
        }
        add("threshold combine \(shares) shares + verify (optimistic)") {
            guard case .combined = try! combiner.combineOptimistically(sigShares, message: message) else { fatalError() }
        }
        return cases
    }
}
