/// Linear Hybster's execution acknowledgement: after executing a slot every replica
/// signs the Merkle root of the slot's replies with its share of π and sends it to
/// the slot's execution collector; the collector combines f+1 matching shares and
/// sends each client one reply carrying a `ReplyProof`, and the combined proof to
/// the replicas, so any of them can answer a retransmission.
///
/// Guarantees: a reply leaves with a proof only after f+1 shares on the same root
/// combined and verified; invalid shares are dropped and their signers counted;
/// memory is bounded by `retainedSlots` slots, each kept compact (a reply's client,
/// timestamp and result; the Merkle tree is rebuilt when a proof is handed out, and
/// the last one is kept for the burst of retransmissions that usually follows).
struct ExecutionCertifier: Sendable {
    /// What a reply needs besides the slot's view and this replica's id.
    struct Executed: Sendable {
        let client: ClientID
        let timestamp: UInt64
        let request: Digest
        let result: [UInt8]
    }
    struct Slot: Sendable {
        var replies: [Executed]
        var view: ViewNumber
        var root: Digest
        var collector: ReplicaID
        /// Retransmissions of this slot's requests seen before it was proven.
        var retransmissions: UInt32 = 0
    }

    let me: ReplicaID
    let config: ClusterConfiguration
    let crypto: HybridCrypto
    let retainedSlots = 1024
    var slots: [SequenceNumber: Slot] = [:]
    var shares: [SequenceNumber: [ReplicaID: ExecutionShare]] = [:]
    var rejected: [SequenceNumber: ReplicaSet] = [:]
    var proven: [SequenceNumber: ExecutionProof] = [:]
    /// Where each client's last reply lives: (slot, leaf index).
    var located: [ClientID: (SequenceNumber, Int)] = [:]
    /// Execution shares that failed verification, per signer.
    var invalidShares: [ReplicaID: Int] = [:]
    /// The Merkle tree of the slot whose proofs were handed out last: a slot's
    /// clients time out together, so their retransmissions arrive in a burst.
    var recentTree: (sequence: SequenceNumber, levels: [[Digest]])?
    /// Replies proven one at a time when no slot proof can answer a retransmission.
    var single = SingleReplyCertifier()

    init(me: ReplicaID, config: ClusterConfiguration, crypto: HybridCrypto) {
        self.me = me; self.config = config; self.crypto = crypto
    }

    /// The replica executed `seq` producing `replies`; `collector` gathers its shares.
    mutating func executed(_ seq: SequenceNumber, replies: [ClientReply], collector: ReplicaID,
                           into out: inout [ReplicaEffect]) {
        guard !replies.isEmpty else { return }
        let compact = replies.map { Executed(client: $0.client, timestamp: $0.timestamp, request: $0.request, result: $0.result) }
        let slot = Slot(replies: compact, view: replies[0].view, root: MerkleTree.root(of: Self.leaves(compact)),
                        collector: collector)
        slots[seq] = slot
        for (i, r) in replies.enumerated() { located[r.client] = (seq, i) }
        if slots.count > retainedSlots, let oldest = slots.keys.min() { forget(oldest) }
        sendShare(seq, to: collector, into: &out)
        tryCombine(seq, into: &out)
    }

    static func leaves(_ replies: [Executed]) -> [Digest] {
        replies.map { ReplyProof.leaf(client: $0.client, timestamp: $0.timestamp, request: $0.request, result: $0.result) }
    }

    /// The Merkle tree of `slot` (`seq`), rebuilt unless it is the one kept last.
    mutating func tree(_ seq: SequenceNumber, _ slot: Slot) -> [[Digest]] {
        if let t = recentTree, t.sequence == seq { return t.levels }
        let levels = MerkleTree.levels(of: Self.leaves(slot.replies))
        recentTree = (seq, levels)
        return levels
    }

    mutating func forget(_ seq: SequenceNumber) {
        if let s = slots.removeValue(forKey: seq) {
            for r in s.replies where located[r.client]?.0 == seq { located[r.client] = nil }
        }
        shares[seq] = nil
        rejected[seq] = nil
        proven[seq] = nil
    }

    mutating func sendShare(_ seq: SequenceNumber, to collector: ReplicaID, into out: inout [ReplicaEffect]) {
        guard let slot = slots[seq] else { return }
        let share = ExecutionShare(sequence: seq, root: slot.root,
                                   share: crypto.execution.signShare(ReplyProof.statement(sequence: seq, root: slot.root)))
        shares[seq, default: [:]][me] = share
        if collector != me { out.append(.send(.executionShare(from: me, share), to: collector)) }
    }

    mutating func onShare(_ share: ExecutionShare, from sender: ReplicaID, view: ViewNumber, into out: inout [ReplicaEffect]) {
        let seq = share.sequence
        if seq == SingleReplyCertifier.sequence { return onSingleShare(share, from: sender, view: view, into: &out) }
        guard proven[seq] == nil, !(rejected[seq]?.contains(sender) ?? false),
              shares[seq]?.count ?? 0 < config.replicaCount else { return }
        if slots[seq] == nil, let low = slots.keys.min(), seq < low { return }  // long forgotten
        shares[seq, default: [:]][sender] = share
        if slots[seq] != nil { tryCombine(seq, into: &out) }
    }

    /// Collector: f+1 shares on this replica's own root combine into the proof.
    mutating func tryCombine(_ seq: SequenceNumber, into out: inout [ReplicaEffect]) {
        let needed = config.weakQuorum  // f+1 matching results include a correct replica's
        guard proven[seq] == nil, let slot = slots[seq], let got = shares[seq], got.count >= needed else { return }
        let matching = got.filter { $0.value.root == slot.root }.sorted { $0.key < $1.key }.prefix(needed)
        guard matching.count >= needed else { return }
        switch crypto.scheme.combineExecution(matching.map { ($0.key, $0.value.share) },
                                              message: ReplyProof.statement(sequence: seq, root: slot.root)) {
        case .success(let signature):
            let proof = ExecutionProof(sequence: seq, root: slot.root, signature: signature)
            proven[seq] = proof
            out.append(.broadcast(.executionProof(from: me, proof)))
            let levels = tree(seq, slot)
            for i in slot.replies.indices { out.append(.reply(provenReply(slot, index: i, proof: proof, levels: levels))) }
        case .failure(let bad):
            for r in bad.signers {
                shares[seq]?[r] = nil
                rejected[seq, default: ReplicaSet()].insert(r)
                invalidShares[r, default: 0] += 1
            }
        }
    }

    /// The reply to `slot.replies[i]` with its proof (`levels`: the slot's Merkle tree).
    func provenReply(_ slot: Slot, index i: Int, proof: ExecutionProof, levels: [[Digest]]) -> ClientReply {
        let e = slot.replies[i]
        return ClientReply(client: e.client, timestamp: e.timestamp, request: e.request, view: slot.view, replica: me,
                           result: e.result,
                           proof: ReplyProof(sequence: proof.sequence, root: proof.root, index: UInt32(i),
                                             path: MerkleTree.path(levels: levels, index: i), signature: proof.signature))
    }

    /// True once this replica holds the proof of `sequence` (a second copy is useless).
    func isProven(_ sequence: SequenceNumber) -> Bool { proven[sequence] != nil }

    /// A collector's combined proof (verified by the shell before it got here).
    mutating func onProof(_ proof: ExecutionProof) {
        guard let slot = slots[proof.sequence], slot.root == proof.root else { return }
        proven[proof.sequence] = proof
        shares[proof.sequence] = nil
    }

    /// A client retransmitted request `timestamp`, which this replica executed with
    /// `result` (its client table says so): answer with a proven reply if its slot is
    /// proven; otherwise the collector may be silent or behind, so send the slot's
    /// share to every replica: any that executed the slot and gathers f+1 shares
    /// answers the client. The slot share goes out once per round of the slot's
    /// retransmissions (on the 1st, k+1st, 2k+1st, … for a slot of k requests, whose
    /// clients time out together): an overloaded cluster, whose collectors lag while
    /// hundreds of a slot's clients retransmit, would otherwise answer each
    /// retransmission with N more messages; a lost broadcast is still repeated.
    /// When the slot proof cannot answer (this replica skipped the slot by state
    /// transfer or forgot it, or a whole round of the slot's retransmissions went
    /// unproven), the reply is also certified on its own (`SingleReplyCertifier`):
    /// with N = 2f+1 the replicas that kept the slot may be too few to prove it.
    mutating func retransmission(of client: ClientID, timestamp: UInt64, request: Digest, result: [UInt8], view: ViewNumber,
                                 into out: inout [ReplicaEffect]) {
        if let (seq, i) = located[client], let slot = slots[seq], slot.replies[i].timestamp == timestamp {
            if let proof = proven[seq] {
                out.append(.reply(provenReply(slot, index: i, proof: proof, levels: tree(seq, slot))))
                return
            }
            let count = slot.retransmissions &+ 1
            slots[seq]?.retransmissions = count
            // `&-`: the count wraps after 2^32 retransmissions (a client may retransmit forever).
            if (count &- 1) % UInt32(slot.replies.count) == 0, let share = shares[seq]?[me] {
                out.append(.broadcast(.executionShare(from: me, share)))
                tryCombine(seq, into: &out)
            }
            // A whole round of the slot's retransmissions went unanswered: the slot
            // may lack f+1 replicas that kept it.
            guard count > UInt32(slot.replies.count) else { return }
        }
        retransmissionFallback(client: client, timestamp: timestamp, request: request, result: result, view: view, into: &out)
    }
}
