/// The fallback of Linear Hybster's execution acknowledgement for a retransmitted
/// request that no slot proof can answer: each replica whose client table holds the
/// request's reply signs that one reply (the statement at sequence 0, reserved for
/// this, over the reply's own leaf, a one-leaf Merkle tree) and broadcasts the
/// share; any replica holding the same reply that gathers f+1 matching shares
/// answers the client with a proof (index 0, empty path).
///
/// Why: a slot's proof needs f+1 replicas that executed the slot itself and kept its
/// replies. A replica that skipped the slot by state transfer has the reply in its
/// client table but not the slot, so with N = 2f+1, one replica refused or
/// Byzantine and one that transferred state, the slot can never be proven and its
/// clients retransmit forever (`dqbft simulate --protocol linearhybster --replicas 5
/// --seed 6 --byzantine 4:withhold-proofs --crash 0@3.4 --restart-rolled-back 0@4.4
/// --loss 0.01 ...`: clients c1 and c11 complete nothing after 0.5 s).
///
/// Guarantees: a reply is proven only by f+1 shares on the same (client, timestamp,
/// request, result), so one of them is a correct replica's that executed the request with
/// that result; sequence 0 is no slot, so such a statement never stands for one;
/// memory is bounded by `retained` leaves (oldest forgotten first).
struct SingleReplyCertifier: Sendable {
    struct Held: Sendable {
        let client: ClientID
        let timestamp: UInt64
        let request: Digest
        let result: [UInt8]
    }
    static let sequence = SequenceNumber.zero
    let retained = 1024
    /// Replies this replica can vouch for, by leaf.
    var held: [Digest: Held] = [:]
    /// Shares received per leaf (also for leaves not held yet: peers may be quicker).
    var shares: [Digest: [ReplicaID: [UInt8]]] = [:]
    var rejected: [Digest: ReplicaSet] = [:]
    var proven: [Digest: [UInt8]] = [:]
    /// Leaves in the order first seen, for forgetting the oldest.
    var order: [Digest] = []

    mutating func remember(_ leaf: Digest) {
        guard held[leaf] == nil, shares[leaf] == nil, proven[leaf] == nil else { return }
        order.append(leaf)
        if order.count > retained {
            let old = order.removeFirst()
            held[old] = nil; shares[old] = nil; rejected[old] = nil; proven[old] = nil
        }
    }
}

extension ExecutionCertifier {
    /// Answers a retransmission of `(client, timestamp)` from the client table
    /// (`result`): with the single-reply proof if it exists, else by broadcasting
    /// this replica's share on the reply.
    mutating func retransmissionFallback(client: ClientID, timestamp: UInt64, request: Digest, result: [UInt8],
                                         view: ViewNumber, into out: inout [ReplicaEffect]) {
        let leaf = ReplyProof.leaf(client: client, timestamp: timestamp, request: request, result: result)
        single.remember(leaf)
        single.held[leaf] = SingleReplyCertifier.Held(client: client, timestamp: timestamp, request: request, result: result)
        if let signature = single.proven[leaf] {
            out.append(.reply(singleReply(leaf, signature: signature, view: view)))
            return
        }
        let statement = ReplyProof.statement(sequence: SingleReplyCertifier.sequence, root: leaf)
        let share = ExecutionShare(sequence: SingleReplyCertifier.sequence, root: leaf,
                                   share: crypto.execution.signShare(statement))
        single.shares[leaf, default: [:]][me] = share.share
        out.append(.broadcast(.executionShare(from: me, share)))
        tryCombineSingle(leaf, view: view, into: &out)
    }

    /// A peer's share on one reply (sequence 0).
    mutating func onSingleShare(_ share: ExecutionShare, from sender: ReplicaID, view: ViewNumber,
                                into out: inout [ReplicaEffect]) {
        let leaf = share.root
        guard single.proven[leaf] == nil, !(single.rejected[leaf]?.contains(sender) ?? false) else { return }
        single.remember(leaf)
        single.shares[leaf, default: [:]][sender] = share.share
        tryCombineSingle(leaf, view: view, into: &out)
    }

    mutating func tryCombineSingle(_ leaf: Digest, view: ViewNumber, into out: inout [ReplicaEffect]) {
        let needed = config.weakQuorum
        guard single.held[leaf] != nil, single.proven[leaf] == nil, let got = single.shares[leaf], got.count >= needed
        else { return }
        let chosen = got.sorted { $0.key < $1.key }.prefix(needed).map { ($0.key, $0.value) }
        switch crypto.scheme.combineExecution(chosen, message: ReplyProof.statement(sequence: SingleReplyCertifier.sequence,
                                                                                  root: leaf)) {
        case .success(let signature):
            single.proven[leaf] = signature
            single.shares[leaf] = nil
            out.append(.reply(singleReply(leaf, signature: signature, view: view)))
        case .failure(let bad):
            for r in bad.signers {
                single.shares[leaf]?[r] = nil
                single.rejected[leaf, default: ReplicaSet()].insert(r)
                invalidShares[r, default: 0] += 1
            }
        }
    }

    func singleReply(_ leaf: Digest, signature: [UInt8], view: ViewNumber) -> ClientReply {
        let h = single.held[leaf]!
        return ClientReply(client: h.client, timestamp: h.timestamp, request: h.request, view: view, replica: me, result: h.result,
                           proof: ReplyProof(sequence: SingleReplyCertifier.sequence, root: leaf, index: 0, path: [],
                                             signature: signature))
    }
}
