import Crypto
import Foundation

/// HMAC-SHA256 authentication of the frames of one direction of a channel.
///
/// Guarantees: a tag is 32 bytes and binds the frame to its position in the
/// stream (a 64-bit counter both ends keep), so a frame cannot be forged, replayed,
/// reordered or dropped without the receiver noticing; comparison is constant-time.
public struct ChannelMAC: @unchecked Sendable {
    public static let tagByteCount = 32
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// Tag of frame number `counter` with these bytes.
    public func tag(counter: UInt64, _ bytes: some DataProtocol) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key)
        withUnsafeBytes(of: counter.bigEndian) { mac.update(data: $0) }
        mac.update(data: bytes)
        return Array(mac.finalize())
    }

    /// Whether `tag` authenticates frame number `counter` with these bytes.
    public func isValid(tag: some DataProtocol, counter: UInt64, _ bytes: some DataProtocol) -> Bool {
        guard tag.count == Self.tagByteCount else { return false }
        let expected = self.tag(counter: counter, bytes)
        var difference: UInt8 = 0
        for (a, b) in zip(expected, tag) { difference |= a ^ b }
        return difference == 0
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
