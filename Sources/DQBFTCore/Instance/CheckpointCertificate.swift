/// A checkpoint certificate: a quorum of signed checkpoints for one state, the
/// proof of an instance's stable checkpoint (its low watermark).
///
/// Guarantees: a plain value; the certificates an instance builds come from
/// `CheckpointVotes.record` (a quorum of distinct signers of one state), and one
/// received from a peer is accepted only after `CheckpointVotes.isValid`.
public struct CheckpointCertificate: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var digest: Digest
    public var proof: [SignedCheckpoint]
}
