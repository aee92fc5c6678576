/// The replica's side of a composition step, in the spirit of etcd raft's
/// Ready/Advance: the replica hands its composition one input (`Replica.step`) and
/// carries out what came back (`carryOut`): effects, the state to fetch, and the
/// slots that became executable. It executes those slots in order (`executeQueued`,
/// each through its `SlotExecutor` in `Replica.execute`) and then reports back with
/// `Composition.didExecute`, once per run of executed slots. A run ends where the queue runs dry, or earlier at a
/// checkpoint slot, whose state digest the composition votes for before the next
/// slot executes.
///
/// One way: the composition is never called while a slot executes, and execution
/// never nests. Slots that a report-back makes executable (or anything it leads to:
/// a proposal, an installed state) join the queue the running drain works through.
extension Replica {
    /// Carries out one composition output, in this order: its effects; the state it
    /// needs; its executable slots (queued, then executed unless a drain is already
    /// running); the proposals it may have made possible; after a view change, the
    /// forwarded requests this replica now proposes itself.
    mutating func carryOut(_ o: CompositionOutput, into out: inout [ReplicaEffect]) {
        out.append(contentsOf: o.effects)
        if let needs = o.needsState { awaitState(needs, into: &out) }
        if !o.executions.isEmpty {
            for (seq, batches) in o.executions { queue(seq, batches) }
            executeQueued(into: &out)
        }
        if o.mayPropose { proposeBatches(force: false, into: &out) }
        if o.viewChanged { proposeWatchedOwnRequests(into: &out) }
    }

    /// Waits for the certified state at `needs` if it lies beyond what this replica
    /// executed and what it already waits for: queued slots it covers are dropped,
    /// and the state is installed at once if a peer offered it, or fetched.
    mutating func awaitState(_ needs: (sequence: SequenceNumber, digest: Digest), into out: inout [ReplicaEffect]) {
        guard needs.sequence > lastExecuted, needs.sequence > (awaitingState?.sequence ?? .zero) else { return }
        awaitingState = needs
        queued = queued.filter { $0.key > needs.sequence }
        if !installOffered(into: &out) { requestState(into: &out) }
    }

    /// A view change made this replica responsible for requests it forwarded and
    /// watches: it stops watching them and proposes them itself.
    mutating func proposeWatchedOwnRequests(into out: inout [ReplicaEffect]) {
        for r in watched.values.map(\.request).sorted(by: { $0.client < $1.client }) where composition.proposes(r) {
            watched[r.client] = nil
            onRequest(r, into: &out)
        }
    }

    /// Queues execution slot `seq`, unless it executed already or the awaited
    /// state covers it.
    mutating func queue(_ seq: SequenceNumber, _ batches: [Batch]) {
        guard seq > lastExecuted, awaitingState.map({ seq > $0.sequence }) ?? true else { return }
        queued[seq] = batches
    }

    /// Executes queued slots in order while the next one is queued and no state is
    /// awaited, and reports each run back to the composition: after a checkpoint
    /// slot, and after the last slot. Does nothing while a drain runs (the running
    /// one reaches every slot queued meanwhile).
    mutating func executeQueued(into out: inout [ReplicaEffect]) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while awaitingState == nil, let batches = queued.removeValue(forKey: lastExecuted.advanced(by: 1)) {
            let seq = lastExecuted.advanced(by: 1)
            let checkpointDigest = execute(seq, batches, into: &out)
            if checkpointDigest != nil || queued[seq.advanced(by: 1)] == nil {
                step(into: &out) { $0.didExecute(through: seq, checkpointDigest: checkpointDigest, into: &$1) }
            }
        }
    }
}
