/// What an instance asks its owner to do, in order. Sends are to *other* replicas.
///
/// Guarantees: the owner carries the effects out in the order given (a `persist`
/// before any later send); `committed` and `needsState` follow the delivery rules
/// of `ConsensusInstance`.
public enum InstanceEffect: Sendable {
    case broadcast(ConsensusMessage)
    case send(ConsensusMessage, to: ReplicaID)
    case setTimer(InstanceTimer, afterNanos: UInt64)
    case cancelTimer(InstanceTimer)
    /// Slot `sequence` committed with `payload`. Emitted once per slot, in slot
    /// order, without gaps except those covered by `needsState`.
    case committed(SequenceNumber, Payload)
    /// The instance entered `view` (normal operation resumes).
    case viewChanged(ViewNumber, primary: ReplicaID)
    /// A quorum certified the checkpoint `(sequence, digest)` which is ahead of
    /// what this instance delivered; the owner must install that state before it
    /// applies the next `committed` slot.
    case needsState(SequenceNumber, Digest)
    /// The checkpoint at `sequence` became stable; slots up to it are forgotten.
    case checkpointStable(SequenceNumber)
    /// Log `message` durably before anything that follows leaves: a message this
    /// replica received and now vouches for (a hybrid replica's counter certified
    /// a share for a PREPARE, an acknowledgement of a NEW-VIEW, a view it
    /// installed, a stable checkpoint), which it must show again after a restart.
    /// Replayed through `restore(sent:)` with the replica's own sent messages.
    case persist(ConsensusMessage)
}
