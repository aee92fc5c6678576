import Crypto
import Foundation

/// ChaCha20-Poly1305 sealing of the frames of one direction of a channel: frames
/// are encrypted as well as authenticated.
///
/// Guarantees: a sealed frame is the ciphertext followed by a 16-byte tag; the nonce
/// is the frame's 64-bit counter (four zero bytes, then the counter big-endian), so
/// under one key no nonce repeats (one key per direction per channel, and a channel
/// ends long before 2^64 frames) and a frame cannot be forged, replayed, reordered or
/// dropped without `open` failing; the keys come from the same HKDF as `ChannelMAC`'s,
/// with their own labels, so MAC and cipher keys are independent.
public struct ChannelCipher: @unchecked Sendable {
    public static let tagByteCount = 16
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    static func nonce(_ counter: UInt64) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[4 + i] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(i))) }
        // A 12-byte nonce is always valid.
        return try! ChaChaPoly.Nonce(data: bytes)
    }

    /// Frame number `counter` with this plaintext, sealed: ciphertext then tag.
    public func seal(counter: UInt64, _ plaintext: UnsafeRawBufferPointer) -> [UInt8] {
        guard let box = try? ChaChaPoly.seal(plaintext, using: key, nonce: Self.nonce(counter)) else {
            preconditionFailure("ChaCha20-Poly1305 sealing failed with a valid key and nonce")
        }
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// The plaintext of sealed frame number `counter`, or nil if it does not authenticate.
    public func open(counter: UInt64, _ sealed: UnsafeRawBufferPointer) -> [UInt8]? {
        guard sealed.count >= Self.tagByteCount else { return nil }
        let split = sealed.count - Self.tagByteCount
        guard let box = try? ChaChaPoly.SealedBox(nonce: Self.nonce(counter),
                                                  ciphertext: UnsafeRawBufferPointer(rebasing: sealed[..<split]),
                                                  tag: UnsafeRawBufferPointer(rebasing: sealed[split...])),
              let plaintext = try? ChaChaPoly.open(box, using: key) else { return nil }
        return Array(plaintext)
    }

    /// The two directional cipher keys of a channel (see `ChannelMAC.directionalKeys`).
    public static func directionalKeys(sharedSecret: SharedSecret, transcriptHash: [UInt8])
        -> (initiatorToResponder: ChannelCipher, responderToInitiator: ChannelCipher) {
        func key(_ label: String) -> ChannelCipher {
            ChannelCipher(key: sharedSecret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: transcriptHash,
                                                                    sharedInfo: Array(label.utf8), outputByteCount: 32))
        }
        return (key("dqbft-aead-v1 initiator->responder"), key("dqbft-aead-v1 responder->initiator"))
    }
}
