import DQBFTCore

/// Modelled signatures for large simulations: no real cryptography, but the same
/// interface and unforgeability within the simulator — a node's signer only signs
/// as that node, and a signature verifies only for the signer and message it was
/// made for. Its CPU cost is charged from the cost table.
///
/// The tag is (signer, SHA-256 of the message) padded to the size of an Ed25519
/// signature, so messages carry realistic sizes.
public struct ModelSigner: ReplicaSigner {
    public let me: ReplicaID
    public init(me: ReplicaID) { self.me = me }
    public func sign(_ message: [UInt8]) -> [UInt8] { ModelSignatures.tag(message, signer: me) }
}

/// Verifies `ModelSigner` signatures.
public struct ModelSignatures: SignatureVerifier {
    public init() {}
    public var signatureSize: Int { 64 }
    static func tag(_ message: [UInt8], signer: ReplicaID) -> [UInt8] {
        var out = [UInt8(signer.rawValue >> 8), UInt8(truncatingIfNeeded: signer.rawValue)]
        out += Digest.of(message).bytes
        out += [UInt8](repeating: 0, count: 30)
        return out
    }
    public func verify(_ signature: [UInt8], of message: [UInt8], by signer: ReplicaID) -> Bool {
        signature == Self.tag(message, signer: signer)
    }
}
