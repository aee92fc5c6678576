import Crypto
import DQBFTCore
import Foundation

/// A client's Ed25519 identity: the key that owns its client ids and signs its requests.
///
/// Guarantees: `idBase` is `ClientSignature.idBase(of:)` of this key, so every id in
/// `idBase ..< idBase + ClientSignature.idsPerKey` is this key's alone; `sign` returns
/// the request with a signature `Ed25519ClientVerifier` accepts. (`@unchecked
/// Sendable`: the key is an immutable value; swift-crypto does not mark it Sendable
/// on Linux.)
public struct ClientSigningKey: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey
    public let publicKey: [UInt8]
    public let idBase: ClientID

    /// A fresh random key.
    public init() { self.init(key: Curve25519.Signing.PrivateKey()) }

    /// The key in a private key file written by `write(to:)` (or `KeyFiles`).
    public init(readingFileAt path: String) throws(KeyFileError) {
        self.init(key: try KeyFiles.readPrivateKey(at: path))
    }

    /// Writes the private key to `path` (hex, mode 0600, fsynced).
    public func write(to path: String) throws(KeyFileError) {
        try KeyFiles.writePrivateKey(key, to: path)
    }

    /// The key with these 32 raw private-key bytes; nil if they are not a key.
    public init?(rawRepresentation bytes: [UInt8]) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else { return nil }
        self.init(key: key)
    }

    init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        publicKey = Array(key.publicKey.rawRepresentation)
        idBase = ClientSignature.idBase(of: publicKey)
    }

    /// This key's Ed25519 signature of `bytes` (the channel handshake's transcript;
    /// its domain tag keeps it from ever being a request signature).
    public func signature(for bytes: [UInt8]) -> [UInt8] {
        guard let signature = try? key.signature(for: bytes) else { preconditionFailure("Ed25519 signing failed with a valid key") }
        return Array(signature)
    }

    /// `request` signed by this key (its client id must be one this key owns).
    public func sign(_ request: ClientRequest) -> ClientRequest {
        precondition(ClientSignature.idBase(owning: request.client) == idBase, "client id \(request.client) is not owned by this key")
        guard let signature = try? key.signature(for: request.signedBytes) else {
            preconditionFailure("Ed25519 signing failed with a valid key")
        }
        var signed = request
        signed.signature = ClientSignature(publicKey: publicKey, signature: Array(signature))
        return signed
    }
}

/// Verifies clients' Ed25519 request signatures (RFC 8032, via swift-crypto) and
/// remembers the last `capacity` signatures it accepted, keyed by the hash of key,
/// signature and message: a request seen again — a flooded copy of a proposal, a
/// client's retransmission, the proposal of a request that came from its client —
/// costs one SHA-256 instead of a verification (about 0.13 ms).
///
/// Guarantees: thread-safe; accepts only signatures that verified (a cache hit
/// needs the same key, signature and message bytes); keys or signatures of the
/// wrong length are rejected; memory is bounded by `capacity` digests.
public final class Ed25519ClientVerifier: ClientSignatureVerifier, @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    private var accepted = Set<DQBFTCore.Digest>()
    private var ring: [DQBFTCore.Digest] = []
    private var next = 0

    public init(capacity: Int = 1 << 16) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Signatures remembered now (at most `capacity`).
    var cachedCount: Int { lock.withLock { accepted.count } }

    public func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == ClientSignature.signatureBytes, publicKey.count == ClientSignature.publicKeyBytes else { return false }
        let fingerprint = DQBFTCore.Digest.of(parts: [publicKey, signature, message])
        if lock.withLock({ accepted.contains(fingerprint) }) { return true }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
              key.isValidSignature(signature, for: message) else { return false }
        lock.withLock {
            guard accepted.insert(fingerprint).inserted else { return }
            if ring.count < capacity {
                ring.append(fingerprint)
            } else {
                accepted.remove(ring[next])
                ring[next] = fingerprint
                next = (next + 1) % capacity
            }
        }
        return true
    }
}
