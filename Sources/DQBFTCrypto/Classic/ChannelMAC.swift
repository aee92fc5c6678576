import Crypto
import Foundation

/// HMAC-SHA256 authentication of the frames of one direction of a channel.
///
/// Guarantees: a tag is 32 bytes and binds the frame to its position in the
/// stream (a 64-bit counter both ends keep), so a frame cannot be forged, replayed,
/// reordered or dropped without the receiver noticing; comparison is constant-time.
public struct ChannelMAC: @unchecked Sendable {
    public static let tagByteCount = 32
    /// HMAC state after absorbing the key (copied per frame, so the key schedule
    /// is computed once per channel, not once per frame).
    let keyed: HMAC<SHA256>

    public init(key: SymmetricKey) { self.keyed = HMAC<SHA256>(key: key) }

    /// Tag of frame number `counter` with these bytes.
    public func tag(counter: UInt64, _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var mac = keyed
        withUnsafeBytes(of: counter.bigEndian) { mac.update(data: $0) }
        mac.update(data: bytes)
        return Array(mac.finalize())
    }

    public func tag(counter: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { tag(counter: counter, $0) }
    }

    /// Whether `tag` authenticates frame number `counter` with these bytes
    /// (constant-time comparison).
    public func isValid(tag: UnsafeRawBufferPointer, counter: UInt64, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard tag.count == Self.tagByteCount else { return false }
        let expected = self.tag(counter: counter, bytes)
        var difference: UInt8 = 0
        for i in 0..<Self.tagByteCount { difference |= expected[i] ^ tag[i] }
        return difference == 0
    }

    public func isValid(tag: [UInt8], counter: UInt64, _ bytes: [UInt8]) -> Bool {
        tag.withUnsafeBytes { t in bytes.withUnsafeBytes { isValid(tag: t, counter: counter, $0) } }
    }

    /// The two directional MAC keys of a channel: HKDF-SHA256 over the X25519
    /// shared secret of the handshake's ephemeral keys, salted with the hash of the
    /// signed handshake transcript, one key per direction.
    public static func directionalKeys(sharedSecret: SharedSecret, transcriptHash: [UInt8])
        -> (initiatorToResponder: ChannelMAC, responderToInitiator: ChannelMAC) {
        let forward = sharedSecret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: transcriptHash,
                                                           sharedInfo: Array("dqbft-mac-v1 initiator->responder".utf8),
                                                           outputByteCount: 32)
        let backward = sharedSecret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: transcriptHash,
                                                            sharedInfo: Array("dqbft-mac-v1 responder->initiator".utf8),
                                                            outputByteCount: 32)
        return (ChannelMAC(key: forward), ChannelMAC(key: backward))
    }
}
