import DQBFTCore

/// A machine in one region hosting many closed-loop clients (the paper's workload:
/// 100% puts of `payload`-byte commands with 20-byte keys). Each client has one
/// request outstanding; it completes on f+1 matching replies and immediately
/// issues the next. A periodic sweep retransmits overdue requests to every replica.
///
/// Guarantees: a client accepts a result only when `replyQuorum` distinct replicas
/// sent the same result for its current timestamp; per-client state is a few
/// dozen bytes, so a run holds hundreds of thousands of clients.
struct ClientMachine {
    struct Client {
        var id: ClientID
        var timestamp: UInt64 = 0
        var sentAt: SimTime = 0
        var retransmitAt: SimTime = 0
        var target: ReplicaID
        /// Distinct replicas that answered the current timestamp, by result.
        var votes: [(result: [UInt8], from: ReplicaSet)] = []
        var key: [UInt8] = []
        var active = true
        /// Retransmissions of the outstanding request so far.
        var retries: UInt8 = 0
        /// The outstanding request, kept for retransmission.
        var pending: ClientRequest?

        /// Counts `replica`'s reply with `result`; true once `quorum` distinct
        /// replicas gave the same result.
        mutating func vote(_ result: [UInt8], from replica: ReplicaID, quorum: Int) -> Bool {
            if let k = votes.firstIndex(where: { $0.result == result }) {
                votes[k].from.insert(replica)
                return votes[k].from.count >= quorum
            }
            votes.append((result, ReplicaSet([replica])))
            return quorum <= 1
        }
    }

    let index: Int
    let node: Int32
    var clients: [Client] = []
    var rng: SimRandom

    init(index: Int, node: Int32, rng: SimRandom) {
        self.index = index
        self.node = node
        self.rng = rng
    }
}

/// Builds the operations of the paper's workload.
struct Workload {
    let payloadBytes: Int
    let keySpace: UInt64

    /// A put of a 20-byte key and a value that fills the command to `payloadBytes`.
    /// The value starts with "c<client>t<timestamp>" so history lines identify it.
    func operation(client: ClientID, timestamp: UInt64, rng: inout SimRandom) -> (op: [UInt8], key: [UInt8], tag: String) {
        let k = rng.next() % keySpace
        var key = Array("k".utf8) + Array(String(k).utf8)
        key += [UInt8](repeating: UInt8(ascii: "_"), count: max(0, 20 - key.count))
        let tag = "c\(client.rawValue)t\(timestamp)"
        var op: [UInt8] = [1, 0, 20]
        op.reserveCapacity(max(payloadBytes, 23 + tag.utf8.count))
        op += key
        op += tag.utf8
        if op.count < payloadBytes { op += [UInt8](repeating: 0, count: payloadBytes - op.count) }
        return (op, key, tag)
    }
}
