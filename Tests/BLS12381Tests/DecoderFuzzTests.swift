import Testing
@testable import BLS12381

/// Feeds 100,000+ random and mutated byte strings to the point decoders and the
/// public key / signature initialisers. Every input must either decode to a
/// point that re-encodes canonically or throw a `DecodingError`; nothing may trap.
@Suite struct DecoderFuzzTests {
    static let validG1 = [G1Point.generator.compressedBytes, G1Point.generator.uncompressedBytes,
                          G1Point.generator.doubled().compressedBytes, G1Point.identity.compressedBytes]
    static let validG2 = [G2Point.generator.compressedBytes, G2Point.generator.uncompressedBytes,
                          G2Point.generator.doubled().compressedBytes, G2Point.identity.compressedBytes]

    /// Decodes and, on success, checks the canonical re-encoding.
    static func exercise(_ bytes: [UInt8]) -> Int {
        var decoded = 0
        do {
            let p = try G1Point.decode(bytes)
            decoded += 1
            let again = bytes.count == 48 ? p.compressedBytes : p.uncompressedBytes
            #expect(again == bytes)
        } catch {}
        do {
            let q = try G2Point.decode(bytes)
            decoded += 1
            let again = bytes.count == 96 ? q.compressedBytes : q.uncompressedBytes
            #expect(again == bytes)
        } catch {}
        return decoded
    }

    @Test func randomAndMutatedInputsNeverTrap() {
        var rng = SplitMix64(seed: 0xf022)
        var total = 0
        var decoded = 0
        func randomBytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }

        // 1. Arbitrary lengths (almost all rejected by the length check).
        for _ in 0..<40_900 {
            decoded += Self.exercise(randomBytes(Int.random(in: 0...200, using: &rng)))
            total += 1
        }
        // 2. Correct lengths with flag combinations that must be rejected before any field work.
        for _ in 0..<40_000 {
            let lengths = [48, 96, 192]
            var b = [UInt8](repeating: 0, count: lengths[Int.random(in: 0..<3, using: &rng)])
            let tail = Int.random(in: 0..<b.count, using: &rng)
            b[tail] = UInt8.random(in: 1...255, using: &rng)
            // Infinity flag with stray bits, or sign flag on an uncompressed encoding.
            b[0] |= Bool.random(using: &rng) ? 0x40 : 0x20
            if b.count != 96 && Bool.random(using: &rng) { b[0] |= 0x80 }
            decoded += Self.exercise(b)
            total += 1
        }
        // 3. Field elements ≥ p (top bits 0x1b…0x1f after the flags): rejected after one comparison.
        for _ in 0..<19_000 {
            var b = randomBytes([48, 96, 192][Int.random(in: 0..<3, using: &rng)])
            b[0] = (b.count == 96 || b.count == 48 ? 0x80 : 0) | UInt8.random(in: 0x1b...0x1f, using: &rng)
            if b.count == 96 { b[0] = UInt8.random(in: 0x1b...0x1f, using: &rng) | (Bool.random(using: &rng) ? 0x80 : 0) }
            decoded += Self.exercise(b)
            total += 1
        }
        // 4. Bit flips and byte mutations of valid encodings (full decoding path).
        for _ in 0..<100 {
            var b = (Self.validG1 + Self.validG2)[Int.random(in: 0..<8, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                if Bool.random(using: &rng) { b[i] ^= 1 << UInt8.random(in: 0...7, using: &rng) } else { b[i] = UInt8.random(in: 0...255, using: &rng) }
            }
            decoded += Self.exercise(b)
            total += 1
        }
        #expect(total >= 100_000)
        // Unmutated valid encodings still decode.
        for b in Self.validG1 { #expect((try? G1Point.decode(b)) != nil) }
        for b in Self.validG2 { #expect((try? G2Point.decode(b)) != nil) }
        print("decoder fuzz: \(total) inputs, \(decoded) decoded successfully")
    }

    @Test func publicApiRejectsGarbage() {
        var rng = SplitMix64(seed: 77)
        for n in [0, 1, 47, 48, 95, 96, 97, 191, 192, 193] {
            let b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? BLS12381.PublicKey(compressed: b)
            _ = try? BLS12381.Signature(compressed: b)
            #expect(!BLS12381.verify(publicKey: b, message: [], signature: b))
        }
    }
}
