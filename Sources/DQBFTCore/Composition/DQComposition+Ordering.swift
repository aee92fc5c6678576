extension DQComposition {
    // MARK: - Driving the instances

    /// One input to D-instance `r`: a fresh effects buffer for `input`, then `absorbD`.
    @inline(__always)
    mutating func stepD(_ r: ReplicaID, into out: inout CompositionOutput,
                        _ input: (inout Instance, inout [InstanceEffect]) -> Void) {
        var effects: [InstanceEffect] = []
        input(&d[r.index], &effects)
        absorbD(r, effects, into: &out)
    }

    /// One input to the O-instance: a fresh effects buffer for `input`, then `absorbO`.
    @inline(__always)
    mutating func stepO(into out: inout CompositionOutput, _ input: (inout Instance, inout [InstanceEffect]) -> Void) {
        var effects: [InstanceEffect] = []
        input(&o, &effects)
        absorbO(effects, into: &out)
    }

    // MARK: - D-instances

    /// Handles what D-instance `r` asked for: sends and timers pass through,
    /// committed batches wait for their O-slot, a view change starts probation.
    mutating func absorbD(_ r: ReplicaID, _ effects: [InstanceEffect], into out: inout CompositionOutput) {
        guard !effects.isEmpty else { return }
        let (delivered, needs) = out.add(effects, from: .dissemination(r), me: me)
        let i = r.index
        for effect in effects {
            if case .viewChanged = effect, d[i].view != .zero {
                // Probation: order this D-instance only after dissemination, for a
                // stretch that doubles with each view change (§3.2.4).
                dViewChanges[i] += 1
                let length = parameters.probationBaseSlots << UInt64(min(dViewChanges[i] - 1, 16))
                probationFrom[i] = d[i].nextProposal
                probationUntil[i] = max(d[i].nextProposal, maxReferenced[i]).adding(slots: length)
                fillNoops(into: &out)
                if r == me && !d[i].isPrimary {
                    // Replaced while alive (after a restart, a partition or a false
                    // suspicion): ask to be reinstated. Peers see this replica
                    // participating, the paper's health check; probation follows.
                    restarted = false
                    out.effects.append(.broadcast(.consensus(from: me, instance: .dissemination(me),
                                                             .status(view: d[i].view, stableSequence: d[i].lowWatermark))))
                }
            }
        }
        if let (seq, _) = needs { dSkipped[i] = max(dSkipped[i], seq) }
        for (seq, payload) in delivered {
            if seq > dExecuted[i] && !dExecutedAbove[i].contains(seq) {
                // A D-instance orders only client batches; anything else executes as a no-op.
                if case .requests(let b) = payload { dBatches[i][seq] = b } else { dBatches[i][seq] = .noop }
            }
            noteSeen(DSlotRef(replica: r, sequence: seq), into: &out)
        }
        if !delivered.isEmpty {
            armWatch(into: &out)
            releaseGated(into: &out)
            executeReady(into: &out)
        }
    }

    /// Forwards a coordinator's D-PrePrepare to a few random replicas (§3.2.4), so a
    /// coordinator that sends it only to some replicas cannot stall the others.
    mutating func flood(_ message: ConsensusMessage, instance: InstanceID, except from: ReplicaID,
                        into out: inout CompositionOutput) {
        guard parameters.floodFanout > 0 else { return }
        for _ in 0..<parameters.floodFanout {
            let target = ReplicaID(Int(rng.next() % UInt64(config.replicaCount)))
            guard target != me, target != from else { continue }
            out.effects.append(.send(.consensus(from: me, instance: instance, message), to: target))
        }
    }

    /// A replica that now coordinates another replica's D-instance proposes no-ops
    /// for the slots the O-instance referenced but nobody disseminated (case 1).
    mutating func fillNoops(into out: inout CompositionOutput) {
        for i in 0..<config.replicaCount where i != me.index && d[i].isPrimary && !config.mutated(.dqNoNoopFill) {
            let referenced = maxReferenced[i]
            stepD(ReplicaID(i), into: &out) { instance, effects in
                while instance.canPropose && instance.nextProposal <= referenced {
                    let before = instance.nextProposal
                    instance.propose(.noop, into: &effects)
                    // A refused proposal (a hybrid counter that refuses, a slot number past
                    // what a counter can certify) takes no slot: trying again would loop.
                    if instance.nextProposal <= before { break }
                }
            }
        }
    }

    /// Reinstates a restarted replica as the coordinator of its own D-instance by a
    /// view change to the next view it leads; f+1 replicas must ask for it (§3.2.5).
    mutating func reinstate(_ r: ReplicaID, into out: inout CompositionOutput) {
        let n = UInt64(config.replicaCount)
        // The lowest view above the current one that `r` leads (none above 2^64 − N).
        guard let target = (d[r.index].view.rawValue / n + 1).multipliedIfExact(by: n).map(ViewNumber.init) else { return }
        stepD(r, into: &out) { $0.requestView(target, into: &$1) }
    }

    // MARK: - The O-primary

    /// The O-primary learned that D-slot `ref` exists (optimistic) or committed
    /// (probation): queue it for ordering, keeping each D-instance in slot order.
    mutating func noteSeen(_ ref: DSlotRef, into out: inout CompositionOutput) {
        guard o.isPrimary else { return }
        let i = ref.replica.index
        guard ref.sequence > queued[i], ref.sequence > dExecuted[i] else { return }
        if onProbation(ref) && !d[i].isCommitted(at: ref.sequence) { return }
        seenAhead[i].insert(ref.sequence)
        advanceQueue(i)
        proposeOrder(into: &out)
    }

    /// Moves D-instance `i`'s queue over every D-slot that needs no ordering from
    /// this O-primary any more, queueing the seen ones in slot order; returns
    /// whether it queued any.
    ///
    /// The queue waits at `queued + 1` until that slot is seen, so a slot that
    /// executes here before it is seen must be stepped over: it is never seen
    /// again (`noteSeen` ignores executed slots). That happens to a new O-primary
    /// that still delivers O-slots of the view before (their NEW-VIEW's decision
    /// or late certificates): `becameOrderingPrimary` started the queue at the
    /// highest slot ordered then, and the later ones execute afterwards.
    /// dqhybster/5 seed 5: replica 3 became O-primary in view 3 with D0's queue
    /// at slot 55, then executed D0 slots 56–60 from O-slots 104–115 of view 2;
    /// its queue waited for slot 56 forever while it ordered its own and
    /// replica 1's batches, so replica 0's clients completed nothing after 10.4 s
    /// and nothing suspected the O-primary (the O-instance kept delivering).
    /// A correct O-primary never trails its own execution otherwise (every slot
    /// executed was ordered from its queue), so this changes nothing there.
    @discardableResult
    mutating func advanceQueue(_ i: Int) -> Bool {
        let floor = max(dExecuted[i], d[i].lowWatermark)
        if queued[i] < floor && !config.mutated(.dqQueueWaitsForExecuted) {
            queued[i] = floor
            seenAhead[i] = seenAhead[i].filter { $0 > floor }
        }
        var queuedAny = false
        while true {
            let next = queued[i].advanced(by: 1)
            if seenAhead[i].remove(next) != nil {
                toOrder.append(DSlotRef(replica: ReplicaID(i), sequence: next))
                queuedAny = true
            } else if !dExecutedAbove[i].contains(next) {
                break
            }
            queued[i] = next
        }
        return queuedAny
    }

    /// Proposes queued references, several per O-slot, keeping a few O-proposals in
    /// flight. (Not a `stepO`: the loop takes from `toOrder` between proposals.)
    mutating func proposeOrder(into out: inout CompositionOutput) {
        var effects: [InstanceEffect] = []
        while !toOrder.isEmpty, o.canPropose,
              o.nextProposal.slots(after: o.lastDelivered) <= UInt64(parameters.maxOutstandingOrderProposals) {
            var refs: [DSlotRef] = []
            while refs.count < parameters.maxRefsPerProposal, let ref = toOrder.popFirst() { refs.append(ref) }
            o.propose(.order(OrderBatch(refs: refs)), into: &effects)
        }
        absorbO(effects, into: &out)
    }

    /// A new O-primary re-queues every D-slot it knows of that no delivered O-slot
    /// ordered yet (duplicates are skipped at execution).
    mutating func becameOrderingPrimary(into out: inout CompositionOutput) {
        toOrder.removeAll()
        for i in 0..<config.replicaCount {
            // D-slots at or below the D-instance's stable checkpoint were ordered and
            // executed (a D-checkpoint is voted only once a stable O-checkpoint covers
            // it), so only the window above it is worth scanning: it bounds the scan
            // by the window however far the instance jumped by state transfer.
            queued[i] = max(maxOrdered[i], dExecuted[i], d[i].lowWatermark)
            seenAhead[i] = []
            let first = queued[i]
            var s = first.advanced(by: 1)
            while s > first, s <= d[i].highWatermark, d[i].knowsProposal(at: s) {
                noteSeen(DSlotRef(replica: ReplicaID(i), sequence: s), into: &out)
                s = s.advanced(by: 1)
            }
        }
    }

    // MARK: - Accepting O-proposals

    /// A replica accepts an O-proposal only once it has the D-PrePrepare of every
    /// D-slot it references (or, on probation, once the D-slot committed).
    func gateOpen(_ batch: OrderBatch) -> Bool {
        batch.refs.allSatisfy { ref in
            let i = ref.replica.index
            guard i < config.replicaCount else { return true }  // executes as nothing
            if ref.sequence <= dExecuted[i] || ref.sequence <= dSkipped[i] || dExecutedAbove[i].contains(ref.sequence) { return true }
            if onProbation(ref) { return d[i].isCommitted(at: ref.sequence) }
            return d[i].knowsProposal(at: ref.sequence)
        }
    }

    mutating func releaseGated(into out: inout CompositionOutput) {
        guard !gated.isEmpty else { return }
        var still: [(from: ReplicaID, message: ConsensusMessage, view: ViewNumber, batch: OrderBatch, age: Int)] = []
        var ready: [(ReplicaID, ConsensusMessage)] = []
        for g in gated {
            if !gateOpen(g.batch) { still.append(g) } else { ready.append((g.from, g.message)) }
        }
        guard !ready.isEmpty else { return }
        gated = still
        for (from, message) in ready {
            stepO(into: &out) { $0.receive(message, from: from, into: &$1) }
        }
    }

    mutating func armGateTimer(into out: inout CompositionOutput) {
        guard !gateTimerRunning, !gated.isEmpty else { return }
        gateTimerRunning = true
        out.effects.append(.setTimer(.orderGate, afterNanos: parameters.orderGateTimeoutNanos))
    }

    /// O-proposals waited a whole gate period: suspect the O-primary if it broke the
    /// rules (references outside the window, optimistic ordering on probation),
    /// otherwise the D-instances that did not disseminate what it referenced.
    mutating func gateTimedOut(into out: inout CompositionOutput) {
        gateTimerRunning = false
        var suspectOrdering = false
        var suspectD = Set<Int>()
        gated.removeAll { $0.view < o.view }
        for k in gated.indices {
            gated[k].age += 1
            guard gated[k].age >= 2 else { continue }
            let b = gated[k].batch
            for ref in b.refs {
                let i = ref.replica.index
                guard i < config.replicaCount, !d[i].knowsProposal(at: ref.sequence) || onProbation(ref) else { continue }
                if ref.sequence > d[i].highWatermark { suspectOrdering = true }
                else if onProbation(ref) && ref.sequence > probationFrom[i].advanced(by: 4) && !d[i].isCommitted(at: ref.sequence) {
                    suspectOrdering = true
                } else if !d[i].knowsProposal(at: ref.sequence) { suspectD.insert(i) }
            }
        }
        if suspectOrdering { stepO(into: &out) { $0.suspectPrimary(into: &$1) } }
        for i in suspectD.sorted() {
            stepD(ReplicaID(i), into: &out) { $0.suspectPrimary(into: &$1) }
        }
        fillNoops(into: &out)
        armGateTimer(into: &out)
    }

    /// O-primary liveness (case 2): disseminated D-slots must get ordered.
    mutating func watchOrdering(into out: inout CompositionOutput) {
        watchTimerRunning = false
        let waiting = (0..<config.replicaCount).contains { i in
            let committed = d[i].lastDelivered
            return committed > maxOrdered[i] && committed > dExecuted[i]
        }
        if waiting && o.lastDelivered == watchLastODelivered && o.isViewActive {
            stepO(into: &out) { $0.suspectPrimary(into: &$1) }
        }
        watchLastODelivered = o.lastDelivered
        let blocked = askForBlockingDSlot(into: &out)
        if waiting || blocked { armWatch(into: &out) }
    }

    mutating func armWatch(into out: inout CompositionOutput) {
        guard !watchTimerRunning else { return }
        watchTimerRunning = true
        out.effects.append(.setTimer(.orderWatch, afterNanos: parameters.orderWatchNanos))
    }
}
