/// What a hybrid instance knows about one slot in the current view.
struct HybridSlot: Sendable {
    /// The primary's certified PREPARE of the current view (payload included).
    var prepare: HybridPrepare?
    /// Commit shares by signer (not yet verified: combination verifies them).
    var shares: [ReplicaID: CounterCertificate] = [:]
    /// Signers whose shares failed verification for this slot.
    var rejected = ReplicaSet()
    /// The committed digest, once a quorum certificate or a NEW-VIEW commit fixed it.
    var committed: Digest?
    /// Payloads known for this slot, by digest.
    var payload: Payload?
    /// This replica's own commit share (re-sent to the next collector on timeout).
    var ownShare: HybridCommit?
    /// Another replica sent its share here: this replica acts as the slot's collector.
    var askedToCollect = false
    /// The digest other replicas' shares name, while the PREPARE is missing.
    var claimed: Digest?

    var digest: Digest? { committed ?? prepare?.payload.digest }
}
