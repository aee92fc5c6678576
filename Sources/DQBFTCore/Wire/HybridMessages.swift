/// PREPARE of a hybrid instance: the primary binds `payload` to `(view, sequence)`;
/// its trusted counter certifies the payload digest at `(view, ordering, sequence)`,
/// so no second PREPARE for the same slot and view can exist. The certificate is
/// also the primary's commit share.
public struct HybridPrepare: Hashable, Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var payload: Payload
    public var certificate: CounterCertificate
    public init(view: ViewNumber, sequence: SequenceNumber, payload: Payload, certificate: CounterCertificate) {
        self.view = view; self.sequence = sequence; self.payload = payload; self.certificate = certificate
    }
    var encodedSize: Int { 16 + payload.encodedSize + certificate.encodedSize }
}

/// A replica's commit share for `digest` at `(view, sequence)`, certified by its
/// trusted counter at the same counter value as the PREPARE.
public struct HybridCommit: Hashable, Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var digest: Digest
    public var certificate: CounterCertificate
    public init(view: ViewNumber, sequence: SequenceNumber, digest: Digest, certificate: CounterCertificate) {
        self.view = view; self.sequence = sequence; self.digest = digest; self.certificate = certificate
    }
    var encodedSize: Int { 16 + 32 + certificate.encodedSize }
}

/// A collector's proof that f+1 replicas committed `digest` at `(view, sequence)`.
public struct HybridCommitProof: Hashable, Sendable {
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var digest: Digest
    public var proof: QuorumCertificate
    public init(view: ViewNumber, sequence: SequenceNumber, digest: Digest, proof: QuorumCertificate) {
        self.view = view; self.sequence = sequence; self.digest = digest; self.proof = proof
    }
    var encodedSize: Int { 16 + 32 + proof.encodedSize }
}

/// What a new view starts from: the checkpoint, and the digest re-proposed for
/// every slot after it (no-op where nothing may have committed).
public struct HybridDecision: Hashable, Sendable {
    public var view: ViewNumber
    public var startSequence: SequenceNumber
    public var startDigest: Digest
    public var proposals: [Digest]
    public init(view: ViewNumber, startSequence: SequenceNumber, startDigest: Digest, proposals: [Digest]) {
        self.view = view; self.startSequence = startSequence; self.startDigest = startDigest; self.proposals = proposals
    }
    /// The last slot the decision covers.
    public var end: SequenceNumber { startSequence.advanced(by: Int64(proposals.count)) }
    var encodedSize: Int { 8 + 8 + 32 + 4 + 32 * proposals.count }
    public var digest: Digest {
        var w = WireWriter(capacity: encodedSize + 1)
        w.write(UInt8(0xD1)); encode(into: &w)
        return Digest.of(w.bytes)
    }
}

/// A NEW-VIEW that committed: the decision, the new primary's certificate for it
/// and the f+1 acknowledgements that committed it.
public struct InstalledView: Hashable, Sendable {
    public var decision: HybridDecision
    public var certificate: CounterCertificate
    public var commitProof: QuorumCertificate
    public init(decision: HybridDecision, certificate: CounterCertificate, commitProof: QuorumCertificate) {
        self.decision = decision; self.certificate = certificate; self.commitProof = commitProof
    }
    var encodedSize: Int { decision.encodedSize + certificate.encodedSize + commitProof.encodedSize }
}

/// One certified PREPARE digest a replica reports in a view change.
public struct PrepareClaim: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var digest: Digest
    public var certificate: CounterCertificate
    public init(sequence: SequenceNumber, digest: Digest, certificate: CounterCertificate) {
        self.sequence = sequence; self.digest = digest; self.certificate = certificate
    }
    var encodedSize: Int { 8 + 32 + certificate.encodedSize }
}

/// What a replica knew when it left its last installed view, complete relative to
/// `counter` (the trusted counter value it left): the NEW-VIEW of that view and its
/// PREPAREs for every slot up to the counter's sequence.
public struct HybridEvidence: Hashable, Sendable {
    public var counter: CounterValue
    public var stableSequence: SequenceNumber
    public var stableDigest: Digest
    /// nil when the installed view is view 0.
    public var installed: InstalledView?
    /// PREPAREs of the installed view above its NEW-VIEW's range, by slot.
    public var prepares: [PrepareClaim]
    /// A NEW-VIEW for a later view than `installed` that the sender acknowledged (its
    /// counter moved to that view's `(ordering, end)`) but never saw committed, with
    /// the view changes it was computed from, so anyone can check its decision. A
    /// replica can leave such a view only by showing it: the decision may have
    /// committed elsewhere.
    public var acknowledged: HybridNewView?
    /// Most NEW-VIEWs nested through `acknowledged` (each level is an earlier view
    /// whose NEW-VIEW was acknowledged but never committed).
    public static let maxNesting = 3

    public init(counter: CounterValue, stableSequence: SequenceNumber, stableDigest: Digest,
                installed: InstalledView?, prepares: [PrepareClaim], acknowledged: HybridNewView? = nil) {
        self.counter = counter; self.stableSequence = stableSequence; self.stableDigest = stableDigest
        self.installed = installed; self.prepares = prepares; self.acknowledged = acknowledged
    }
    /// The view the evidence describes.
    public var view: ViewNumber { acknowledged?.view ?? installed?.decision.view ?? .zero }
    var encodedSize: Int {
        8 + 8 + 32 + 1 + (installed?.encodedSize ?? 0) + 4 + prepares.reduce(0) { $0 + $1.encodedSize }
            + (acknowledged?.encodedSize ?? 0)
    }
    public var digest: Digest {
        var w = WireWriter(capacity: encodedSize + 1)
        w.write(UInt8(0xD2)); encode(into: &w)
        return Digest.of(w.bytes)
    }
}

/// A hybrid VIEW-CHANGE: the sender's evidence and the chain of continuing counter
/// certificates from the value the evidence is complete for up to `(newView, 0, 0)`.
/// Because each link attests the value it left, a replica cannot hide a slot it
/// committed. `checkpointProof` certifies the evidence's stable checkpoint.
public struct HybridViewChange: Hashable, Sendable {
    public var sender: ReplicaID
    public var newView: ViewNumber
    public var evidence: HybridEvidence
    public var chain: [CounterCertificate]
    public var checkpointProof: [SignedCheckpoint]
    public init(sender: ReplicaID, newView: ViewNumber, evidence: HybridEvidence, chain: [CounterCertificate],
                checkpointProof: [SignedCheckpoint]) {
        self.sender = sender; self.newView = newView; self.evidence = evidence; self.chain = chain
        self.checkpointProof = checkpointProof
    }
    var encodedSize: Int {
        2 + 8 + evidence.encodedSize + 4 + chain.reduce(0) { $0 + $1.encodedSize }
            + 4 + checkpointProof.reduce(0) { $0 + $1.encodedSize }
    }
}

/// The new primary's NEW-VIEW: f+1 view changes and the decision they imply,
/// certified at `(view, viewChange, 1)`. Backups recompute the decision.
public struct HybridNewView: Hashable, Sendable {
    public var decision: HybridDecision
    public var viewChanges: [HybridViewChange]
    public var checkpointProof: [SignedCheckpoint]
    public var certificate: CounterCertificate
    public init(decision: HybridDecision, viewChanges: [HybridViewChange], checkpointProof: [SignedCheckpoint],
                certificate: CounterCertificate) {
        self.decision = decision; self.viewChanges = viewChanges; self.checkpointProof = checkpointProof
        self.certificate = certificate
    }
    public var view: ViewNumber { decision.view }
    var encodedSize: Int {
        decision.encodedSize + 4 + viewChanges.reduce(0) { $0 + $1.encodedSize }
            + 4 + checkpointProof.reduce(0) { $0 + $1.encodedSize } + certificate.encodedSize
    }
}

/// Acknowledgement (share) of a NEW-VIEW decision, at `(view, ordering, decision.end)`.
public struct HybridNewViewAck: Hashable, Sendable {
    public var view: ViewNumber
    public var decisionDigest: Digest
    public var certificate: CounterCertificate
    public init(view: ViewNumber, decisionDigest: Digest, certificate: CounterCertificate) {
        self.view = view; self.decisionDigest = decisionDigest; self.certificate = certificate
    }
    var encodedSize: Int { 8 + 32 + certificate.encodedSize }
}

/// Proof that f+1 replicas acknowledged the NEW-VIEW `decision` (it committed).
public struct HybridNewViewProof: Hashable, Sendable {
    public var decision: HybridDecision
    public var certificate: CounterCertificate
    public var proof: QuorumCertificate
    public init(decision: HybridDecision, certificate: CounterCertificate, proof: QuorumCertificate) {
        self.decision = decision; self.certificate = certificate; self.proof = proof
    }
    var encodedSize: Int { decision.encodedSize + certificate.encodedSize + proof.encodedSize }
}

/// The messages of a hybrid (Hybster / Linear Hybster) instance.
public enum HybridMessage: Hashable, Sendable {
    case prepare(HybridPrepare)
    /// A commit share: broadcast (Hybster) or sent to a collector (Linear Hybster).
    case commit(HybridCommit)
    case commitProof(HybridCommitProof)
    /// A commit share re-sent after a collector timeout: a collector that already
    /// has the certificate answers it with the certificate.
    case commitRetry(HybridCommit)
    // View-change messages are rare and large: boxed, so that every message (and
    // every effect that carries one) is not as large as the largest of them.
    indirect case viewChange(HybridViewChange)
    indirect case newView(HybridNewView)
    indirect case newViewAck(HybridNewViewAck)
    indirect case newViewProof(HybridNewViewProof)

    var encodedSize: Int {
        switch self {
        case .prepare(let m): return m.encodedSize
        case .commit(let m), .commitRetry(let m): return m.encodedSize
        case .commitProof(let m): return m.encodedSize
        case .viewChange(let m): return m.encodedSize
        case .newView(let m): return m.encodedSize
        case .newViewAck(let m): return m.encodedSize
        case .newViewProof(let m): return m.encodedSize
        }
    }
}
