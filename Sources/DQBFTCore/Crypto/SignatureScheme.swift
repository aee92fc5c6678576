/// Produces this replica's signatures. The core is handed one; it never sees keys.
///
/// Guarantees expected from implementations: only the holder of replica `me`'s
/// key can produce a signature that `SignatureVerifier.verify(_:of:by: me)` accepts.
public protocol ReplicaSigner: Sendable {
    var me: ReplicaID { get }
    func sign(_ message: [UInt8]) -> [UInt8]
}

/// Checks signatures of any replica of the cluster. Pure: no state, no I/O.
public protocol SignatureVerifier: Sendable {
    func verify(_ signature: [UInt8], of message: [UInt8], by signer: ReplicaID) -> Bool
    /// Size in bytes of one signature (for size accounting).
    var signatureSize: Int { get }
}
