/// A client's proof that it issued one request: its Ed25519 public key and its
/// signature over `ClientRequest.signedBytes`.
///
/// Client ids are self-certifying: a key owns the 4,096 ids `ClientSignature.idBase(of:)
/// ..< idBase + 4096` (the low 12 bits are the client's lane), so replicas need no
/// client registry, and nobody without the key can issue a request under those ids —
/// not a client, and not a Byzantine replica relaying or proposing it.
///
/// Guarantees: `owns(_:)` is a pure function of the key and the id; the encoded form
/// has a fixed size (`encodedSize`).
public struct ClientSignature: Hashable, Sendable {
    public static let publicKeyBytes = 32
    public static let signatureBytes = 64
    public static let encodedSize = publicKeyBytes + signatureBytes
    /// Ids one key owns (and the most lanes one client connection may use).
    public static let idsPerKey: UInt64 = 4096

    public var publicKey: [UInt8]
    public var signature: [UInt8]

    public init(publicKey: [UInt8], signature: [UInt8]) {
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The first client id `publicKey` owns: the top 51 bits of its SHA-256, below 2^63.
    public static func idBase(of publicKey: [UInt8]) -> ClientID {
        ClientID((Digest.of(publicKey).w0 >> 1) & ~(idsPerKey - 1))
    }

    /// The first id of the key that owns `client` (its lane bits cleared).
    public static func idBase(owning client: ClientID) -> ClientID {
        ClientID(client.rawValue & ~(idsPerKey - 1))
    }

    /// Whether this signature's key owns `client`.
    public func owns(_ client: ClientID) -> Bool { Self.idBase(owning: client) == Self.idBase(of: publicKey) }
}

extension ClientRequest {
    /// What the client signs: a domain tag and every field of the request but the
    /// signature itself, so a relaying replica can change none of them.
    public var signedBytes: [UInt8] {
        var w = WireWriter(capacity: 32 + operation.count)
        w.writeRaw("dqbft-request-v1".utf8)
        w.write(client); w.write(timestamp); w.write(assignedReplica); w.write(operation)
        if epoch != 0 { w.write(epoch) }  // v1 bytes unchanged for epoch 0
        return w.bytes
    }
}

/// Checks client signatures (Ed25519 in the runtime). Pure and thread-safe.
///
/// Guarantees expected from implementations: `verify` accepts only a signature made
/// with the private key of `publicKey` over exactly `message`.
public protocol ClientSignatureVerifier: Sendable {
    func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool
}
