// Canonical encoding of the hybrid messages (tags under `ConsensusMessage.hybrid`).

extension HybridMessage {
    enum Kind: UInt8 { case prepare = 1, commit, commitProof, viewChange, newView, newViewAck, newViewProof, commitRetry }

    func encode(into w: inout WireWriter) {
        switch self {
        case .prepare(let m):
            w.write(Kind.prepare.rawValue); w.write(m.view); w.write(m.sequence); w.write(m.payload)
            m.certificate.encode(into: &w)
        case .commit(let m), .commitRetry(let m):
            if case .commit = self { w.write(Kind.commit.rawValue) } else { w.write(Kind.commitRetry.rawValue) }
            w.write(m.view); w.write(m.sequence); w.write(m.digest)
            m.certificate.encode(into: &w)
        case .commitProof(let m):
            w.write(Kind.commitProof.rawValue); w.write(m.view); w.write(m.sequence); w.write(m.digest)
            m.proof.encode(into: &w)
        case .viewChange(let m): w.write(Kind.viewChange.rawValue); m.encode(into: &w)
        case .newView(let m): w.write(Kind.newView.rawValue); m.encode(into: &w)
        case .newViewAck(let m):
            w.write(Kind.newViewAck.rawValue); w.write(m.view); w.write(m.decisionDigest); m.certificate.encode(into: &w)
        case .newViewProof(let m):
            w.write(Kind.newViewProof.rawValue); m.decision.encode(into: &w); m.certificate.encode(into: &w)
            m.proof.encode(into: &w)
        }
    }

    static func decode(_ r: inout WireReader) throws(WireError) -> HybridMessage {
        let raw = try r.readUInt8()
        guard let kind = Kind(rawValue: raw) else { throw .unknownTag(field: "hybrid", value: raw) }
        switch kind {
        case .prepare:
            return .prepare(HybridPrepare(view: try r.readView(), sequence: try r.readSeq(), payload: try r.readPayload(),
                                          certificate: try CounterCertificate.decode(&r)))
        case .commit, .commitRetry:
            let c = HybridCommit(view: try r.readView(), sequence: try r.readSeq(), digest: try r.readDigest(),
                                 certificate: try CounterCertificate.decode(&r))
            return kind == .commit ? .commit(c) : .commitRetry(c)
        case .commitProof:
            return .commitProof(HybridCommitProof(view: try r.readView(), sequence: try r.readSeq(),
                                                  digest: try r.readDigest(), proof: try QuorumCertificate.decode(&r)))
        case .viewChange: return .viewChange(try HybridViewChange.decode(&r, depth: 0))
        case .newView: return .newView(try HybridNewView.decode(&r, depth: 0))
        case .newViewAck:
            return .newViewAck(HybridNewViewAck(view: try r.readView(), decisionDigest: try r.readDigest(),
                                                certificate: try CounterCertificate.decode(&r)))
        case .newViewProof:
            return .newViewProof(HybridNewViewProof(decision: try HybridDecision.decode(&r),
                                                    certificate: try CounterCertificate.decode(&r),
                                                    proof: try QuorumCertificate.decode(&r)))
        }
    }
}

extension CounterCertificate {
    func encode(into w: inout WireWriter) {
        w.write(signer); w.write(value.rawValue)
        if let previous { w.write(UInt8(1)); w.write(previous.rawValue) } else { w.write(UInt8(0)) }
        w.write(proof)
    }
    static func decode(_ r: inout WireReader) throws(WireError) -> CounterCertificate {
        let signer = try r.readReplica()
        let value = CounterValue(rawValue: try r.readUInt64())
        let previous: CounterValue?
        switch try r.readUInt8() {
        case 0: previous = nil
        case 1: previous = CounterValue(rawValue: try r.readUInt64())
        case let t: throw .unknownTag(field: "certificate.previous", value: t)
        }
        return CounterCertificate(signer: signer, value: value, previous: previous, proof: try r.readBytes("proof", limit: 4096))
    }
}

extension QuorumCertificate {
    func encode(into w: inout WireWriter) { w.write(value.rawValue); w.write(proof) }
    static func decode(_ r: inout WireReader) throws(WireError) -> QuorumCertificate {
        QuorumCertificate(value: CounterValue(rawValue: try r.readUInt64()),
                          proof: try r.readBytes("quorumProof", limit: 1 << 20))
    }
}

extension HybridDecision {
    func encode(into w: inout WireWriter) {
        w.write(view); w.write(startSequence); w.write(startDigest)
        w.write(UInt32(proposals.count)); for d in proposals { w.write(d) }
    }
    static func decode(_ r: inout WireReader) throws(WireError) -> HybridDecision {
        let view = try r.readView()
        let start = try r.readSeq()
        let digest = try r.readDigest()
        let n = try r.readCount("proposals", limit: 1 << 16, minElementSize: 32)
        var proposals: [Digest] = []
        proposals.reserveCapacity(n)
        for _ in 0..<n { proposals.append(try r.readDigest()) }
        return HybridDecision(view: view, startSequence: start, startDigest: digest, proposals: proposals)
    }
}

extension HybridEvidence {
    func encode(into w: inout WireWriter) {
        w.write(counter.rawValue); w.write(stableSequence); w.write(stableDigest)
        // One flags byte: bit 0 an installed view follows, bit 1 an acknowledged NEW-VIEW.
        w.write(UInt8(installed == nil ? 0 : 1) | UInt8(acknowledged == nil ? 0 : 2))
        if let installed {
            installed.decision.encode(into: &w)
            installed.certificate.encode(into: &w); installed.commitProof.encode(into: &w)
        }
        w.write(UInt32(prepares.count))
        for p in prepares { w.write(p.sequence); w.write(p.digest); p.certificate.encode(into: &w) }
        acknowledged?.encode(into: &w)
    }
    static func decode(_ r: inout WireReader, depth: Int) throws(WireError) -> HybridEvidence {
        let counter = CounterValue(rawValue: try r.readUInt64())
        let stable = try r.readSeq()
        let stableDigest = try r.readDigest()
        let flags = try r.readUInt8()
        guard flags & ~3 == 0 else { throw .unknownTag(field: "evidence.flags", value: flags) }
        var installed: InstalledView?
        if flags & 1 != 0 {
            installed = InstalledView(decision: try HybridDecision.decode(&r), certificate: try CounterCertificate.decode(&r),
                                      commitProof: try QuorumCertificate.decode(&r))
        }
        let n = try r.readCount("prepares", limit: 1 << 16, minElementSize: 55)
        var prepares: [PrepareClaim] = []
        prepares.reserveCapacity(n)
        for _ in 0..<n {
            prepares.append(PrepareClaim(sequence: try r.readSeq(), digest: try r.readDigest(),
                                         certificate: try CounterCertificate.decode(&r)))
        }
        var acknowledged: HybridNewView?
        if flags & 2 != 0 {
            guard depth < maxNesting else { throw .invalidValue(field: "evidence.acknowledged nesting") }
            acknowledged = try HybridNewView.decode(&r, depth: depth + 1)
        }
        return HybridEvidence(counter: counter, stableSequence: stable, stableDigest: stableDigest,
                              installed: installed, prepares: prepares, acknowledged: acknowledged)
    }
}

extension HybridNewView {
    func encode(into w: inout WireWriter) {
        decision.encode(into: &w)
        w.write(UInt32(viewChanges.count)); for v in viewChanges { v.encode(into: &w) }
        w.write(UInt32(checkpointProof.count)); for c in checkpointProof { c.encode(into: &w) }
        certificate.encode(into: &w)
    }
    static func decode(_ r: inout WireReader, depth: Int) throws(WireError) -> HybridNewView {
        let decision = try HybridDecision.decode(&r)
        let n = try r.readCount("viewChanges", limit: r.limits.maxReplicas, minElementSize: 64)
        var vcs: [HybridViewChange] = []
        vcs.reserveCapacity(n)
        for _ in 0..<n { vcs.append(try HybridViewChange.decode(&r, depth: depth)) }
        let proof = try SignedCheckpoint.decodeList(&r)
        return HybridNewView(decision: decision, viewChanges: vcs, checkpointProof: proof,
                             certificate: try CounterCertificate.decode(&r))
    }
}

extension HybridViewChange {
    func encode(into w: inout WireWriter) {
        w.write(sender); w.write(newView); evidence.encode(into: &w)
        w.write(UInt32(chain.count)); for c in chain { c.encode(into: &w) }
        w.write(UInt32(checkpointProof.count)); for c in checkpointProof { c.encode(into: &w) }
    }
    static func decode(_ r: inout WireReader, depth: Int) throws(WireError) -> HybridViewChange {
        let sender = try r.readReplica()
        let view = try r.readView()
        let evidence = try HybridEvidence.decode(&r, depth: depth)
        let n = try r.readCount("chain", limit: 256, minElementSize: 15)
        var chain: [CounterCertificate] = []
        chain.reserveCapacity(n)
        for _ in 0..<n { chain.append(try CounterCertificate.decode(&r)) }
        return HybridViewChange(sender: sender, newView: view, evidence: evidence, chain: chain,
                                checkpointProof: try SignedCheckpoint.decodeList(&r))
    }
}
