import DQBFTCore

/// The simulator's `SlotExecutor`: lets replicas that live in one process (the
/// simulator's hundreds) share the work and the memory of executing the same slots
/// from the same state (a memo of outcomes).
///
/// Execution is a deterministic function of the state before a slot and the
/// batches the slot executes. The memo names states by *lineage*: every replica
/// sharing a memo starts at lineage 0 (the same genesis state), and executing a
/// slot with a given digest from lineage L leads to one lineage, computed by the
/// first replica to get there and adopted by the others together with the
/// resulting application state and client table (copy-on-write values, so 97
/// replicas hold one copy). A replica whose state came from elsewhere (a state
/// transfer) gets a fresh lineage, and rejoins a shared one where its checkpoint
/// digest shows the states equal. The memo changes nothing a replica computes:
/// only who computes it.
///
/// Guarantees: an adopted outcome is exactly what the replica would have computed
/// (same pre-state by construction, same batches by digest); bounded: at most
/// `capacity` outcomes and `capacity` checkpoint states are kept, oldest dropped
/// first (a replica that lags further computes for itself).
///
/// Not thread-safe: confine one memo, and every replica using it, to one thread
/// (as the simulator's run loop does). Replicas in separate processes never share.
public final class SharedExecution: SlotExecutor, @unchecked Sendable {
    /// What executing one slot from one lineage produced.
    struct Outcome {
        let lineage: UInt64
        let app: any StateMachine
        let clients: ClientTable
        /// The requests that executed (with their digests, so that replicas adopting
        /// the outcome do not hash them again) and their results.
        let results: [ExecutedRequest]
        /// At a checkpoint: the digest of application state and client table.
        let stateDigest: Digest?
    }

    struct Step: Hashable {
        let lineage: UInt64
        let sequence: SequenceNumber
        let digest: Digest
    }

    struct CheckpointName: Hashable {
        let sequence: SequenceNumber
        let stateDigest: Digest
    }

    public let capacity: Int
    private var outcomes: [Step: Outcome] = [:]
    private var outcomeOrder: [Step] = []
    private var checkpoints: [CheckpointName: Outcome] = [:]
    private var checkpointOrder: [CheckpointName] = []
    private var nextLineage: UInt64 = 1
    /// Slots executed by a replica, and how many of them it adopted (for reports and tests).
    public private(set) var executions = 0
    public private(set) var adopted = 0

    public init(capacity: Int = 64) {
        precondition(capacity > 0, "an execution memo needs room for at least one outcome")
        self.capacity = capacity
    }

    /// Adopts the outcome of `slot` from `lineage` if another replica computed it;
    /// otherwise computes it (`DirectExecution`) and records it for the others.
    public func execute(_ slot: OrderedSlot, app: inout any StateMachine, clients: inout ClientTable,
                        lineage: inout UInt64) -> SlotOutcome {
        if let known = outcome(from: lineage, sequence: slot.sequence, digest: slot.digest) {
            (lineage, app, clients) = (known.lineage, known.app, known.clients)
            return SlotOutcome(results: known.results, stateDigest: known.stateDigest)
        }
        let computed = DirectExecution().execute(slot, app: &app, clients: &clients, lineage: &lineage)
        let recorded = record(from: lineage, sequence: slot.sequence, digest: slot.digest, app: app, clients: clients,
                              results: computed.results, stateDigest: computed.stateDigest)
        (lineage, app, clients) = (recorded.lineage, recorded.app, recorded.clients)
        return computed
    }

    /// Names the installed state (and shares a known copy of it).
    public func installed(sequence: SequenceNumber, stateDigest: Digest, app: inout any StateMachine,
                          clients: inout ClientTable, lineage: inout UInt64) {
        (lineage, app, clients) = installed(sequence: sequence, stateDigest: stateDigest, app: app, clients: clients)
    }

    /// The outcome of executing slot `sequence` (batches with `digest`) from `lineage`, if known.
    func outcome(from lineage: UInt64, sequence: SequenceNumber, digest: Digest) -> Outcome? {
        executions += 1
        guard let o = outcomes[Step(lineage: lineage, sequence: sequence, digest: digest)] else { return nil }
        adopted += 1
        return o
    }

    /// Records what a replica computed from `lineage` and returns the outcome to
    /// adopt: its own under a new lineage or, at a checkpoint whose state is already
    /// known, the known one (states with equal digests are equal).
    func record(from lineage: UInt64, sequence: SequenceNumber, digest: Digest, app: any StateMachine,
                clients: ClientTable, results: [ExecutedRequest], stateDigest: Digest?) -> Outcome {
        var outcome: Outcome
        if let stateDigest, let known = checkpoints[CheckpointName(sequence: sequence, stateDigest: stateDigest)] {
            outcome = Outcome(lineage: known.lineage, app: known.app, clients: known.clients, results: results,
                              stateDigest: stateDigest)
        } else {
            outcome = Outcome(lineage: freshLineage(), app: app, clients: clients, results: results, stateDigest: stateDigest)
            if let stateDigest { remember(outcome, at: CheckpointName(sequence: sequence, stateDigest: stateDigest)) }
        }
        let step = Step(lineage: lineage, sequence: sequence, digest: digest)
        if outcomes.updateValue(outcome, forKey: step) == nil {
            outcomeOrder.append(step)
            if outcomeOrder.count > 2 * capacity {
                // Drop the oldest half in one go: amortised O(1) per record.
                for old in outcomeOrder[..<capacity] { outcomes[old] = nil }
                outcomeOrder.removeFirst(capacity)
            }
        }
        return outcome
    }

    /// The lineage of a state installed by state transfer at checkpoint `sequence`
    /// with `stateDigest` (application and clients), and the shared copy of it if
    /// one is known.
    func installed(sequence: SequenceNumber, stateDigest: Digest, app: any StateMachine,
                   clients: ClientTable) -> (lineage: UInt64, app: any StateMachine, clients: ClientTable) {
        let name = CheckpointName(sequence: sequence, stateDigest: stateDigest)
        if let known = checkpoints[name] { return (known.lineage, known.app, known.clients) }
        let outcome = Outcome(lineage: freshLineage(), app: app, clients: clients, results: [], stateDigest: stateDigest)
        remember(outcome, at: name)
        return (outcome.lineage, app, clients)
    }

    private func freshLineage() -> UInt64 {
        defer { nextLineage += 1 }
        return nextLineage
    }

    private func remember(_ outcome: Outcome, at name: CheckpointName) {
        checkpoints[name] = outcome
        checkpointOrder.append(name)
        if checkpointOrder.count > 2 * capacity {
            for old in checkpointOrder[..<capacity] { checkpoints[old] = nil }
            checkpointOrder.removeFirst(capacity)
        }
    }
}
