import Crypto
import DQBFTCrypto
import NIOCore

/// How an established channel protects each frame, per direction: an HMAC-SHA256
/// tag (`ChannelMAC`: integrity only), or ChaCha20-Poly1305 (`ChannelCipher`:
/// integrity and confidentiality). Both ends choose the same one from the cluster
/// file (`ClusterFile.encryptsFrames`); a mismatch fails the first frame (bad MAC).
///
/// Guarantees: `open(seal(m, counter: c), counter: c) == m`; `open` returns nil for
/// any frame `seal` did not produce for that counter with that key.
enum FrameProtection {
    case mac(ChannelMAC)
    case aead(ChannelCipher)

    /// The keys of both directions, derived from the handshake (see `ChannelMAC.directionalKeys`).
    static func directional(encrypt: Bool, sharedSecret: SharedSecret, transcriptHash: [UInt8])
        -> (initiatorToResponder: FrameProtection, responderToInitiator: FrameProtection) {
        if encrypt {
            let keys = ChannelCipher.directionalKeys(sharedSecret: sharedSecret, transcriptHash: transcriptHash)
            return (.aead(keys.initiatorToResponder), .aead(keys.responderToInitiator))
        }
        let keys = ChannelMAC.directionalKeys(sharedSecret: sharedSecret, transcriptHash: transcriptHash)
        return (.mac(keys.initiatorToResponder), .mac(keys.responderToInitiator))
    }

    func seal(_ message: ByteBuffer, counter: UInt64) -> ByteBuffer {
        switch self {
        case .mac(let mac):
            let tag = message.withUnsafeReadableBytes { mac.tag(counter: counter, $0) }
            var out = message
            out.writeBytes(tag)
            return out
        case .aead(let cipher):
            return ByteBuffer(bytes: message.withUnsafeReadableBytes { cipher.seal(counter: counter, $0) })
        }
    }

    func open(_ frame: ByteBuffer, counter: UInt64) -> ByteBuffer? {
        switch self {
        case .mac(let mac):
            var frame = frame
            let size = frame.readableBytes - ChannelMAC.tagByteCount
            guard size >= 0, let message = frame.readSlice(length: size) else { return nil }
            let valid = message.withUnsafeReadableBytes { body in
                frame.withUnsafeReadableBytes { tag in mac.isValid(tag: tag, counter: counter, body) }
            }
            return valid ? message : nil
        case .aead(let cipher):
            return frame.withUnsafeReadableBytes { cipher.open(counter: counter, $0) }.map { ByteBuffer(bytes: $0) }
        }
    }
}
