/// One client command: an opaque operation for the state machine, tagged with the
/// client and a per-client timestamp that only grows.
///
/// Guarantees: `(client, timestamp)` identifies the command for deduplication; the
/// operation bytes are never interpreted by consensus, only by the state machine.
public struct ClientRequest: Hashable, Sendable {
    public var client: ClientID
    /// Per-client, strictly increasing; replicas execute each `(client, timestamp)` once.
    public var timestamp: UInt64
    /// The replica the client is assigned to (its coordinator in DQ protocols).
    public var assignedReplica: ReplicaID
    public var operation: [UInt8]
    /// The least epoch the client table's floor may have for this request to be
    /// admitted from a client without an entry (see `ClientTable`): 0 until a
    /// replica's `ClientRefusal.staleEpoch` names a higher floor. Signed; on the
    /// wire only when not 0.
    public var epoch: UInt64 = 0
    /// The client's signature over `signedBytes`; required by replicas whose
    /// configuration authenticates clients (the runtime's default), absent in
    /// simulations.
    public var signature: ClientSignature?

    public init(client: ClientID, timestamp: UInt64, assignedReplica: ReplicaID = ReplicaID(0), operation: [UInt8],
                epoch: UInt64 = 0, signature: ClientSignature? = nil) {
        self.client = client
        self.epoch = epoch
        self.timestamp = timestamp
        self.assignedReplica = assignedReplica
        self.operation = operation
        self.signature = signature
    }

    /// What a reply names to say which command it answers: client, timestamp and
    /// operation (not the assigned replica, which a retransmission may change, nor
    /// the signature). A client accepts a reply only if it names the command sent:
    /// a reused timestamp then never takes another command's cached result.
    public var digest: Digest {
        var w = WireWriter(capacity: 21 + operation.count)
        w.write(UInt8(0xE3)); w.write(client); w.write(timestamp); w.write(operation)
        return Digest.of(w.bytes)
    }

    /// Encoded size on the wire (see `WireWriter.write(_: ClientRequest)`).
    @inlinable public var encodedSize: Int {
        8 + 8 + 2 + 4 + operation.count + 1 + (signature == nil ? 0 : ClientSignature.encodedSize) + (epoch == 0 ? 0 : 8)
    }
}

/// The result a replica returns for one executed request.
///
/// Guarantees: correct replicas that execute the same request on the same state
/// produce byte-identical replies, so a client can match f+1 of them.
public struct ClientReply: Hashable, Sendable {
    public var client: ClientID
    public var timestamp: UInt64
    /// The `digest` of the request this reply answers (for a retransmission
    /// answered from the client table: of the request that was executed).
    public var request: Digest
    public var view: ViewNumber
    public var replica: ReplicaID
    public var result: [UInt8]
    /// Linear Hybster / Destiny: proof that f+1 replicas produced this result, so
    /// the client needs only this one reply.
    public var proof: ReplyProof? {
        get { boxedProof?.proof }
        set { boxedProof = newValue.map(ProofBox.init) }
    }
    /// The proof out of line: most replies have none, and every reply effect a
    /// replica emits would otherwise carry the room for one.
    private var boxedProof: ProofBox?

    final class ProofBox: Hashable, Sendable {
        let proof: ReplyProof
        init(_ proof: ReplyProof) { self.proof = proof }
        static func == (a: ProofBox, b: ProofBox) -> Bool { a.proof == b.proof }
        func hash(into h: inout Hasher) { h.combine(proof) }
    }

    public init(client: ClientID, timestamp: UInt64, request: Digest, view: ViewNumber, replica: ReplicaID, result: [UInt8],
                proof: ReplyProof? = nil) {
        self.client = client; self.timestamp = timestamp; self.request = request; self.view = view; self.replica = replica
        self.result = result
        self.boxedProof = proof.map(ProofBox.init)
    }

    public var encodedSize: Int { 8 + 8 + 32 + 8 + 2 + 4 + result.count + 1 + (proof?.encodedSize ?? 0) }
}
