import DQBFTCore

/// The `relabel` Byzantine behaviour: a replica that passes off other replicas'
/// certified messages as its own. It replaces its own hybrid VIEW-CHANGEs by copies
/// of the view changes it receives from others (sender and every chain link renamed
/// to itself), and replays the commit shares, NEW-VIEW acknowledgements and
/// execution shares it receives from others under its own name.
///
/// Guarantees: a pure rewrite of messages the replica received or was about to
/// send; it never makes a certificate, so the only thing that can stop a relabelled
/// message is a certificate that names its signer. Against a provider whose
/// certificates do bind the signer every relabelled message fails verification.
enum Relabel {
    /// Whether the replica's honest core's own message is withheld (its view
    /// changes: the relabelled copies of others' take their place).
    static func suppresses(_ m: WireMessage) -> Bool {
        if case .consensus(_, _, .hybrid(.viewChange)) = m { return true }
        return false
    }

    /// `m`, received from another replica, re-addressed as sent by `me`; nil for
    /// messages this behaviour leaves alone.
    static func asOwn(_ m: WireMessage, me: ReplicaID) -> WireMessage? {
        switch m {
        case .consensus(let from, let instance, .hybrid(let h)) where from != me:
            switch h {
            case .viewChange(var vc) where vc.sender != me:
                vc.sender = me
                for k in vc.chain.indices { vc.chain[k].signer = me }
                return .consensus(from: me, instance: instance, .hybrid(.viewChange(vc)))
            case .commit(var c) where c.certificate.signer != me:
                c.certificate.signer = me
                return .consensus(from: me, instance: instance, .hybrid(.commit(c)))
            case .newViewAck(var a) where a.certificate.signer != me:
                a.certificate.signer = me
                return .consensus(from: me, instance: instance, .hybrid(.newViewAck(a)))
            default: return nil
            }
        case .executionShare(let from, let share) where from != me:
            return .executionShare(from: me, share)
        default: return nil
        }
    }
}
