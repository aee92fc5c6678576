import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation

/// Who is at one end of a channel, as proven in the handshake.
public enum PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    /// A replica of the cluster, authenticated by its Ed25519 signature.
    case replica(ReplicaID)
    /// A client that owns the client ids `base ..< base + lanes`: `base` is
    /// `ClientSignature.idBase(of:)` its Ed25519 key, and it signed the handshake
    /// with that key (`SecureChannelEstablished.clientKey`), so only the key's holder
    /// can route these ids' replies to itself.
    case client(base: ClientID, lanes: UInt32)

    public var description: String {
        switch self {
        case .replica(let r): return "\(r)"
        case .client(let base, let lanes): return "client \(base)+\(lanes)"
        }
    }
}

/// The first frame each side sends: who it is, a fresh nonce and a fresh X25519 key;
/// a client adds the Ed25519 public key that owns its ids.
///
/// Guarantees: fixed encodings (`replicaSize` 82 bytes, `clientSize` 114); `decode`
/// rejects any other size, magic, version or role without trapping, and a client
/// hello whose id base is not `ClientSignature.idBase(of:)` its key, or whose lanes
/// exceed the ids one key owns.
struct Hello: Equatable {
    static let magic: [UInt8] = Array("DQBH".utf8)
    /// 2: clients prove their key (version 1 let them claim any ids).
    static let version: UInt8 = 2
    static let replicaSize = 4 + 1 + 1 + 8 + 4 + 32 + 32
    static let clientSize = replicaSize + ClientSignature.publicKeyBytes
    /// Most client ids one connection may own: the ids of one key.
    static let maxLanes = UInt32(ClientSignature.idsPerKey)

    var identity: PeerIdentity
    var nonce: [UInt8]
    var ephemeralKey: [UInt8]
    /// The client's Ed25519 public key (clients only; nil for replicas).
    var clientKey: [UInt8]?

    func encode() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(Self.clientSize)
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
        if role == 2 { out.append(contentsOf: clientKey ?? []) }
        return out
    }

    static func decode(_ bytes: [UInt8], replicaCount: Int) -> Hello? {
        guard bytes.count >= replicaSize, Array(bytes[0..<4]) == magic, bytes[4] == version else { return nil }
        var id: UInt64 = 0
        for b in bytes[6..<14] { id = id << 8 | UInt64(b) }
        var lanes: UInt32 = 0
        for b in bytes[14..<18] { lanes = lanes << 8 | UInt32(b) }
        let nonce = Array(bytes[18..<50]), ephemeral = Array(bytes[50..<82])
        switch bytes[5] {
        case 1:
            guard bytes.count == replicaSize, id < UInt64(replicaCount), lanes == 0 else { return nil }
            return Hello(identity: .replica(ReplicaID(UInt16(id))), nonce: nonce, ephemeralKey: ephemeral)
        case 2:
            guard bytes.count == clientSize, lanes >= 1, lanes <= maxLanes else { return nil }
            let key = Array(bytes[82..<clientSize])
            guard ClientSignature.idBase(of: key) == ClientID(id) else { return nil }
            return Hello(identity: .client(base: ClientID(id), lanes: lanes), nonce: nonce, ephemeralKey: ephemeral,
                         clientKey: key)
        default: return nil
        }
    }
}

/// The transcript both sides sign and derive their MAC keys from.
///
/// Guarantees: binds both identities (a client's key included), both nonces and
/// both ephemeral keys in a fixed order (initiator first); a signature is bound to
/// its signer's position, so one side's signature can never be replayed as the
/// other's; its domain tag differs from a client request's ("dqbft-request-v1"),
/// so a client's handshake signature is never a valid request signature.
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
