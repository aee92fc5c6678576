/// Authenticates messages before they reach the core: checks the signatures a
/// message carries against the claimed signers. A pure function of the message,
/// so shells run it off the protocol loop.
///
/// Guarantees: a message that passes carries only signatures made by the replicas
/// it names, bound to its instance; MAC-authenticated kinds (votes, proposals)
/// pass here because their channel authenticated them. With `clients` set, every
/// client request it carries — alone or in a proposed or fetched batch — is signed
/// by a key that owns the request's client id, so no replica can propose a request
/// a client did not issue.
public struct MessageVerifier: Sendable {
    public let config: ClusterConfiguration
    public let signatures: any SignatureVerifier
    /// Verifies trusted-counter certificates of hybrid protocols (nil: none expected).
    public let certificates: (any CertificateScheme)?
    /// Verifies client request signatures (nil: clients are not authenticated).
    public let clients: (any ClientSignatureVerifier)?

    public init(config: ClusterConfiguration, signatures: any SignatureVerifier, certificates: (any CertificateScheme)? = nil,
                clients: (any ClientSignatureVerifier)? = nil) {
        self.config = config
        self.signatures = signatures
        self.certificates = certificates
        self.clients = clients
    }

    /// Whether `message`, received on a channel authenticated as `channelPeer`
    /// (nil for clients), is authentic.
    public func verify(_ message: WireMessage, channelPeer: ReplicaID?) -> Bool {
        switch message {
        case .request(let r): return verify(r)
        case .reply(let r): return channelPeer == nil || channelPeer == r.replica
        case .stateRequest(let from, _), .stateReply(let from, _), .stateChunk(let from, _), .executionShare(let from, _):
            return channelPeer == nil || channelPeer == from
        case .executionProof(let from, let p):
            guard channelPeer == nil || channelPeer == from, let scheme = certificates else { return false }
            return scheme.verifyExecution(p.signature, message: ReplyProof.statement(sequence: p.sequence, root: p.root))
        case .consensus(let from, let instance, let m):
            if let channelPeer, channelPeer != from { return false }
            guard from.index < config.replicaCount else { return false }
            switch m {
            // A signed checkpoint may be relayed by another replica (catch-up).
            case .checkpoint(let c): return verify(c, instance: instance)
            case .viewChange(let vc):
                return vc.signed.sender == from && verify(vc.signed, instance: instance)
                    && vc.checkpointProof.allSatisfy { verify($0, instance: instance) }
            case .newView(let nv):
                return nv.viewChanges.allSatisfy { verify($0, instance: instance) }
                    && nv.checkpointProof.allSatisfy { verify($0, instance: instance) }
            case .prePrepare(let p): return verify(p.payload)
            case .payload(let p): return verify(p)
            case .hybrid(let h): return verify(h, instance: instance)
            default: return true
            }
        }
    }

    /// Whether `verify(message, …)` checks signatures or certificates (costly: shells
    /// run it off the protocol loop, and the simulator charges it); otherwise it is a
    /// few comparisons (the channel authenticated the sender). One rule for both
    /// shells.
    public func checksSignatures(_ message: WireMessage) -> Bool {
        let clientsSign = clients != nil
        switch message {
        case .request: return clientsSign
        case .executionProof: return certificates != nil
        case .consensus(_, _, let m):
            switch m {
            case .checkpoint, .viewChange, .newView: return true
            case .prePrepare(let p): return clientsSign && p.payload.requestCount > 0
            case .payload(let p): return clientsSign && p.requestCount > 0
            case .hybrid: return certificates != nil
            default: return false
            }
        default: return false
        }
    }

    /// Whether `request` is signed by its client (always, when clients are not authenticated).
    public func verify(_ request: ClientRequest) -> Bool {
        guard let clients else { return true }
        guard let s = request.signature, s.owns(request.client) else { return false }
        return clients.verify(s.signature, of: request.signedBytes, publicKey: s.publicKey)
    }

    func verify(_ payload: Payload) -> Bool {
        guard clients != nil, case .requests(let batch) = payload else { return true }
        return batch.requests.allSatisfy { verify($0) }
    }

    func verify(_ c: SignedCheckpoint, instance: InstanceID) -> Bool {
        c.sender.index < config.replicaCount
            && signatures.verify(c.signature, of: c.signedBytes(instance: instance), by: c.sender)
    }

    func verify(_ vc: SignedViewChange, instance: InstanceID) -> Bool {
        vc.sender.index < config.replicaCount
            && signatures.verify(vc.signature, of: vc.signedBytes(instance: instance), by: vc.sender)
    }

    /// Hybrid messages: every certificate they carry, except commit and NEW-VIEW
    /// acknowledgement shares, which collectors verify when they combine them
    /// (optimistic aggregation).
    func verify(_ m: HybridMessage, instance: InstanceID) -> Bool {
        guard let scheme = certificates else { return false }
        switch m {
        case .prepare(let p):
            return verify(p.payload) && p.certificate.previous == nil && scheme.verify(p.certificate, message: p.payload.digest, instance: instance)
        case .commit, .commitRetry, .newViewAck: return true
        case .commitProof(let p): return scheme.verify(p.proof, message: p.digest, instance: instance)
        case .viewChange(let vc): return verify(vc, scheme: scheme, instance: instance)
        case .newView(let nv):
            return scheme.verify(nv.certificate, message: nv.decision.digest, instance: instance)
                && nv.viewChanges.allSatisfy { verify($0, scheme: scheme, instance: instance) }
        case .newViewProof(let p):
            return scheme.verify(p.certificate, message: p.decision.digest, instance: instance)
                && scheme.verify(p.proof, message: p.decision.digest, instance: instance)
        }
    }

    func verify(_ vc: HybridViewChange, scheme: any CertificateScheme, instance: InstanceID) -> Bool {
        let e = vc.evidence
        let digest = e.digest
        guard vc.chain.allSatisfy({ $0.previous != nil && scheme.verify($0, message: digest, instance: instance) }),
              vc.checkpointProof.allSatisfy({ verify($0, instance: instance) }),
              e.prepares.allSatisfy({ scheme.verify($0.certificate, message: $0.digest, instance: instance) })
        else { return false }
        if let inst = e.installed {
            guard scheme.verify(inst.certificate, message: inst.decision.digest, instance: instance),
                  scheme.verify(inst.commitProof, message: inst.decision.digest, instance: instance) else { return false }
        }
        if let nv = e.acknowledged {
            return scheme.verify(nv.certificate, message: nv.decision.digest, instance: instance)
                && nv.viewChanges.allSatisfy { verify($0, scheme: scheme, instance: instance) }
        }
        return true
    }
}
