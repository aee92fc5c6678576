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

    public init(config: ClusterConfiguration, signatures: any SignatureVerifier) {
        self.config = config
        self.signatures = signatures
    }

    /// Whether `message`, received on a channel authenticated as `channelPeer`
    /// (nil for clients), is authentic.
    public func verify(_ message: WireMessage, channelPeer: ReplicaID?) -> Bool {
        switch message {
        case .request: return true
        case .reply(let r): return channelPeer == nil || channelPeer == r.replica
        case .stateRequest(let from, _), .stateReply(let from, _):
            return channelPeer == nil || channelPeer == from
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
}
