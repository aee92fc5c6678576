/// Timers a replica asks its shell to run; setting one that is set replaces it.
public enum ReplicaTimer: Hashable, Sendable {
    case instance(InstanceID, InstanceTimer)
    /// The primary's partial-batch timer.
    case batch
    /// A backup's timer on forwarded client requests.
    case request
    /// Retry of a state transfer.
    case stateTransfer
    /// DQ: O-proposals waiting for D-PrePrepares are checked.
    case orderGate
    /// DQ: disseminated D-slots must be ordered (O-primary liveness).
    case orderWatch
}

/// What a replica asks its shell to do.
public enum ReplicaEffect: Sendable {
    case send(WireMessage, to: ReplicaID)
    /// To every other replica (the shell encodes once and shares the bytes).
    case broadcast(WireMessage)
    case reply(ClientReply)
    case setTimer(ReplicaTimer, afterNanos: UInt64)
    case cancelTimer(ReplicaTimer)
    /// Observability: the replica executed slot `sequence` of its execution order,
    /// a batch with this digest (checkers compare these logs across replicas).
    case executed(SequenceNumber, Digest, requests: Int)
    /// Observability: the replica took a checkpoint after executing slot `sequence`;
    /// `stateDigest` is the digest its checkpoint votes carry (application state,
    /// client table and execution frontier). Correct replicas agree on it per slot.
    case checkpointed(SequenceNumber, stateDigest: Digest)
    /// Observability: the replica installed a state snapshot at `sequence`.
    case stateInstalled(SequenceNumber)
    /// Observability: an instance entered a new view.
    case viewChanged(InstanceID, ViewNumber)
    /// Append `message` to the durable log (the one `mustPersist` messages go to)
    /// before any later effect leaves; hand it back to `Replica.restore(sent:)`
    /// after a restart. Nothing is sent.
    case persist(WireMessage)
}
