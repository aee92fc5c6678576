import Crypto

/// RFC 9380 §5.3.1 `expand_message_xmd` with SHA-256 and §5.2 `hash_to_field`
/// for GF(p) and GF(p²) with L = 64.
///
/// Guarantees: byte-exact with RFC 9380 (including the oversize-DST rule of
/// §5.3.3); inputs outside the RFC's limits are rejected with a precondition
/// failure rather than silently truncated.
enum ExpandMessage {
    /// Shortens a domain separation tag longer than 255 bytes as in RFC 9380 §5.3.3.
    static func normalizedDST(_ dst: [UInt8]) -> [UInt8] {
        guard dst.count > 255 else { return dst }
        var h = SHA256()
        h.update(data: Array("H2C-OVERSIZE-DST-".utf8))
        h.update(data: dst)
        return Array(h.finalize())
    }

    static func xmd(message: [UInt8], dst rawDST: [UInt8], length: Int) -> [UInt8] {
        let dst = normalizedDST(rawDST)
        let ell = (length + 31) / 32
        precondition(ell <= 255 && length <= 65535 && length > 0, "expand_message_xmd: length out of range")
        let dstPrime = dst + [UInt8(dst.count)]
        var h0 = SHA256()
        h0.update(data: [UInt8](repeating: 0, count: 64))
        h0.update(data: message)
        h0.update(data: [UInt8(length >> 8), UInt8(length & 0xff), 0])
        h0.update(data: dstPrime)
        let b0 = Array(h0.finalize())
        var h1 = SHA256()
        h1.update(data: b0)
        h1.update(data: [1])
        h1.update(data: dstPrime)
        var previous = Array(h1.finalize())
        var output = previous
        output.reserveCapacity(ell * 32)
        if ell >= 2 {
            for i in 2...ell {
                var mixed = [UInt8](repeating: 0, count: 32)
                for k in 0..<32 { mixed[k] = b0[k] ^ previous[k] }
                var hi = SHA256()
                hi.update(data: mixed)
                hi.update(data: [UInt8(i)])
                hi.update(data: dstPrime)
                previous = Array(hi.finalize())
                output += previous
            }
        }
        return Array(output.prefix(length))
    }

    /// 2^256 mod p in Montgomery form.
    private static let twoTo256 = Fp(0x075b3cd7c5ce820f, 0x3ec6ba621c3edb0b, 0x168a13d82bff6bce,
                                     0x87663c4bf8c449d2, 0x15f34c83ddc8d830, 0x0f9628b49caa2e85)

    /// Reduces a 64-byte big-endian integer modulo p.
    static func reduceToFp(_ bytes: ArraySlice<UInt8>) -> Fp {
        precondition(bytes.count == 64)
        func word(_ at: Int) -> UInt64 {
            var w: UInt64 = 0
            for k in 0..<8 { w = (w << 8) | UInt64(bytes[bytes.startIndex + at + k]) }
            return w
        }
        // value = hi·2^256 + lo with hi, lo < 2^256 < p.
        let hi = Fp(canonical: word(24), word(16), word(8), word(0), 0, 0)!
        let lo = Fp(canonical: word(56), word(48), word(40), word(32), 0, 0)!
        return hi * twoTo256 + lo
    }

    /// hash_to_field(msg, 2) for GF(p).
    static func hashToFp(message: [UInt8], dst: [UInt8]) -> (Fp, Fp) {
        let bytes = xmd(message: message, dst: dst, length: 128)
        return (reduceToFp(bytes[0..<64]), reduceToFp(bytes[64..<128]))
    }

    /// hash_to_field(msg, 2) for GF(p²).
    static func hashToFp2(message: [UInt8], dst: [UInt8]) -> (Fp2, Fp2) {
        let bytes = xmd(message: message, dst: dst, length: 256)
        return (Fp2(reduceToFp(bytes[0..<64]), reduceToFp(bytes[64..<128])),
                Fp2(reduceToFp(bytes[128..<192]), reduceToFp(bytes[192..<256])))
    }
}
