/// Timers an instance asks its shell to run. Setting a timer that is already set
/// replaces it.
public enum InstanceTimer: Hashable, Sendable {
    /// A backup waits for accepted proposals to commit.
    case progress
    /// A replica waits for NEW-VIEW after asking for a view.
    case viewChange
    /// A replica retries fetching payloads it is missing.
    case fetch
    /// A hybrid replica re-sends its shares to the next collector.
    case collector
}

/// What an instance asks its owner to do, in order. Sends are to *other* replicas.
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
