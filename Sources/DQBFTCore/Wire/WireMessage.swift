/// Asks for `length` bytes at `offset` of the encoded state at checkpoint
/// `sequence` (a chunk of a state transfer; see `StateAssembly`). A replica that
/// no longer keeps that state answers with the certificate and the same chunk of
/// its stable checkpoint's state, if that is newer.
public struct StateRequest: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var offset: UInt64
    public var length: UInt32
    /// Bytes asked for per chunk unless the replica's parameters say otherwise.
    public static let defaultChunkBytes = 1 << 20
    public init(sequence: SequenceNumber, offset: UInt64 = 0, length: UInt32 = UInt32(StateRequest.defaultChunkBytes)) {
        self.sequence = sequence; self.offset = offset; self.length = length
    }
}

/// Bytes `[offset, offset + bytes.count)` of the encoded state (`StateReply.snapshot`)
/// at checkpoint `sequence`, which is `totalBytes` long. A chunk proves nothing by
/// itself: the receiver installs the assembled state only if it matches a
/// checkpoint digest certified by a quorum.
public struct StateChunk: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var offset: UInt64
    public var totalBytes: UInt64
    public var bytes: [UInt8]
    public init(sequence: SequenceNumber, offset: UInt64, totalBytes: UInt64, bytes: [UInt8]) {
        self.sequence = sequence; self.offset = offset; self.totalBytes = totalBytes; self.bytes = bytes
    }
}

/// A whole state snapshot at a checkpoint, as a replica logs or snapshots its own
/// (peers transfer it in `StateChunk`s). It is installed only if the snapshot's
/// digest equals a checkpoint digest certified by a quorum.
public struct StateReply: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var snapshot: [UInt8]
    public init(sequence: SequenceNumber, snapshot: [UInt8]) {
        self.sequence = sequence; self.snapshot = snapshot
    }
}

/// A replica's execution signature share (π) over the replies of one execution
/// slot (Linear Hybster's EXECSIG), sent to the execution collector.
public struct ExecutionShare: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var root: Digest
    public var share: [UInt8]
    public init(sequence: SequenceNumber, root: Digest, share: [UInt8]) {
        self.sequence = sequence; self.root = root; self.share = share
    }
}

/// The combined execution signature of one slot (EXECPROOF), sent to replicas so
/// that any of them can answer a client's retransmission with a proven reply.
public struct ExecutionProof: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var root: Digest
    public var signature: [UInt8]
    public init(sequence: SequenceNumber, root: Digest, signature: [UInt8]) {
        self.sequence = sequence; self.root = root; self.signature = signature
    }
}

/// Every message that crosses the wire, in one versioned, deterministic encoding.
///
/// Guarantees: `encode()` is a pure function of the value (same message → same
/// bytes); `decode` accepts exactly what `encode` produces and rejects everything
/// else with a `WireError`, never trapping and never allocating beyond the frame;
/// `encodedSize == encode().count`.
public enum WireMessage: Hashable, Sendable {
    case request(ClientRequest)
    case reply(ClientReply)
    case consensus(from: ReplicaID, instance: InstanceID, ConsensusMessage)
    case stateRequest(from: ReplicaID, StateRequest)
    case stateReply(from: ReplicaID, StateReply)
    case stateChunk(from: ReplicaID, StateChunk)
    case executionShare(from: ReplicaID, ExecutionShare)
    case executionProof(from: ReplicaID, ExecutionProof)

    /// The wire format version this build writes and reads.
    public static let version: UInt8 = 1

    /// The replica that sent it, for replica-to-replica messages.
    public var replicaSender: ReplicaID? {
        switch self {
        case .request: return nil
        case .reply(let r): return r.replica
        case .consensus(let from, _, _), .stateRequest(let from, _), .stateReply(let from, _), .stateChunk(let from, _),
             .executionShare(let from, _), .executionProof(let from, _): return from
        }
    }

    /// Exact size of `encode()`, computed without encoding.
    public var encodedSize: Int {
        switch self {
        case .request(let r): return 2 + r.encodedSize
        case .reply(let r): return 2 + r.encodedSize
        case .consensus(_, _, let m): return 2 + 2 + 2 + 1 + m.encodedSize
        case .stateRequest: return 2 + 2 + 8 + 8 + 4
        case .stateReply(_, let s): return 2 + 2 + 8 + 4 + s.snapshot.count
        case .stateChunk(_, let c): return 2 + 2 + 8 + 8 + 8 + 4 + c.bytes.count
        case .executionShare(_, let e): return 2 + 2 + 8 + 32 + 4 + e.share.count
        case .executionProof(_, let e): return 2 + 2 + 8 + 32 + 4 + e.signature.count
        }
    }

    public func encode() -> [UInt8] {
        var w = WireWriter(capacity: encodedSize)
        w.write(Self.version)
        switch self {
        case .request(let r): w.write(Tag.request.rawValue); w.write(r)
        case .reply(let r): w.write(Tag.reply.rawValue); w.write(r)
        case .consensus(let from, let instance, let m):
            w.write(Tag.consensus.rawValue); w.write(from); w.write(instance)
            m.encode(into: &w)
        case .stateRequest(let from, let s):
            w.write(Tag.stateRequest.rawValue); w.write(from); w.write(s.sequence); w.write(s.offset); w.write(s.length)
        case .stateReply(let from, let s):
            w.write(Tag.stateReply.rawValue); w.write(from); w.write(s.sequence); w.write(s.snapshot)
        case .stateChunk(let from, let c):
            w.write(Tag.stateChunk.rawValue); w.write(from); w.write(c.sequence); w.write(c.offset); w.write(c.totalBytes)
            w.write(c.bytes)
        case .executionShare(let from, let e):
            w.write(Tag.executionShare.rawValue); w.write(from); w.write(e.sequence); w.write(e.root); w.write(e.share)
        case .executionProof(let from, let e):
            w.write(Tag.executionProof.rawValue); w.write(from); w.write(e.sequence); w.write(e.root); w.write(e.signature)
        }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> WireMessage {
        var r = try WireReader(bytes, limits: limits)
        let version = try r.readUInt8()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let rawTag = try r.readUInt8()
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownTag(field: "message", value: rawTag) }
        let message: WireMessage
        switch tag {
        case .request: message = .request(try r.readRequest())
        case .reply: message = .reply(try r.readReply())
        case .consensus:
            let from = try r.readReplica()
            let instance = try r.readInstance()
            message = .consensus(from: from, instance: instance, try ConsensusMessage.decode(&r))
        case .stateRequest:
            message = .stateRequest(from: try r.readReplica(), StateRequest(sequence: try r.readSeq(), offset: try r.readUInt64(),
                                                                           length: try r.readUInt32()))
        case .stateReply:
            let from = try r.readReplica()
            let seq = try r.readSeq()
            message = .stateReply(from: from, StateReply(sequence: seq, snapshot: try r.readBytes("snapshot", limit: limits.maxFrameBytes)))
        case .stateChunk:
            let from = try r.readReplica()
            let seq = try r.readSeq()
            let offset = try r.readUInt64()
            let total = try r.readUInt64()
            let bytes = try r.readBytes("chunk", limit: limits.maxFrameBytes)
            guard offset <= total, UInt64(bytes.count) <= total - offset else { throw .invalidValue(field: "chunk") }
            message = .stateChunk(from: from, StateChunk(sequence: seq, offset: offset, totalBytes: total, bytes: bytes))
        case .executionShare:
            message = .executionShare(from: try r.readReplica(), ExecutionShare(sequence: try r.readSeq(), root: try r.readDigest(),
                                                                               share: try r.readBytes("share", limit: 1024)))
        case .executionProof:
            message = .executionProof(from: try r.readReplica(), ExecutionProof(sequence: try r.readSeq(), root: try r.readDigest(),
                                                                               signature: try r.readBytes("signature", limit: 1024)))
        }
        try r.expectEnd()
        return message
    }

    enum Tag: UInt8 {
        case request = 1, reply = 2, consensus = 3, stateRequest = 4, stateReply = 5, executionShare = 6, executionProof = 7, stateChunk = 8
    }
}

extension ConsensusMessage {
    enum Kind: UInt8 {
        case prePrepare = 1, prepare, commit, checkpoint, viewChange, newView, fetch, payload, status, hybrid
    }

    func encode(into w: inout WireWriter) {
        switch self {
        case .prePrepare(let p):
            w.write(Kind.prePrepare.rawValue); w.write(p.view); w.write(p.sequence); w.write(p.payload)
        case .prepare(let v): w.write(Kind.prepare.rawValue); v.encode(into: &w)
        case .commit(let v): w.write(Kind.commit.rawValue); v.encode(into: &w)
        case .checkpoint(let c): w.write(Kind.checkpoint.rawValue); c.encode(into: &w)
        case .viewChange(let m):
            w.write(Kind.viewChange.rawValue); m.signed.encode(into: &w)
            w.write(UInt32(m.checkpointProof.count)); for c in m.checkpointProof { c.encode(into: &w) }
        case .newView(let n):
            w.write(Kind.newView.rawValue); w.write(n.view)
            w.write(UInt32(n.viewChanges.count)); for s in n.viewChanges { s.encode(into: &w) }
            w.write(UInt32(n.checkpointProof.count)); for c in n.checkpointProof { c.encode(into: &w) }
            w.write(n.startSequence); w.write(n.startDigest)
            w.write(UInt32(n.proposals.count)); for d in n.proposals { w.write(d) }
        case .fetch(let d): w.write(Kind.fetch.rawValue); w.write(d)
        case .payload(let p): w.write(Kind.payload.rawValue); w.write(p)
        case .status(let view, let stable): w.write(Kind.status.rawValue); w.write(view); w.write(stable)
        case .hybrid(let h): w.write(Kind.hybrid.rawValue); h.encode(into: &w)
        }
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> ConsensusMessage {
        let raw = try r.readUInt8()
        guard let kind = Kind(rawValue: raw) else { throw .unknownTag(field: "consensus", value: raw) }
        switch kind {
        case .prePrepare:
            return .prePrepare(PrePrepare(view: try r.readView(), sequence: try r.readSeq(), payload: try r.readPayload()))
        case .prepare: return .prepare(try Vote.decode(&r))
        case .commit: return .commit(try Vote.decode(&r))
        case .checkpoint: return .checkpoint(try SignedCheckpoint.decode(&r))
        case .viewChange:
            let signed = try SignedViewChange.decode(&r)
            return .viewChange(ViewChangeMessage(signed: signed, checkpointProof: try SignedCheckpoint.decodeList(&r)))
        case .newView:
            let view = try r.readView()
            let n = try r.readCount("viewChanges", limit: r.limits.maxReplicas, minElementSize: 62)
            var vcs: [SignedViewChange] = []
            vcs.reserveCapacity(n)
            for _ in 0..<n { vcs.append(try SignedViewChange.decode(&r)) }
            let proof = try SignedCheckpoint.decodeList(&r)
            let start = try r.readSeq()
            let startDigest = try r.readDigest()
            let m = try r.readCount("proposals", limit: 1 << 16, minElementSize: 32)
            var proposals: [Digest] = []
            proposals.reserveCapacity(m)
            for _ in 0..<m { proposals.append(try r.readDigest()) }
            return .newView(NewView(view: view, viewChanges: vcs, checkpointProof: proof, startSequence: start,
                                    startDigest: startDigest, proposals: proposals))
        case .fetch: return .fetch(try r.readDigest())
        case .payload: return .payload(try r.readPayload())
        case .status: return .status(view: try r.readView(), stableSequence: try r.readSeq())
        case .hybrid: return .hybrid(try HybridMessage.decode(&r))
        }
    }
}

extension Vote {
    func encode(into w: inout WireWriter) { w.write(view); w.write(sequence); w.write(digest) }
    static func decode(_ r: inout WireReader) throws(WireError) -> Vote {
        Vote(view: try r.readView(), sequence: try r.readSeq(), digest: try r.readDigest())
    }
}

extension SignedCheckpoint {
    func encode(into w: inout WireWriter) {
        w.write(sender); w.write(sequence); w.write(stateDigest); w.write(signature)
    }
    static func decode(_ r: inout WireReader) throws(WireError) -> SignedCheckpoint {
        SignedCheckpoint(sender: try r.readReplica(), sequence: try r.readSeq(), stateDigest: try r.readDigest(),
                         signature: try r.readBytes("signature", limit: 512))
    }
    static func decodeList(_ r: inout WireReader) throws(WireError) -> [SignedCheckpoint] {
        let n = try r.readCount("checkpointProof", limit: r.limits.maxReplicas, minElementSize: 46)
        var out: [SignedCheckpoint] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try decode(&r)) }
        return out
    }
}

extension SlotClaim {
    func encode(into w: inout WireWriter) { w.write(sequence); w.write(view); w.write(digest) }
    static func decode(_ r: inout WireReader) throws(WireError) -> SlotClaim {
        SlotClaim(sequence: try r.readSeq(), view: try r.readView(), digest: try r.readDigest())
    }
}

extension SignedViewChange {
    func encode(into w: inout WireWriter) {
        w.write(sender)
        w.write(viewChange.newView); w.write(viewChange.stableSequence); w.write(viewChange.stableDigest)
        w.write(UInt32(viewChange.prepared.count)); for c in viewChange.prepared { c.encode(into: &w) }
        w.write(UInt32(viewChange.prePrepared.count)); for c in viewChange.prePrepared { c.encode(into: &w) }
        w.write(signature)
    }

    /// The bytes a view change's signature covers: everything but the signature,
    /// bound to one instance.
    public func signedBytes(instance: InstanceID) -> [UInt8] {
        var w = WireWriter(capacity: encodedSize + 3)
        w.write(UInt8(0xC2)); w.write(instance)
        var unsigned = self
        unsigned.signature = []
        unsigned.encode(into: &w)
        return w.bytes
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> SignedViewChange {
        let sender = try r.readReplica()
        let newView = try r.readView()
        let stableSeq = try r.readSeq()
        let stableDigest = try r.readDigest()
        let p = try r.readCount("prepared", limit: 1 << 16, minElementSize: SlotClaim.encodedSize)
        var prepared: [SlotClaim] = []
        prepared.reserveCapacity(p)
        for _ in 0..<p { prepared.append(try SlotClaim.decode(&r)) }
        let q = try r.readCount("prePrepared", limit: 1 << 16, minElementSize: SlotClaim.encodedSize)
        var prePrepared: [SlotClaim] = []
        prePrepared.reserveCapacity(q)
        for _ in 0..<q { prePrepared.append(try SlotClaim.decode(&r)) }
        let signature = try r.readBytes("signature", limit: 512)
        return SignedViewChange(sender: sender,
                                viewChange: ViewChange(newView: newView, stableSequence: stableSeq, stableDigest: stableDigest,
                                                       prepared: prepared, prePrepared: prePrepared),
                                signature: signature)
    }
}
