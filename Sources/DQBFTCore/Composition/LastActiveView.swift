/// The last view an instance was active in, and that view's primary, as its
/// composition remembers them (the instance itself only knows the view it is in or
/// asking for).
///
/// Why: a replica that timed out alone — during a partition, say — asks for a view
/// that comes only once f+1 replicas want it, while the rest of the cluster carries
/// on in the old view (this replica still learns their commits). Until then it names
/// the installed view in client replies and forwards requests to its primary: the
/// pending view's primary orders nothing. (Seed 20 of the pbft/4 sweep, a 2|2 partition that heals,
/// ran at 6% of its fault-free throughput: one backup stayed in its pending view, its
/// replies steered every client to that view's primary, and each request then waited
/// out a client retransmission.)
///
/// Guarantees: after `note`, `view` and `primary` are those of the latest view the
/// instance was seen active in (view 0 and its initial primary before any).
public struct LastActiveView: Hashable, Sendable {
    public private(set) var view: ViewNumber
    public private(set) var primary: ReplicaID

    public init(primary: ReplicaID) {
        view = .zero
        self.primary = primary
    }

    /// Records the instance's view if it is active.
    @inline(__always)
    public mutating func note(view: ViewNumber, active: Bool, primary: ReplicaID) {
        guard active, view != self.view || primary != self.primary else { return }
        self.view = view
        self.primary = primary
    }
}
