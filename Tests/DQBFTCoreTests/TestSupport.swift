@testable import DQBFTCore

/// A signer for tests that drive cores by hand: signatures are never verified
/// there (verification happens before the core), so a tag that names the signer
/// and the message is enough.
struct DigestSigner: ReplicaSigner {
    let me: ReplicaID
    func sign(_ message: [UInt8]) -> [UInt8] { [UInt8(me.rawValue)] + Digest.of(message).bytes }
}
