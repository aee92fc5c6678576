/// A proposal: the primary binds `payload` to slot `sequence` in `view`.
public struct PrePrepare: Hashable, Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var payload: Payload
    public init(view: ViewNumber, sequence: SequenceNumber, payload: Payload) {
        self.view = view; self.sequence = sequence; self.payload = payload
    }
}

/// A vote (PBFT Prepare or Commit) for the payload with `digest` at `(view, sequence)`.
public struct Vote: Hashable, Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var digest: Digest
    public init(view: ViewNumber, sequence: SequenceNumber, digest: Digest) {
        self.view = view; self.sequence = sequence; self.digest = digest
    }
    static let encodedSize = 8 + 8 + 32
}

/// "My state after executing through `sequence` has digest `stateDigest`", signed by
/// `sender` so that a quorum of them forms a transferable checkpoint certificate.
public struct SignedCheckpoint: Hashable, Sendable {
    public var sender: ReplicaID
    public var sequence: SequenceNumber
    public var stateDigest: Digest
    public var signature: [UInt8]
    public init(sender: ReplicaID, sequence: SequenceNumber, stateDigest: Digest, signature: [UInt8]) {
        self.sender = sender; self.sequence = sequence; self.stateDigest = stateDigest; self.signature = signature
    }
    var encodedSize: Int { 2 + 8 + 32 + 4 + signature.count }

    /// The bytes the signature covers, bound to one instance.
    public func signedBytes(instance: InstanceID) -> [UInt8] {
        var w = WireWriter(capacity: 48)
        w.write(UInt8(0xC1)); w.write(instance); w.write(sender); w.write(sequence); w.write(stateDigest)
        return w.bytes
    }
}

/// One slot a replica reports in a view change: it (pre-)prepared `digest` at
/// `sequence` in `view`.
public struct SlotClaim: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var view: ViewNumber
    public var digest: Digest
    public init(sequence: SequenceNumber, view: ViewNumber, digest: Digest) {
        self.sequence = sequence; self.view = view; self.digest = digest
    }
    static let encodedSize = 8 + 8 + 32
}

/// A replica's request to move to `newView`, carrying what it knows above its stable
/// checkpoint (PBFT's P and Q sets) so the new primary can preserve every slot that
/// may have committed.
public struct ViewChange: Hashable, Sendable {
    public var newView: ViewNumber
    /// The sender's stable checkpoint (its certificate travels beside the message).
    public var stableSequence: SequenceNumber
    public var stableDigest: Digest
    /// Highest-view prepared claim per slot above the stable checkpoint.
    public var prepared: [SlotClaim]
    /// Pre-prepared claims (at most a few views per slot) above the stable checkpoint.
    public var prePrepared: [SlotClaim]
    public init(newView: ViewNumber, stableSequence: SequenceNumber, stableDigest: Digest,
                prepared: [SlotClaim], prePrepared: [SlotClaim]) {
        self.newView = newView; self.stableSequence = stableSequence; self.stableDigest = stableDigest
        self.prepared = prepared; self.prePrepared = prePrepared
    }
    var encodedSize: Int { 8 + 8 + 32 + 4 + 4 + (prepared.count + prePrepared.count) * SlotClaim.encodedSize }
}

/// A view change with its sender's signature, so a new primary can forward it as
/// evidence inside NEW-VIEW.
public struct SignedViewChange: Hashable, Sendable {
    public var sender: ReplicaID
    public var viewChange: ViewChange
    public var signature: [UInt8]
    public init(sender: ReplicaID, viewChange: ViewChange, signature: [UInt8]) {
        self.sender = sender; self.viewChange = viewChange; self.signature = signature
    }
    var encodedSize: Int { 2 + viewChange.encodedSize + 4 + signature.count }
}

/// A view change as sent: signed, with the certificate (a quorum of signed
/// checkpoints) for its stable checkpoint. Genesis (sequence 0) needs no certificate.
public struct ViewChangeMessage: Hashable, Sendable {
    public var signed: SignedViewChange
    public var checkpointProof: [SignedCheckpoint]
    public init(signed: SignedViewChange, checkpointProof: [SignedCheckpoint]) {
        self.signed = signed; self.checkpointProof = checkpointProof
    }
    var encodedSize: Int { signed.encodedSize + 4 + checkpointProof.reduce(0) { $0 + $1.encodedSize } }
}

/// The new primary's announcement of `view`: the view changes it used (a quorum)
/// and, for every slot between their stable checkpoint and highest claim, the
/// digest it re-proposes (the no-op digest for slots nobody could have committed).
/// Backups recompute the decision from the included view changes.
public struct NewView: Hashable, Sendable {
    public var view: ViewNumber
    public var viewChanges: [SignedViewChange]
    /// Certificate of the checkpoint the new view starts from (`startSequence`).
    public var checkpointProof: [SignedCheckpoint]
    /// The checkpoint the new view starts from; proposals cover the slots after it.
    public var startSequence: SequenceNumber
    public var startDigest: Digest
    public var proposals: [Digest]
    public init(view: ViewNumber, viewChanges: [SignedViewChange], checkpointProof: [SignedCheckpoint],
                startSequence: SequenceNumber, startDigest: Digest, proposals: [Digest]) {
        self.view = view; self.viewChanges = viewChanges; self.checkpointProof = checkpointProof
        self.startSequence = startSequence; self.startDigest = startDigest; self.proposals = proposals
    }
    var encodedSize: Int {
        8 + 4 + viewChanges.reduce(0) { $0 + $1.encodedSize } + 4 + checkpointProof.reduce(0) { $0 + $1.encodedSize }
            + 8 + 32 + 4 + proposals.count * 32
    }
}

/// The messages of one PBFT-style consensus instance.
public enum ConsensusMessage: Hashable, Sendable {
    case prePrepare(PrePrepare)
    case prepare(Vote)
    case commit(Vote)
    case checkpoint(SignedCheckpoint)
    // Rare and large: boxed, as in `HybridMessage`.
    indirect case viewChange(ViewChangeMessage)
    indirect case newView(NewView)
    /// Asks peers for the payload with this digest (missed proposal, new view).
    case fetch(Digest)
    /// Answers `fetch`; accepted only if its digest was asked for.
    case payload(Payload)
    /// "I am in `view` with stable checkpoint `stableSequence`": lets peers that are
    /// ahead send the NEW-VIEW or checkpoint certificate a recovering replica missed.
    case status(view: ViewNumber, stableSequence: SequenceNumber)
    /// Messages of hybrid instances (Hybster, Linear Hybster).
    case hybrid(HybridMessage)

    var encodedSize: Int {
        switch self {
        case .prePrepare(let p): return 16 + p.payload.encodedSize
        case .prepare, .commit: return Vote.encodedSize
        case .checkpoint(let c): return c.encodedSize
        case .viewChange(let v): return v.encodedSize
        case .newView(let n): return n.encodedSize
        case .fetch: return 32
        case .payload(let p): return p.encodedSize
        case .status: return 16
        case .hybrid(let h): return 1 + h.encodedSize
        }
    }
}
