import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation

/// Who is at one end of a channel, as proven (replicas) or claimed (clients) in the handshake.
public enum PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    /// A replica of the cluster, authenticated by its Ed25519 signature.
    case replica(ReplicaID)
    /// A client that claims the client ids `base ..< base + lanes`, to route replies.
    /// The claim itself is not authenticated; the requests are (each carries its
    /// client's signature when the cluster requires it).
    case client(base: ClientID, lanes: UInt32)

    public var description: String {
        switch self {
        case .replica(let r): return "\(r)"
        case .client(let base, let lanes): return "client \(base)+\(lanes)"
        }
    }
}

/// The first frame each side sends: who it is, a fresh nonce and a fresh X25519 key.
///
/// Guarantees: fixed 82-byte encoding; `decode` rejects any other size, magic,
/// version or role without trapping.
struct Hello: Equatable {
    static let magic: [UInt8] = Array("DQBH".utf8)
    static let version: UInt8 = 1
    static let encodedSize = 4 + 1 + 1 + 8 + 4 + 32 + 32
    /// Most client ids one connection may own (bounds the replica's routing table).
    static let maxLanes: UInt32 = 4096

    var identity: PeerIdentity
    var nonce: [UInt8]
    var ephemeralKey: [UInt8]

    func encode() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(Self.encodedSize)
        out.append(Self.version)
        let (role, id, lanes): (UInt8, UInt64, UInt32)
        switch identity {
        case .replica(let r): (role, id, lanes) = (1, UInt64(r.rawValue), 0)
        case .client(let base, let n): (role, id, lanes) = (2, base.rawValue, n)
        }
        out.append(role)
        withUnsafeBytes(of: id.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: lanes.bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: nonce)
        out.append(contentsOf: ephemeralKey)
        return out
    }

    static func decode(_ bytes: [UInt8], replicaCount: Int) -> Hello? {
        guard bytes.count == encodedSize, Array(bytes[0..<4]) == magic, bytes[4] == version else { return nil }
        var id: UInt64 = 0
        for b in bytes[6..<14] { id = id << 8 | UInt64(b) }
        var lanes: UInt32 = 0
        for b in bytes[14..<18] { lanes = lanes << 8 | UInt32(b) }
        let identity: PeerIdentity
        switch bytes[5] {
        case 1:
            guard id < UInt64(replicaCount), lanes == 0 else { return nil }
            identity = .replica(ReplicaID(UInt16(id)))
        case 2:
            guard lanes >= 1, lanes <= maxLanes, id <= UInt64.max - UInt64(lanes) else { return nil }
            identity = .client(base: ClientID(id), lanes: lanes)
        default: return nil
        }
        return Hello(identity: identity, nonce: Array(bytes[18..<50]), ephemeralKey: Array(bytes[50..<82]))
    }
}

/// The transcript both sides sign and derive their MAC keys from.
///
/// Guarantees: binds both identities, both nonces and both ephemeral keys in a
/// fixed order (initiator first); a signature is bound to its signer's position,
/// so one side's signature can never be replayed as the other's.
struct HandshakeTranscript {
    let hash: [UInt8]

    init(initiator: Hello, responder: Hello) {
        var sha = SHA256()
        sha.update(data: Array("dqbft-handshake-v1".utf8))
        sha.update(data: initiator.encode())
        sha.update(data: responder.encode())
        hash = Array(sha.finalize())
    }

    /// What the initiator (`asInitiator`) or the responder signs.
    func signedBytes(asInitiator: Bool) -> [UInt8] {
        Array("dqbft-auth-v1".utf8) + [asInitiator ? UInt8(ascii: "I") : UInt8(ascii: "R")] + hash
    }
}
