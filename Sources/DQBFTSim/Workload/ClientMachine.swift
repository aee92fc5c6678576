import DQBFTCore

/// A machine in one region hosting many closed-loop clients (the paper's workload:
/// 100% puts of `payload`-byte commands with 20-byte keys; optionally a share of
/// gets and deletes, see `Workload`). Each client has one
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
        /// What the outstanding request does (for the history).
        var kind: HistoryOperation.Kind = .put
        var active = true
        /// Retransmissions of the outstanding request so far.
        var retries: UInt8 = 0
        /// The outstanding request, kept for retransmission, and its digest (replies
        /// must name it).
        var pending: ClientRequest?
        var request = Digest.zero

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

/// Builds the operations of the workload: the paper's (every operation a put of a
/// 20-byte key and a `payloadBytes` command), or a mix with a share of gets and
/// deletes.
///
/// Guarantees: with `readRatio` and `deleteRatio` both 0 each operation draws one
/// number from the machine's generator, exactly as the paper's workload always did;
/// otherwise it draws a second one to choose get / delete / put. Every put writes a
/// value no other put writes (it starts with the tag "c<client>t<timestamp>").
/// With `returnsPrevious` a put or delete asks for the value it replaced
/// (`KeyValueOperation.returnsPrevious`), so a recorded history can expose a lost or
/// stale write; without it replies stay one byte.
struct Workload {
    let payloadBytes: Int
    let keySpace: UInt64
    /// Fraction of operations that are gets, in [0, 1].
    var readRatio = 0.0
    /// Fraction of operations that are deletes, in [0, 1 - readRatio].
    var deleteRatio = 0.0
    /// Puts and deletes return the previous value.
    var returnsPrevious = false

    /// The next operation: a 20-byte key drawn uniformly from the key space, and a
    /// kind drawn by the ratios. A put's value fills the command to `payloadBytes`
    /// and starts with "c<client>t<timestamp>" (`tag`), so history lines identify it.
    func operation(client: ClientID, timestamp: UInt64, rng: inout SimRandom)
        -> (op: [UInt8], key: [UInt8], kind: HistoryOperation.Kind) {
        let k = rng.next() % keySpace
        var key = Array("k".utf8) + Array(String(k).utf8)
        key += [UInt8](repeating: UInt8(ascii: "_"), count: max(0, 20 - key.count))
        var kind = HistoryOperation.Kind.put
        if readRatio > 0 || deleteRatio > 0 {
            let u = rng.unit()
            kind = u < readRatio ? .get : u < readRatio + deleteRatio ? .delete : .put
        }
        let flag = returnsPrevious ? KeyValueOperation.returnsPreviousFlag : 0
        switch kind {
        case .get: return ([2, 0, 20] + key, key, kind)
        case .delete: return ([3 | flag, 0, 20] + key, key, kind)
        case .put: break
        }
        let tag = Self.tag(client: client, timestamp: timestamp)
        var op: [UInt8] = [1 | flag, 0, 20]
        op.reserveCapacity(max(payloadBytes, 23 + tag.utf8.count))
        op += key
        op += tag.utf8
        if op.count < payloadBytes { op += [UInt8](repeating: 0, count: payloadBytes - op.count) }
        return (op, key, kind)
    }

    init(payloadBytes: Int, keySpace: UInt64) {
        self.payloadBytes = payloadBytes
        self.keySpace = keySpace
    }

    /// The tag that starts the value a client's put writes.
    static func tag(client: ClientID, timestamp: UInt64) -> String { "c\(client.rawValue)t\(timestamp)" }

    /// The tag of a value read back: its bytes up to the first zero byte.
    static func tag(of value: ArraySlice<UInt8>) -> String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}
