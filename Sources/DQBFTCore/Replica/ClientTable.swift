import DequeModule
import HashTreeCollections

/// The last executed timestamp, request digest and reply of every client:
/// deduplication and reply retransmission (a retransmission is answered with the
/// digest of the request that executed, so a client that reused a timestamp for
/// another command sees that its command did not run). Part of the replicated
/// state (its digest enters checkpoints).
///
/// Guarantees: a `(client, timestamp)` at or below the recorded one is never
/// executed again, nor is a request of an evicted client signed before its
/// eviction; holds at most `capacity` clients. A request from a client without an
/// entry executes only if its `epoch` is at least `floor`; when the table is full it
/// evicts the entry recorded longest ago, and only if `evictionAge` or more
/// recordings happened since that entry's last one (an active client keeps its
/// slot); eviction raises `floor` above that entry's last recording, so a replay of
/// anything the evicted client signed before is refused (a correct client names
/// an epoch it learned from an earlier refusal, never a higher one, so every epoch it
/// signed is at most its last recording). Otherwise the request is refused
/// (`ClientRefusal`), deterministically, never executed later. Keeps at most
/// `replyBudget` bytes of replies: recording past it drops the stored
/// replies that were recorded longest ago (their entries, and so deduplication,
/// stay; a retransmission of such a request gets no answer, as if its replies had
/// been lost, and the client's operation times out). Every correct replica drops
/// and evicts the same entries at the same point of execution: the order of
/// recording is part of the state and its encoding.
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
    /// Recordings an entry must go without before it may be evicted for a new client.
    public let evictionAge: UInt64
    /// The least epoch a client without an entry may name: one above the last
    /// recording of every entry evicted so far (0 until the first eviction).
    public private(set) var floor: UInt64 = 0
    private(set) var entries = TreeDictionary<ClientID, Entry>()
    var digestSum = MultisetHash()
    var dirty: [ClientID] = []
    /// Bytes of replies held, and the number given to the last recording.
    private(set) var storedReplyBytes = 0
    private(set) var recorded: UInt64 = 0
    /// Entries holding a reply, oldest recording first (stale pairs are skipped).
    var ages = Deque<(client: ClientID, order: UInt64)>()
    /// Every entry, oldest recording first; the first pair is always current.
    var recency = Deque<(client: ClientID, order: UInt64)>()

    /// `evictionAge` nil: `capacity` recordings, so a table of active clients
    /// taking turns never evicts one of them.
    public init(capacity: Int, replyBudget: Int = ReplicaParameters.defaultReplyBudget, evictionAge: UInt64? = nil) {
        precondition(replyBudget >= 0 && capacity >= 1)
        self.capacity = capacity; self.replyBudget = replyBudget
        self.evictionAge = max(1, evictionAge ?? UInt64(capacity))
    }

    public subscript(client: ClientID) -> Entry? { entries[client] }
    public var count: Int { entries.count }

    /// What execution does with one request.
    public enum Admission: Hashable, Sendable {
        /// Run it and record it.
        case execute
        /// Already executed (or timestamp 0): skip it without an answer.
        case skip
        /// Answer with this refusal instead of a result.
        case refuse(ClientRefusal)
    }

    /// What execution does with `client`'s request at `timestamp` naming `epoch`:
    /// the execution check, with one lookup.
    public func admission(_ client: ClientID, timestamp: UInt64, epoch: UInt64) -> Admission {
        if let e = entries[client] { return e.timestamp < timestamp ? .execute : .skip }
        guard timestamp > 0 else { return .skip }
        guard epoch >= floor else { return .refuse(.staleEpoch(floor: floor)) }
        guard entries.count < capacity || canEvict else { return .refuse(.tableFull) }
        return .execute
    }

    /// True if `client`'s request `timestamp` (epoch 0) would execute.
    public func executes(_ client: ClientID, timestamp: UInt64) -> Bool {
        admission(client, timestamp: timestamp, epoch: 0) == .execute
    }

    /// True if the entry recorded longest ago has gone `evictionAge` recordings without one.
    var canEvict: Bool {
        guard let oldest = recency.first else { return false }
        return recorded - oldest.order >= evictionAge
    }

    static func digest(_ client: ClientID, _ e: Entry) -> Digest {
        var w = WireWriter(capacity: 65 + e.reply.count)
        w.write(client); w.write(e.timestamp); w.write(e.request); w.write(e.order)
        w.write(UInt8(e.replyDropped ? 1 : 0)); w.write(e.reply)
        return Digest.of(w.bytes)
    }

    /// Records an executed request. Precondition: `admission` said `.execute`.
    public mutating func record(_ client: ClientID, timestamp: UInt64, request: Digest, reply: [UInt8]) {
        if entries[client] == nil && entries.count >= capacity {
            precondition(canEvict, "recording a client the table cannot admit")
            evictOldest()
        }
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
        if old?.order != entry.order { recency.append((client, entry.order)); trimRecency() }
        if let d = old?.digest { digestSum.remove(d); dirty.append(client) } else if old == nil { dirty.append(client) }
    }

    /// Removes the entry recorded longest ago and raises the floor above its last recording.
    mutating func evictOldest() {
        let (client, order) = recency.removeFirst()
        guard let e = entries.removeValue(forKey: client) else { preconditionFailure("recency out of step") }
        storedReplyBytes -= e.reply.count
        if let d = e.digest { digestSum.remove(d) }
        floor = max(floor, order + 1)
        trimRecency()
    }

    /// Keeps the first pair of `recency` current and its stale pairs bounded.
    mutating func trimRecency() {
        while let first = recency.first, entries[first.client]?.order != first.order { recency.removeFirst() }
        if recency.count > 2 * max(entries.count, 64) {
            recency = Deque(entries.map { ($0.key, $0.value.order) }.sorted { $0.1 < $1.1 })
        }
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
            if floor == 0 { return digestSum.value }
            var w = WireWriter(capacity: 9)
            w.write(UInt8(0xF1)); w.write(floor)
            return digestSum.value.chained(with: Digest.of(w.bytes))
        }
    }

    /// Flags, in the top bit of the encoded recording count, that a floor follows
    /// (a table that never evicted encodes as it did before eviction existed).
    static let floorFlag: UInt64 = 1 << 63

    func encode(into w: inout WireWriter) {
        if floor == 0 { w.write(recorded) } else { w.write(recorded | Self.floorFlag); w.write(floor) }
        w.write(UInt32(entries.count))
        for (c, e) in entries.sorted(by: { $0.key < $1.key }) {
            w.write(c); w.write(e.timestamp); w.write(e.request); w.write(e.order)
            w.write(UInt8(e.replyDropped ? 1 : 0)); w.write(e.reply)
        }
    }

    static func decode(_ r: inout WireReader, capacity: Int, replyBudget: Int = ReplicaParameters.defaultReplyBudget,
                       evictionAge: UInt64? = nil) throws(WireError) -> ClientTable {
        var t = ClientTable(capacity: capacity, replyBudget: replyBudget, evictionAge: evictionAge)
        var recorded = try r.readUInt64()
        if recorded & floorFlag != 0 {
            recorded &= ~floorFlag
            t.floor = try r.readUInt64()
            guard t.floor >= 1, t.floor <= recorded + 1 else { throw .invalidValue(field: "client table floor") }
        }
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
            guard order >= max(1, t.floor), order <= recorded, !dropped || reply.isEmpty else { throw .invalidValue(field: "client entry") }
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
