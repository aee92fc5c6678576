extension DQComposition {
    /// Handles what the O-instance asked for: delivered O-slots queue for execution.
    mutating func absorbO(_ effects: [InstanceEffect], into out: inout CompositionOutput) {
        guard !effects.isEmpty else { return }
        let (delivered, needs) = out.add(effects, from: .main, me: me)
        for effect in effects {
            if case .viewChanged = effect {
                gated.removeAll { $0.view < o.view }
                if o.isPrimary { becameOrderingPrimary(into: &out) }
            }
        }
        if let needs {
            out.needsState = needs
            while let first = oSlots.first, first.sequence <= needs.0 { oSlots.removeFirst() }
        }
        if effects.contains(where: { if case .checkpointStable = $0 { return true } else { return false } }) {
            voteCoveredDCheckpoints(into: &out)
        }
        for (seq, payload) in delivered {
            var refs: [DSlotRef] = []
            if case .order(let b) = payload { refs = b.refs }
            for ref in refs where ref.replica.index < config.replicaCount {
                let i = ref.replica.index
                maxOrdered[i] = max(maxOrdered[i], ref.sequence)
                maxReferenced[i] = max(maxReferenced[i], min(ref.sequence, d[i].highWatermark))
            }
            oSlots.append((seq, refs))
        }
        if !delivered.isEmpty {
            fillNoops(into: &out)
            proposeOrder(into: &out)
            executeReady(into: &out)
        }
    }

    /// Asks the replica to install the state at the O-instance's stable checkpoint,
    /// when that lies ahead of what this replica executed (Example 3.1's lagging replica).
    mutating func requestApplicationState(into out: inout CompositionOutput) {
        let stable = o.stableCheckpoint
        if stable.sequence >= nextExecution { out.needsState = stable }
    }

    func isExecuted(_ ref: DSlotRef) -> Bool {
        let i = ref.replica.index
        return ref.sequence <= dExecuted[i] || dExecutedAbove[i].contains(ref.sequence)
    }

    /// Runs every O-slot whose referenced D-slots have all committed, in O-order.
    /// A reference to an already executed D-slot is skipped (a faulty O-primary may
    /// repeat one), so every correct replica executes the same batches.
    mutating func executeReady(into out: inout CompositionOutput) {
        while let slot = oSlots.first {
            if slot.sequence < nextExecution { oSlots.removeFirst(); continue }
            guard slot.sequence == nextExecution else { return }
            var batches: [(owner: ReplicaID, batch: Batch)] = []
            var taken = Set<DSlotRef>()
            for ref in slot.refs where ref.replica.index < config.replicaCount {
                guard !isExecuted(ref), taken.insert(ref).inserted else { continue }
                guard let batch = dBatches[ref.replica.index][ref.sequence] else {
                    if config.mutated(.dqExecuteWithoutBatch) { continue }
                    // Not committed yet — or forgotten here because a quorum executed it
                    // (this replica lagged): then only the application state can help.
                    if ref.sequence <= d[ref.replica.index].lowWatermark { requestApplicationState(into: &out) }
                    else { armWatch(into: &out) }  // `askForBlockingDSlot` asks for it if it stays missing
                    return
                }
                batches.append((ref.replica, batch))
            }
            oSlots.removeFirst()
            nextExecution = nextExecution.advanced(by: 1)
            out.executions.append((slot.sequence, batches.map { Self.assigned($0.batch, to: $0.owner) }))
            for ref in slot.refs where ref.replica.index < config.replicaCount && !isExecuted(ref) {
                markExecuted(ref, into: &out)
            }
            if o.isCheckpoint(slot.sequence) {
                recordFrontier(at: slot.sequence)
                voteCoveredDCheckpoints(into: &out)
            }
        }
    }

    /// Only a D-instance's owner may propose client requests in it, and only those
    /// assigned to it (the client's ASSIGN, ordered with the batch through the
    /// O-instance): any other request is dropped at execution, on every replica alike.
    static func assigned(_ batch: Batch, to owner: ReplicaID) -> Batch {
        guard batch.requests.contains(where: { $0.assignedReplica != owner }) else { return batch }
        return Batch(requests: batch.requests.filter { $0.assignedReplica == owner })
    }

    mutating func markExecuted(_ ref: DSlotRef, into out: inout CompositionOutput) {
        let i = ref.replica.index
        dBatches[i][ref.sequence] = nil
        if ref.sequence == dExecuted[i].advanced(by: 1) {
            advanceExecuted(i, to: ref.sequence, into: &out)
            while dExecutedAbove[i].remove(dExecuted[i].advanced(by: 1)) != nil {
                advanceExecuted(i, to: dExecuted[i].advanced(by: 1), into: &out)
            }
        } else if ref.sequence > dExecuted[i] {
            dExecutedAbove[i].insert(ref.sequence)
        }
        // An O-primary's queue may wait for this very slot (`advanceQueue`).
        if o.isPrimary && advanceQueue(i) { proposeOrder(into: &out) }
    }

    mutating func advanceExecuted(_ i: Int, to s: SequenceNumber, into out: inout CompositionOutput) {
        dExecuted[i] = s
    }

    /// Votes the D-instance checkpoints that a stable O-checkpoint covers.
    ///
    /// A D-instance forgets the slots below its stable checkpoint, so it may take one
    /// only where a certified application state already contains those slots: then
    /// a replica that lags (or restarted with nothing) and needs them fetches that
    /// state instead. Voting at execution is not enough: a replica that voted and
    /// then lost its state could be the vote that let the others forget a D-slot
    /// that no stable application state yet holds. The frontier at a stable
    /// O-checkpoint is replicated state, so every correct replica votes the same
    /// D-checkpoints.
    mutating func voteCoveredDCheckpoints(into out: inout CompositionOutput) {
        let stable = o.stableCheckpoint.sequence
        guard let frontier = frontiers.last(where: { $0.sequence <= stable }),
              let (executed, _) = try? Self.decodeFrontier(frontier.bytes, replicas: config.replicaCount) else { return }
        for i in 0..<config.replicaCount where executed[i] > dVoted[i] {
            var s = executed[i]
            while s > dVoted[i] && !d[i].isCheckpoint(s) { s = SequenceNumber(s.rawValue - 1) }
            guard s > dVoted[i] else { continue }
            dVoted[i] = s
            stepD(ReplicaID(i), into: &out) { $0.checkpoint(at: s, stateDigest: dCheckpointDigest(ReplicaID(i), s), into: &$1) }
        }
    }

    /// The D-slot the next O-slot waits for: referenced by a delivered O-slot, not
    /// committed here, above its D-instance's checkpoint.
    func blockingDSlot() -> DSlotRef? {
        guard let slot = oSlots.first, slot.sequence == nextExecution else { return nil }
        for ref in slot.refs where ref.replica.index < config.replicaCount && !isExecuted(ref) {
            let i = ref.replica.index
            if dBatches[i][ref.sequence] == nil && ref.sequence > d[i].lowWatermark { return ref }
        }
        return nil
    }

    /// Execution waits for the same D-slot a whole watch period: its D-instance asks
    /// its peers for it (`ConsensusInstance.catchUp`). A delivered O-slot fixes its
    /// references, so a quorum accepted (and a correct replica committed) them, but a
    /// replica can deliver the O-slot from a commit certificate without ever having
    /// seen the D-slot's proposal: its D-instance then has nothing pending, no
    /// timer, and nobody re-sends the certificate (destiny/3 seed 38: replica 0,
    /// partitioned while slow Byzantine replica 2's D2#2 committed, delivered O-slot
    /// 22 referencing it and executed nothing after 8.4 s).
    ///
    /// It goes on asking every period (asking only once was measured to stall
    /// dqpbft/4 seed 51). Still waiting a watch period after asking: no correct
    /// peer had the slot committed to re-send, so it never committed (its
    /// coordinator disseminated it to too few replicas, then failed or was cut
    /// off): this replica also suspects the D-instance's coordinator, every
    /// period, like a gated O-proposal does (`gateTimedOut`). The view change that f+1 such suspicions start commits the
    /// slot's prepared value or a no-op (the paper's case 1), and execution goes on.
    /// The gate alone cannot: the O-proposal was let through once its PREPARE
    /// arrived, or the O-slot was delivered from a certificate, or its NEW-VIEW
    /// decided it. destiny/4 seed 3: replica 0 proposed D0#41–44 during a
    /// partition that held replicas 2 and 3 away (only replica 1 saw them), then
    /// came back with a rolled-back counter; O-view 1's primary (replica 1) ordered
    /// those slots; replica 3 executed nothing from 5.4 s (O-slot 64) to 12.1 s,
    /// when a client happened to reassign its request to replica 0, whose
    /// retransmission made the replicas suspect D0; O-slots 68–71 (D0#41–44)
    /// then executed as no-ops.
    ///
    /// It judges only a coordinator whose view was active at the previous tick too:
    /// one just installed (maybe by this very suspicion) first gets a whole period
    /// to commit the slot or its no-op.
    mutating func askForBlockingDSlot(into out: inout CompositionOutput) -> Bool {
        guard let ref = blockingDSlot() else { blockedOn = nil; blockedTicks = 0; return false }
        let i = ref.replica.index
        let activeView = d[i].isViewActive ? d[i].view : nil
        blockedTicks = blockedOn == ref ? blockedTicks + 1 : 0
        blockedOn = ref
        defer { blockedView = activeView }
        guard blockedTicks > 0 else { return true }
        let suspect = blockedTicks > 1 && activeView != nil && blockedView == activeView
            && !config.mutated(.dqBlockedSlotUnsuspected)
        stepD(ref.replica, into: &out) { instance, effects in
            instance.catchUp(to: ref.sequence, into: &effects)
            if suspect { instance.suspectPrimary(into: &effects) }
        }
        return true
    }
}
