/// One ordered slot, as the replica hands it to its executor.
public struct OrderedSlot: Sendable {
    public let sequence: SequenceNumber
    public let batches: [Batch]
    /// The digest of the slot's batches (one batch: its digest; several: chained).
    public let digest: Digest
    /// Whether the state digest is due after this slot.
    public let isCheckpoint: Bool
}

/// A request that a slot's execution ran (requests already executed for their
/// client are skipped and have no entry).
public struct ExecutedRequest: Sendable {
    /// Position among the slot's requests, batches in order.
    public let index: Int32
    /// `ClientRequest.digest` of the request (replies name it).
    public let request: Digest
    public let result: [UInt8]

    public init(index: Int32, request: Digest, result: [UInt8]) {
        self.index = index; self.request = request; self.result = result
    }
}

/// What executing one slot produced.
public struct SlotOutcome: Sendable {
    /// The requests that ran, in order.
    public let results: [ExecutedRequest]
    /// At a checkpoint: `Replica.stateDigest(app:clients:)` after the slot.
    public let stateDigest: Digest?

    public init(results: [ExecutedRequest], stateDigest: Digest?) {
        self.results = results; self.stateDigest = stateDigest
    }
}

/// How a replica turns an ordered slot into its next state: the seam where a
/// process that runs many replicas of one cluster (the simulator) shares the work
/// of executing the same slots from the same state. The core has one execution
/// path — through this protocol — and one executor, `DirectExecution`.
///
/// Guarantees (every conforming type): `execute` leaves `app` and `clients`
/// exactly as `DirectExecution` would, and returns the same results and state
/// digest; `lineage` is the executor's own name for the state (the core stores it
/// and hands it back, nothing more); `installed` does not change what `app` and
/// `clients` contain.
public protocol SlotExecutor: Sendable {
    func execute(_ slot: OrderedSlot, app: inout any StateMachine, clients: inout ClientTable,
                 lineage: inout UInt64) -> SlotOutcome
    /// A state with `stateDigest` was installed at checkpoint `sequence` by state transfer.
    func installed(sequence: SequenceNumber, stateDigest: Digest, app: inout any StateMachine, clients: inout ClientTable,
                   lineage: inout UInt64)
}

/// Executes every request of a slot that is new for its client, in order, and
/// records it in the client table.
///
/// Guarantees: deterministic (a function of the state and the slot); a request at
/// or below its client's recorded timestamp does not run; one the table refuses
/// (`ClientTable.admission`) does not run and is answered with the refusal.
public struct DirectExecution: SlotExecutor {
    public init() {}

    public func execute(_ slot: OrderedSlot, app: inout any StateMachine, clients: inout ClientTable,
                        lineage: inout UInt64) -> SlotOutcome {
        var results: [ExecutedRequest] = []
        var index: Int32 = 0
        for batch in slot.batches {
            for r in batch.requests {
                defer { index += 1 }
                switch clients.admission(r.client, timestamp: r.timestamp, epoch: r.epoch) {
                case .skip: continue
                case .refuse(let refusal):
                    results.append(ExecutedRequest(index: index, request: ClientRefusal.replyDigest, result: refusal.encoded))
                    continue
                case .execute: break
                }
                let result = app.apply(r.operation)
                let request = r.digest
                clients.record(r.client, timestamp: r.timestamp, request: request, reply: result)
                results.append(ExecutedRequest(index: index, request: request, result: result))
            }
        }
        return SlotOutcome(results: results,
                           stateDigest: slot.isCheckpoint ? Replica.stateDigest(app: &app, clients: &clients) : nil)
    }

    public func installed(sequence: SequenceNumber, stateDigest: Digest, app: inout any StateMachine,
                          clients: inout ClientTable, lineage: inout UInt64) {}
}
