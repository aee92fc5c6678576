/// Authenticates messages before they reach the core: checks the signatures a
/// message carries against the claimed signers. A pure function of the message,
/// so shells run it off the protocol loop.
///
/// Guarantees: a message that passes carries only signatures made by the replicas
/// it names, bound to its instance; MAC-authenticated kinds (votes, proposals)
/// pass here because their channel authenticated them.
public struct MessageVerifier: Sendable {
    public let config: ClusterConfiguration
    public let signatures: any SignatureVerifier
    /// Verifies trusted-counter certificates of hybrid protocols (nil: none expected).
    public let certificates: (any CertificateScheme)?

    public init(config: ClusterConfiguration, signatures: any SignatureVerifier, certificates: (any CertificateScheme)? = nil) {
        self.config = config
        self.signatures = signatures
        self.certificates = certificates
    }

    /// Whether `message`, received on a channel authenticated as `channelPeer`
    /// (nil for clients), is authentic.
    public func verify(_ message: WireMessage, channelPeer: ReplicaID?) -> Bool {
        switch message {
        case .request: return true
        case .reply(let r): return channelPeer == nil || channelPeer == r.replica
        case .stateRequest(let from, _), .stateReply(let from, _), .executionShare(let from, _):
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
            case .hybrid(let h): return verify(h, instance: instance)
            default: return true
            }
        }
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
            return p.certificate.previous == nil && scheme.verify(p.certificate, message: p.payload.digest, instance: instance)
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
            return scheme.verify(inst.certificate, message: inst.decision.digest, instance: instance)
                && scheme.verify(inst.commitProof, message: inst.decision.digest, instance: instance)
        }
        return true
    }
}
