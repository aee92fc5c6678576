import Crypto
import Foundation

/// Errors reading or writing key material.
public enum KeyFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case malformed(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p): return "cannot read key file \(p)"
        case .malformed(let p, let r): return "malformed key in \(p): \(r)"
        case .writeFailed(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}

/// Text encodings of Ed25519 keys and private key files.
///
/// Guarantees: keys are lowercase hex of their 32 raw bytes; `decode(encode(k))`
/// gives back `k`; private key files are created with mode 0600 before any secret
/// byte is written, and reading rejects anything but exactly one 32-byte key.
public enum KeyFiles {
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of a hex string (either case), or nil if it is not hex.
    public static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    public static func encode(_ key: Curve25519.Signing.PublicKey) -> String { hex(key.rawRepresentation) }

    public static func publicKey(hex text: String) -> Curve25519.Signing.PublicKey? {
        guard let raw = bytes(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    public static func privateKey(hex text: String) -> Curve25519.Signing.PrivateKey? {
        guard let raw = bytes(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else { return nil }
        return try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// Writes `key` to `path` as hex, readable by the owner only (mode 0600).
    public static func writePrivateKey(_ key: Curve25519.Signing.PrivateKey, to path: String) throws(KeyFileError) {
        let text = hex(key.rawRepresentation) + "\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        // An existing file keeps its old mode under O_CREAT; force 0600 before writing.
        guard fchmod(fd, 0o600) == 0 else { throw .writeFailed(path: path, reason: "chmod: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw .writeFailed(path: path, reason: "short write") }
    }

    public static func readPrivateKey(at path: String) throws(KeyFileError) -> Curve25519.Signing.PrivateKey {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else { throw .unreadable(path: path) }
        guard let key = privateKey(hex: String(decoding: data, as: UTF8.self)) else {
            throw .malformed(path: path, reason: "expected 64 hex digits")
        }
        return key
    }
}
