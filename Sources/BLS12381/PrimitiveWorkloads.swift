/// The library's internal primitives (field, pairing, hash-to-curve) as ready-made
/// workloads, for the benchmark target (`Benchmarks/BLS12381Benchmark`): it times
/// them without the field and curve types becoming part of the public API.
///
/// Guarantees: each call returns a closure over fixed inputs that runs the named
/// operation once per call (the field workload: `count` multiplications and
/// additions); the closures do nothing else and never fail on their fixed inputs.
package enum PrimitiveWorkloads {
    /// `count` field multiplications (each followed by one addition) in Fp.
    package static func fpMultiplications(_ count: Int) -> () -> Void {
        var x = Fp(0x1234567), y = Fp(0x89abcdef)
        return { for _ in 0..<count { x = x * y; y = y + x } }
    }

    /// The pairing of the G1 and G2 generators.
    package static func pairing() -> () -> Void {
        let p = G1Point.generator, q = G2Point.generator
        return { _ = Pairing.pairing(p, q) }
    }

    /// A pairing check e(P, Q)·e(−P, Q) = 1 (two Miller loops, one final exponentiation).
    package static func pairingCheck() -> () -> Void {
        let p = G1Point.generator, q = G2Point.generator
        return { precondition(Pairing.multiPairing([(p, q), (-p, q)]).isOne) }
    }

    /// One Miller loop of the generators.
    package static func millerLoop() -> () -> Void {
        let p = G1Point.generator, q = G2Point.generator
        return { _ = Pairing.millerLoop([(p, q)]) }
    }

    /// The final exponentiation of the generators' Miller loop.
    package static func finalExponentiation() -> () -> Void {
        let f = Pairing.millerLoop([(G1Point.generator, G2Point.generator)])
        return { _ = Pairing.finalExponentiation(f) }
    }

    /// Hashing `message` to G2 under the signature domain separation tag.
    package static func hashToG2(_ message: [UInt8]) -> () -> Void {
        { _ = HashToCurve.hashToG2(message: message, dst: BLS12381.signatureDST) }
    }

    /// Hashing `message` to G1 under `dst`.
    package static func hashToG1(_ message: [UInt8], dst: [UInt8]) -> () -> Void {
        { _ = HashToCurve.hashToG1(message: message, dst: dst) }
    }
}
