import DequeModule
import HashTreeCollections

/// The last executed timestamp, request digest and reply of every client:
/// deduplication and reply retransmission (a retransmission is answered with the
/// digest of the request that executed, so a client that reused a timestamp for
/// another command sees that its command did not run). Part of the replicated
/// state (its digest enters checkpoints).
///
/// Guarantees: a `(client, timestamp)` at or below the recorded one is never
/// executed again; holds at most `capacity` clients (requests from new clients
/// beyond it are refused, never silently evicting another client's entry); keeps
/// at most `replyBudget` bytes of replies: recording past it drops the stored
/// replies that were recorded longest ago (their entries, and so deduplication,
/// stay; a retransmission of such a request gets no answer, as if its replies had
/// been lost, and the client's operation times out). Every correct replica drops
/// the same replies at the same point of execution: the order of recording is
/// part of the state and its encoding.
/// Recording only marks the client dirty; `digest` folds dirty entries in lazily.
/// Copies share structure (a hash trie), so keeping one per checkpoint costs only
/// the clients that executed since.
public struct ClientTable: Sendable {
    public struct Entry: Hashable, Sendable {
        public var timestamp: UInt64
        public var request: Digest
        /// Empty once dropped (`replyDropped`).
        public var reply: [UInt8]
        public var replyDropped = false
        /// When it was recorded, counted over the whole table.
        var order: UInt64
        /// The digest folded into the sum; nil while dirty.
        var digest: Digest?
    }

    public let capacity: Int
    public let replyBudget: Int
    private(set) var entries = TreeDictionary<ClientID, Entry>()
    var digestSum = MultisetHash()
    var dirty: [ClientID] = []
    /// Bytes of replies held, and the number given to the last recording.
    private(set) var storedReplyBytes = 0
    private(set) var recorded: UInt64 = 0
    /// Entries holding a reply, oldest recording first (stale pairs are skipped).
    var ages = Deque<(client: ClientID, order: UInt64)>()

    public init(capacity: Int, replyBudget: Int = ReplicaParameters.defaultReplyBudget) {
        precondition(replyBudget >= 0)
        self.capacity = capacity; self.replyBudget = replyBudget
    }

    public subscript(client: ClientID) -> Entry? { entries[client] }
    public var count: Int { entries.count }

    /// True if the table can record `client` (known, or room for one more).
    public func admits(_ client: ClientID) -> Bool { entries[client] != nil || entries.count < capacity }

    /// True if `client`'s request `timestamp` is newer than the recorded one and the
    /// table can record it: the execution check, with one lookup.
    public func executes(_ client: ClientID, timestamp: UInt64) -> Bool {
        guard let e = entries[client] else { return timestamp > 0 && entries.count < capacity }
        return e.timestamp < timestamp
    }

    static func digest(_ client: ClientID, _ e: Entry) -> Digest {
        var w = WireWriter(capacity: 65 + e.reply.count)
        w.write(client); w.write(e.timestamp); w.write(e.request); w.write(e.order)
        w.write(UInt8(e.replyDropped ? 1 : 0)); w.write(e.reply)
        return Digest.of(w.bytes)
    }

    public mutating func record(_ client: ClientID, timestamp: UInt64, request: Digest, reply: [UInt8]) {
        recorded += 1
        put(client, Entry(timestamp: timestamp, request: request, reply: reply, order: recorded))
        dropOldReplies()
    }

    /// Stores `entry` for `client`, keeping the digest sum, the byte count and the
    /// age queue in step.
    mutating func put(_ client: ClientID, _ entry: Entry) {
        let old = entries.updateValue(entry, forKey: client)
        if let old { storedReplyBytes -= old.reply.count }
        storedReplyBytes += entry.reply.count
        if !entry.replyDropped { ages.append((client, entry.order)) }
        if let d = old?.digest { digestSum.remove(d); dirty.append(client) } else if old == nil { dirty.append(client) }
    }

    /// Drops the oldest stored replies until the held bytes fit the budget.
    mutating func dropOldReplies() {
        while storedReplyBytes > replyBudget, let (client, order) = ages.popFirst() {
            guard var e = entries[client], e.order == order, !e.replyDropped else { continue }
            e.reply = []
            e.replyDropped = true
            e.digest = nil
            put(client, e)
        }
        // Stale pairs (clients recorded again since) are skipped above; bound them here.
        if ages.count > 2 * max(entries.count, 64) {
            ages = Deque(entries.filter { !$0.value.replyDropped }.map { ($0.key, $0.value.order) }.sorted { $0.1 < $1.1 })
        }
    }

    /// Order-independent digest of all entries.
    public var digest: Digest {
        mutating get {
            for c in dirty {
                guard var e = entries[c], e.digest == nil else { continue }
                let d = Self.digest(c, e)
                e.digest = d
                entries[c] = e
                digestSum.add(d)
            }
            dirty.removeAll(keepingCapacity: true)
            return digestSum.value
        }
    }

    func encode(into w: inout WireWriter) {
        w.write(recorded)
        w.write(UInt32(entries.count))
        for (c, e) in entries.sorted(by: { $0.key < $1.key }) {
            w.write(c); w.write(e.timestamp); w.write(e.request); w.write(e.order)
            w.write(UInt8(e.replyDropped ? 1 : 0)); w.write(e.reply)
        }
    }

    static func decode(_ r: inout WireReader, capacity: Int,
                       replyBudget: Int = ReplicaParameters.defaultReplyBudget) throws(WireError) -> ClientTable {
        var t = ClientTable(capacity: capacity, replyBudget: replyBudget)
        let recorded = try r.readUInt64()
        let n = try r.readCount("clients", limit: capacity, minElementSize: 61)
        var decoded: [(ClientID, Entry)] = []
        decoded.reserveCapacity(n)
        for _ in 0..<n {
            let c = try r.readClient()
            let ts = try r.readUInt64()
            let request = try r.readDigest()
            let order = try r.readUInt64()
            let dropped: Bool
            switch try r.readUInt8() {
            case 0: dropped = false
            case 1: dropped = true
            case let v: throw .unknownTag(field: "client.replyDropped", value: v)
            }
            let reply = try r.readBytes("reply", limit: r.limits.maxOperationBytes)
            guard order >= 1, order <= recorded, !dropped || reply.isEmpty else { throw .invalidValue(field: "client entry") }
            decoded.append((c, Entry(timestamp: ts, request: request, reply: reply, replyDropped: dropped, order: order)))
        }
        // Oldest recording first, so the age queue comes out in order.
        for (c, e) in decoded.sorted(by: { $0.1.order < $1.1.order }) {
            guard t.entries[c] == nil else { throw .invalidValue(field: "duplicate client") }
            t.put(c, e)
        }
        guard t.storedReplyBytes <= replyBudget else { throw .invalidValue(field: "client replies over the budget") }
        t.recorded = recorded
        return t
    }
}
