/// Hybrid replicas keep their checkpoint states in their durable log.
///
/// Why: with N = 2f+1 a checkpoint becomes stable with the votes of f+1 replicas,
/// and every replica prunes what lies below it. If those f+1 restart close together
/// with nothing but their log of sent messages, no replica holds the state of the
/// stable checkpoint any more; the restarted ones wait for it by state transfer and
/// the others, behind, wait for it too: the cluster executes nothing again (e.g.
/// `dqbft simulate --protocol hybster --replicas 3 --seed 84 --crash 0@1.5,1@2.8
/// --restart 0@3.0,1@3.7 --partition 1.0-3.0:0/1|2 ...`: replicas 0 and 1 took
/// checkpoint 80 while replica 2 was cut off at 58; after their restarts every
/// replica waited for state 80 until the end of the run). Byzantine quorums of
/// 2f+1 keep f+1 correct holders through f such restarts, so only the hybrid fault
/// model needs this.
///
/// The rule: a hybrid replica logs the state of a checkpoint (application, client
/// table, execution frontier, as a `StateReply` from itself) BEFORE its checkpoint
/// vote leaves, and the state it installed by transfer likewise. A stable
/// checkpoint thus always has f+1 voters that can bring its state back. After a
/// restart the replica installs its own logged state when it is the one it awaits,
/// and only if it matches the certified digest, exactly as a peer's; otherwise it
/// asks its peers as before.
///
/// Guarantees: a logged state is installed only through `installState`, so only at
/// the awaited sequence and with the certified digest; each is tried once; at most
/// `maxCheckpointStates` are kept after a restart (the newest).
extension Replica {
    /// The bytes of a state transfer of `saved`: application snapshot, client table, frontier.
    static func snapshot(app: any StateMachine, clients: ClientTable, frontier: [UInt8]) -> [UInt8] {
        var w = WireWriter(capacity: 1024)
        w.write(app.snapshot())
        clients.encode(into: &w)
        w.write(frontier)
        return w.bytes
    }

    /// Hybrid fault model: logs the checkpoint state at `seq` (just taken or installed)
    /// before anything that follows leaves, the checkpoint vote in particular.
    mutating func persistCheckpointState(_ seq: SequenceNumber, into out: inout [ReplicaEffect]) {
        guard config.faultModel == .hybrid, !config.mutated(.hybridVolatileCheckpoints),
              let saved = checkpointStates.last(where: { $0.sequence == seq }) else { return }
        let bytes = Self.snapshot(app: saved.app, clients: saved.clients, frontier: saved.frontier)
        out.append(.persist(.stateReply(from: me, StateReply(sequence: seq, snapshot: bytes))))
    }

    /// Bounds on a state this replica saved itself (its log or snapshot file, both
    /// checksummed): not hostile input, and it is still checked against the
    /// certified digest; the wire's 16 MiB frame limit would make a larger state
    /// impossible to bring back after a restart.
    static let durableStateLimits = WireLimits(maxFrameBytes: 1 << 40, maxOperationBytes: 1 << 20)

    /// On a replica rebuilt after a restart: a checkpoint state it logged.
    mutating func restoreCheckpointState(_ state: StateReply) {
        durableStates.removeAll { $0.sequence == state.sequence }
        durableStates.append(state)
        if durableStates.count > Self.maxCheckpointStates { durableStates.removeFirst(durableStates.count - Self.maxCheckpointStates) }
    }

    /// Installs the awaited state from this replica's own log, if it logged it and
    /// it matches the certified digest; true if the transfer needs no peer now
    /// (installed; a newer state awaited since was asked for already).
    mutating func installDurableState(into out: inout [ReplicaEffect]) -> Bool {
        guard let want = awaitingState, let i = durableStates.firstIndex(where: { $0.sequence == want.sequence })
        else { return false }
        let state = durableStates.remove(at: i)
        installState(state, limits: Self.durableStateLimits, into: &out)
        return awaitingState.map { $0 != want } ?? true
    }
}

/// Snapshots for shells that keep the executed state on disk (the runtime).
///
/// Why: a replica's log holds what it sent, not what it executed. If every replica
/// restarts, no peer holds the executed state any more, and a log replay alone
/// brings back views and votes but no data: a full-cluster restart lost every
/// acknowledged write. So the shell writes the state of each stable checkpoint to
/// disk together with its certificate, and hands both back on restart.
///
/// Guarantees: `restore(snapshot:certificate:into:)` installs the snapshot only
/// through `installState`, so only if it matches the digest the certificate's
/// quorum signed (a corrupt or stale file is refused and the replica asks its
/// peers as usual); slots above it come back through the protocol (replayed votes
/// and peers' retransmissions), exactly as after a state transfer.
extension Replica {
    /// The state at checkpoint `sequence` as a state transfer would send it, if this
    /// replica still keeps it (the stable checkpoint and newer ones).
    public func checkpointState(at sequence: SequenceNumber) -> StateReply? { stateReply(at: sequence) }

    /// `checkpointState(at:)` to be encoded later, on another thread: the state is
    /// captured now (copy-on-write values; nothing is copied until the replica
    /// changes them), so encoding a large state does not hold up the replica.
    public func checkpointStateEncoder(at sequence: SequenceNumber) -> (@Sendable () -> StateReply)? {
        guard let saved = checkpointStates.first(where: { $0.sequence == sequence }) else { return nil }
        let (app, clients, frontier) = (saved.app, saved.clients, saved.frontier)
        return { StateReply(sequence: sequence, snapshot: Self.snapshot(app: app, clients: clients, frontier: frontier)) }
    }

    /// On a replica rebuilt after a restart, after `restore(sent:)` and before
    /// `recover`: adopts the stable checkpoints `certificates` prove (checkpoint
    /// messages per instance, checked by the shell as when they arrived; the first
    /// certifies `snapshot`, see `Composition.stableProofs`) and installs
    /// `snapshot`, this replica's own state there. True if installed.
    @discardableResult
    public mutating func restore(snapshot: StateReply, certificates: [(instance: InstanceID, checkpoints: [SignedCheckpoint])],
                                 into out: inout [ReplicaEffect]) -> Bool {
        restoreCheckpointState(snapshot)
        // Handed over as a peer relays a certificate (instances ignore messages
        // from themselves; the signer need not be the sender).
        let relay = ReplicaID((me.index + 1) % config.replicaCount)
        for certificate in certificates {
            for c in certificate.checkpoints {
                handle(.consensus(from: relay, instance: certificate.instance, .checkpoint(c)), into: &out)
            }
        }
        return lastExecuted >= snapshot.sequence
    }
}
