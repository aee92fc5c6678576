import Crypto
import DQBFTCore
import Foundation

/// Signs as one replica with its Ed25519 private key (RFC 8032, via swift-crypto).
///
/// Guarantees: only the holder of the private key of replica `me` can produce a
/// signature that `Ed25519Verifier.verify(_:of:by: me)` accepts; signatures are
/// always `Ed25519Verifier.signatureByteCount` bytes long. (`@unchecked Sendable`:
/// the key is an immutable value; swift-crypto does not mark it Sendable on Linux.)
public struct Ed25519Signer: ReplicaSigner, @unchecked Sendable {
    public let me: ReplicaID
    let key: Curve25519.Signing.PrivateKey

    public init(me: ReplicaID, privateKey: Curve25519.Signing.PrivateKey) {
        self.me = me
        self.key = privateKey
    }

    /// The public key peers verify this signer's signatures with.
    public var publicKey: Curve25519.Signing.PublicKey { key.publicKey }

    public func sign(_ message: [UInt8]) -> [UInt8] {
        // swift-crypto only throws here on an internal BoringSSL failure, which a
        // replica cannot recover from: signing with a valid key must not fail.
        guard let signature = try? key.signature(for: message) else {
            preconditionFailure("Ed25519 signing failed with a valid key")
        }
        return Array(signature)
    }
}

/// Verifies Ed25519 signatures of every replica of a cluster, from the public keys
/// in the cluster configuration.
///
/// Guarantees: pure and thread-safe; a signature by a replica id outside the key
/// list, of the wrong length, or not made by that replica's key is rejected.
public struct Ed25519Verifier: SignatureVerifier, @unchecked Sendable {
    public static let signatureByteCount = 64
    let keys: [Curve25519.Signing.PublicKey]

    /// `publicKeys[i]` is the key of replica `i`.
    public init(publicKeys: [Curve25519.Signing.PublicKey]) {
        self.keys = publicKeys
    }

    public var signatureSize: Int { Self.signatureByteCount }

    public func verify(_ signature: [UInt8], of message: [UInt8], by signer: ReplicaID) -> Bool {
        guard signer.index < keys.count, signature.count == Self.signatureByteCount else { return false }
        return keys[signer.index].isValidSignature(signature, for: message)
    }

    /// The public key of `replica`, if it is part of the cluster.
    public func publicKey(of replica: ReplicaID) -> Curve25519.Signing.PublicKey? {
        replica.index < keys.count ? keys[replica.index] : nil
    }
}
