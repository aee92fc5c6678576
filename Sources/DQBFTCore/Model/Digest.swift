import Crypto
import Foundation  // DataProtocol only; the core does no I/O.

/// A SHA-256 digest stored inline as four words (no heap allocation), so it can be
/// hashed and compared cheaply in hot protocol paths.
///
/// Guarantees: `Digest.of(bytes)` is SHA-256; `bytes` round-trips through `init(bytes:)`.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    @inlinable public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    public static let zero = Digest(w0: 0, w1: 0, w2: 0, w3: 0)
    public static let byteCount = 32

    /// SHA-256 of `bytes`.
    public static func of<D: DataProtocol>(_ bytes: D) -> Digest {
        Digest(SHA256.hash(data: bytes))
    }

    /// SHA-256 of the concatenation of the given parts, without copying them together.
    public static func of(parts: [[UInt8]]) -> Digest {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Digest(hasher.finalize())
    }

    init(_ d: SHA256.Digest) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        d.withUnsafeBytes { raw in
            words.0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            words.1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            words.2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            words.3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Builds a digest from exactly 32 big-endian bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var w = [UInt64](repeating: 0, count: 4)
        for (i, b) in bytes.enumerated() { w[i / 8] = (w[i / 8] << 8) | UInt64(b) }
        self.init(w0: w[0], w1: w[1], w2: w[2], w3: w[3])
    }

    /// The 32 big-endian bytes of the digest.
    public var bytes: [UInt8] {
        var be = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return withUnsafeBytes(of: &be) { Array($0) }
    }

    /// Combines two digests into one (SHA-256 of their concatenation), without allocating.
    public func chained(with other: Digest) -> Digest {
        var hasher = SHA256()
        var be = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian,
                  other.w0.bigEndian, other.w1.bigEndian, other.w2.bigEndian, other.w3.bigEndian)
        withUnsafeBytes(of: &be) { hasher.update(bufferPointer: $0) }
        return Digest(hasher.finalize())
    }

    /// SHA-256 of one domain byte followed by two digests (Merkle inner nodes).
    public static func joined(_ domain: UInt8, _ a: Digest, _ b: Digest) -> Digest {
        var hasher = SHA256()
        var tag = domain
        withUnsafeBytes(of: &tag) { hasher.update(bufferPointer: $0) }
        var be = (a.w0.bigEndian, a.w1.bigEndian, a.w2.bigEndian, a.w3.bigEndian,
                  b.w0.bigEndian, b.w1.bigEndian, b.w2.bigEndian, b.w3.bigEndian)
        withUnsafeBytes(of: &be) { hasher.update(bufferPointer: $0) }
        return Digest(hasher.finalize())
    }

    public var description: String {
        String(w0, radix: 16).leftPadded(16) + String(w1 >> 32, radix: 16).leftPadded(8)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
