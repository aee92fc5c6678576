extension BLS12381 {
    /// Why a byte string was rejected as a G1/G2 point encoding.
    ///
    /// Guarantees: every decoding failure maps to exactly one of these cases;
    /// decoders never trap on malformed input.
    public enum DecodingError: Error, Equatable, Sendable {
        /// The byte count is not one of the lengths the encoding allows.
        case wrongLength(expected: [Int], actual: Int)
        /// The compression/infinity/sign flag bits are inconsistent with the length or each other.
        case invalidFlags
        /// A coordinate (or a GF(p) component of one) is not below p.
        case coordinateNotInField
        /// The coordinates do not satisfy the curve equation (or no y exists for x).
        case notOnCurve
        /// The point is on the curve but not in the order-r subgroup.
        case notInSubgroup
        /// The infinity flag is set but other bits are non-zero.
        case invalidInfinity
    }
}

private let compressionFlag: UInt8 = 0x80
private let infinityFlag: UInt8 = 0x40
private let signFlag: UInt8 = 0x20

/// Validates the flag byte and returns (isInfinity, sign) after checking the
/// ZCash rules shared by G1 and G2; `compressed` is implied by the length.
private func readFlags(_ bytes: [UInt8], compressed: Bool) throws(BLS12381.DecodingError) -> (infinity: Bool, sign: Bool) {
    let flags = bytes[0]
    let c = flags & compressionFlag != 0
    let i = flags & infinityFlag != 0
    let s = flags & signFlag != 0
    guard c == compressed else { throw .invalidFlags }
    if i {
        guard !s else { throw .invalidInfinity }
        guard flags & 0x1f == 0, bytes.dropFirst().allSatisfy({ $0 == 0 }) else { throw .invalidInfinity }
        return (true, false)
    }
    if !compressed && s { throw .invalidFlags }
    return (false, s)
}

/// The 48-byte field element at `offset`, with the flag bits cleared on the first one.
private func readFp(_ bytes: [UInt8], at offset: Int, clearFlags: Bool) throws(BLS12381.DecodingError) -> Fp {
    var chunk = Array(bytes[offset..<offset + 48])
    if clearFlags { chunk[0] &= 0x1f }
    guard let v = Fp(bigEndian: chunk) else { throw .coordinateNotInField }
    return v
}

extension ProjectivePoint where F == Fp {
    /// ZCash compressed encoding (48 bytes).
    var compressedBytes: [UInt8] {
        guard let a = affine else { return [compressionFlag | infinityFlag] + [UInt8](repeating: 0, count: 47) }
        var out = a.x.bigEndianBytes
        out[0] |= compressionFlag | (a.y.isLexicographicallyLargest ? signFlag : 0)
        return out
    }

    /// ZCash uncompressed encoding (96 bytes).
    var uncompressedBytes: [UInt8] {
        guard let a = affine else { return [infinityFlag] + [UInt8](repeating: 0, count: 95) }
        return a.x.bigEndianBytes + a.y.bigEndianBytes
    }

    /// Decodes a 48-byte compressed or 96-byte uncompressed encoding, checking
    /// field range, curve equation and (unless disabled) subgroup membership.
    static func decode(_ bytes: [UInt8], checkSubgroup: Bool = true) throws(BLS12381.DecodingError) -> G1Point {
        guard bytes.count == 48 || bytes.count == 96 else { throw .wrongLength(expected: [48, 96], actual: bytes.count) }
        let compressed = bytes.count == 48
        let (infinity, sign) = try readFlags(bytes, compressed: compressed)
        if infinity { return .identity }
        let x = try readFp(bytes, at: 0, clearFlags: true)
        let point: G1Point
        if compressed {
            let rhs = x.squared() * x + Fp.curveB
            guard var y = rhs.squareRoot() else { throw .notOnCurve }
            if y.isLexicographicallyLargest != sign { y = -y }
            point = G1Point(affineX: x, affineY: y)
        } else {
            let y = try readFp(bytes, at: 48, clearFlags: false)
            point = G1Point(affineX: x, affineY: y)
            guard point.isOnCurve else { throw .notOnCurve }
        }
        if checkSubgroup && !point.isInSubgroup { throw .notInSubgroup }
        return point
    }
}

extension ProjectivePoint where F == Fp2 {
    /// ZCash compressed encoding (96 bytes: x.c1 ‖ x.c0 with flags).
    var compressedBytes: [UInt8] {
        guard let a = affine else { return [compressionFlag | infinityFlag] + [UInt8](repeating: 0, count: 95) }
        var out = a.x.c1.bigEndianBytes + a.x.c0.bigEndianBytes
        out[0] |= compressionFlag | (a.y.isLexicographicallyLargest ? signFlag : 0)
        return out
    }

    /// ZCash uncompressed encoding (192 bytes: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0).
    var uncompressedBytes: [UInt8] {
        guard let a = affine else { return [infinityFlag] + [UInt8](repeating: 0, count: 191) }
        return a.x.c1.bigEndianBytes + a.x.c0.bigEndianBytes + a.y.c1.bigEndianBytes + a.y.c0.bigEndianBytes
    }

    /// Decodes a 96-byte compressed or 192-byte uncompressed encoding, checking
    /// field range, curve equation and (unless disabled) subgroup membership.
    static func decode(_ bytes: [UInt8], checkSubgroup: Bool = true) throws(BLS12381.DecodingError) -> G2Point {
        guard bytes.count == 96 || bytes.count == 192 else { throw .wrongLength(expected: [96, 192], actual: bytes.count) }
        let compressed = bytes.count == 96
        let (infinity, sign) = try readFlags(bytes, compressed: compressed)
        if infinity { return .identity }
        let x = Fp2(try readFp(bytes, at: 48, clearFlags: false), try readFp(bytes, at: 0, clearFlags: true))
        let point: G2Point
        if compressed {
            let rhs = x.squared() * x + Fp2.curveB
            guard var y = rhs.squareRoot() else { throw .notOnCurve }
            if y.isLexicographicallyLargest != sign { y = -y }
            point = G2Point(affineX: x, affineY: y)
        } else {
            let y = Fp2(try readFp(bytes, at: 144, clearFlags: false), try readFp(bytes, at: 96, clearFlags: false))
            point = G2Point(affineX: x, affineY: y)
            guard point.isOnCurve else { throw .notOnCurve }
        }
        if checkSubgroup && !point.isInSubgroup { throw .notInSubgroup }
        return point
    }
}
