import HashTreeCollections

/// The last executed timestamp, request digest and reply of every client:
/// deduplication and reply retransmission (a retransmission is answered with the
/// digest of the request that executed, so a client that reused a timestamp for
/// another command sees that its command did not run). Part of the replicated state (its digest enters checkpoints).
///
/// Guarantees: a `(client, timestamp)` at or below the recorded one is never
/// executed again; holds at most `capacity` clients (requests from new clients
/// beyond it are refused, never silently evicting another client's entry).
/// Recording only marks the client dirty; `digest` folds dirty entries in lazily.
/// Copies share structure (a hash trie), so keeping one per checkpoint costs only
/// the clients that executed since.
public struct ClientTable: Sendable {
    public struct Entry: Hashable, Sendable {
        public var timestamp: UInt64
        public var request: Digest
        public var reply: [UInt8]
        /// The digest folded into the sum; nil while dirty.
        var digest: Digest?
    }

    public let capacity: Int
    private(set) var entries = TreeDictionary<ClientID, Entry>()
    var digestSum = MultisetHash()
    var dirty: [ClientID] = []

    public init(capacity: Int) { self.capacity = capacity }

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
        var w = WireWriter(capacity: 56 + e.reply.count)
        w.write(client); w.write(e.timestamp); w.write(e.request); w.write(e.reply)
        return Digest.of(w.bytes)
    }

    public mutating func record(_ client: ClientID, timestamp: UInt64, request: Digest, reply: [UInt8]) {
        let old = entries.updateValue(Entry(timestamp: timestamp, request: request, reply: reply, digest: nil), forKey: client)
        if let d = old?.digest { digestSum.remove(d); dirty.append(client) } else if old == nil { dirty.append(client) }
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
        w.write(UInt32(entries.count))
        for (c, e) in entries.sorted(by: { $0.key < $1.key }) { w.write(c); w.write(e.timestamp); w.write(e.request); w.write(e.reply) }
    }

    static func decode(_ r: inout WireReader, capacity: Int) throws(WireError) -> ClientTable {
        let n = try r.readCount("clients", limit: capacity, minElementSize: 52)
        var t = ClientTable(capacity: capacity)
        for _ in 0..<n {
            let c = try r.readClient()
            let ts = try r.readUInt64()
            let request = try r.readDigest()
            let reply = try r.readBytes("reply", limit: r.limits.maxOperationBytes)
            guard t.entries[c] == nil else { throw .invalidValue(field: "duplicate client") }
            t.record(c, timestamp: ts, request: request, reply: reply)
        }
        return t
    }
}
