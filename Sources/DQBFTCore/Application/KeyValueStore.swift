import HashTreeCollections

/// Operations of the replicated key-value store, with their canonical encoding.
///
/// A put or a delete may ask for the previous value (like etcd's `prev_kv`):
/// `returnsPrevious` is false by default, so the paper's workload keeps its one-byte
/// replies; the simulator sets it when it records a history or mixes reads and
/// deletes in, so that a history can show a stale or lost write.
///
/// Encoding: one kind byte (1 put, 2 get, 3 delete; the flag `0x80` on a put or
/// delete asks for the previous value), the key's length (UInt16, big-endian), the
/// key, and for a put the value (the rest of the bytes).
///
/// Guarantees: `decode(encode(op)) == op`; any other bytes decode to nil and are
/// answered with `KeyValueResult.invalid`, never a crash.
public enum KeyValueOperation: Hashable, Sendable {
    /// Stores `value` under `key`. Result: `ok`; with `returnsPrevious`, the
    /// value it replaced (`KeyValueResult.value`) or `notFound` if the key was absent.
    case put(key: [UInt8], value: [UInt8], returnsPrevious: Bool = false)
    /// Result: the key's value (`KeyValueResult.value`) or `notFound`.
    case get(key: [UInt8])
    /// Removes `key`. Result: `ok`, or `notFound` if it was absent; with
    /// `returnsPrevious`, the value it removed instead of `ok`.
    case delete(key: [UInt8], returnsPrevious: Bool = false)

    /// Largest key accepted (the paper's workload uses 20-byte keys).
    public static let maxKeyBytes = 1024
    /// Kind-byte flag of a put or delete that returns the previous value.
    public static let returnsPreviousFlag: UInt8 = 0x80

    public func encode() -> [UInt8] {
        var w = WireWriter(capacity: 8)
        let flag = Self.returnsPreviousFlag
        switch self {
        // A key longer than `maxKeyBytes` is answered `invalid`; clamping its length
        // keeps one longer than 65,535 bytes from trapping here first.
        case .put(let k, let v, let p): w.write(p ? 1 | flag : 1); w.write(UInt16(clamping: k.count)); w.writeRaw(k); w.writeRaw(v)
        case .get(let k): w.write(UInt8(2)); w.write(UInt16(clamping: k.count)); w.writeRaw(k)
        case .delete(let k, let p): w.write(p ? 3 | flag : 3); w.write(UInt16(clamping: k.count)); w.writeRaw(k)
        }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) -> KeyValueOperation? {
        guard let (kind, key) = header(bytes) else { return nil }
        let previous = kind & returnsPreviousFlag != 0
        switch kind & ~returnsPreviousFlag {
        case 1: return .put(key: key, value: Array(bytes[(3 + key.count)...]), returnsPrevious: previous)
        case 2: return .get(key: key)
        default: return .delete(key: key, returnsPrevious: previous)
        }
    }

    /// The operation's kind byte (1 put, 2 get, 3 delete, with `returnsPreviousFlag`
    /// on a put or delete that asks for the previous value) and key, without copying
    /// a put's value; nil for bytes `decode` rejects.
    static func header(_ bytes: [UInt8]) -> (kind: UInt8, key: [UInt8])? {
        guard bytes.count >= 3 else { return nil }
        let keyLength = Int(bytes[1]) << 8 | Int(bytes[2])
        guard keyLength <= maxKeyBytes, 3 + keyLength <= bytes.count else { return nil }
        switch bytes[0] {
        case 1, 1 | returnsPreviousFlag: break
        case 2, 3, 3 | returnsPreviousFlag: guard bytes.count == 3 + keyLength else { return nil }
        default: return nil
        }
        return (bytes[0], Array(bytes[3 ..< 3 + keyLength]))
    }
}

/// Results of key-value operations: first byte is the status.
///
/// Guarantees: `ok`, `notFound` and `invalid` are one byte; a value (a get's, or
/// the previous value of a put or delete that asked for it) is status 0 followed
/// by the value's bytes, so `[0]` alone is ambiguous only for a plain put or delete
/// (which never return a value) and for an empty value.
public enum KeyValueResult {
    public static let ok: [UInt8] = [0]
    public static let notFound: [UInt8] = [1]
    public static let invalid: [UInt8] = [2]
    /// A found value: status 0 followed by the value.
    public static func value(_ v: ArraySlice<UInt8>) -> [UInt8] { [0] + v }
}

/// The default replicated application: a map from byte keys to byte values.
///
/// Guarantees: deterministic; `stateDigest` is an order-independent digest of the
/// set of (key, value) entries. Writes only mark their key dirty; the digest folds
/// dirty entries in when asked (at checkpoints), so a key written many times
/// between checkpoints is hashed once. The snapshot lists entries sorted by key, so
/// equal states give equal snapshots. Copies share structure (a hash trie): the
/// copy a replica keeps at each checkpoint costs only the paths written since,
/// not the whole store.
public struct KeyValueStore: StateMachine {
    struct Entry: Sendable {
        var value: ArraySlice<UInt8>
        /// The entry's digest as folded into `digestSum`; nil while dirty.
        var digest: Digest?
    }
    /// A key with a fast hash (the bytes in one call, not byte by byte).
    struct Key: Hashable, Sendable {
        let bytes: [UInt8]
        func hash(into h: inout Hasher) { bytes.withUnsafeBytes { h.combine(bytes: $0) } }
    }
    var entries = TreeDictionary<Key, Entry>()
    var digestSum = MultisetHash()
    /// Keys written since the digest was last brought up to date.
    var dirty: [Key] = []

    public init() {}

    public var count: Int { entries.count }
    public func value(for key: [UInt8]) -> ArraySlice<UInt8>? { entries[Key(bytes: key)]?.value }

    static func entryDigest(_ key: [UInt8], _ value: ArraySlice<UInt8>) -> Digest {
        var w = WireWriter(capacity: key.count + value.count + 8)
        w.write(UInt32(key.count)); w.writeRaw(key); w.writeRaw(value)
        return Digest.of(w.bytes)
    }

    /// Takes `key`'s folded digest out of the sum and marks it dirty.
    mutating func touch(_ key: Key, old: Entry?) {
        if let d = old?.digest {
            digestSum.remove(d)
            dirty.append(key)
        } else if old == nil {
            dirty.append(key)
        }
    }

    public mutating func apply(_ operation: [UInt8]) -> [UInt8] {
        guard let (kind, key) = KeyValueOperation.header(operation) else { return KeyValueResult.invalid }
        let returnsPrevious = kind & KeyValueOperation.returnsPreviousFlag != 0
        switch kind & ~KeyValueOperation.returnsPreviousFlag {
        case 1:
            // Keep the value as a slice of the operation: no copy of the payload.
            let value = operation[(3 + key.count)...]
            let k = Key(bytes: key)
            let old = entries.updateValue(Entry(value: value, digest: nil), forKey: k)
            touch(k, old: old)
            guard returnsPrevious else { return KeyValueResult.ok }
            return old.map { KeyValueResult.value($0.value) } ?? KeyValueResult.notFound
        case 2:
            guard let e = entries[Key(bytes: key)] else { return KeyValueResult.notFound }
            return KeyValueResult.value(e.value)
        default:
            guard let old = entries.removeValue(forKey: Key(bytes: key)) else { return KeyValueResult.notFound }
            if let d = old.digest { digestSum.remove(d) }
            return returnsPrevious ? KeyValueResult.value(old.value) : KeyValueResult.ok
        }
    }

    public var stateDigest: Digest {
        mutating get {
            for key in dirty {
                guard var e = entries[key], e.digest == nil else { continue }
                let d = Self.entryDigest(key.bytes, e.value)
                e.digest = d
                entries[key] = e
                digestSum.add(d)
            }
            dirty.removeAll(keepingCapacity: true)
            return digestSum.value
        }
    }

    public func snapshot() -> [UInt8] {
        var w = WireWriter(capacity: 64)
        w.write(UInt32(entries.count))
        for (k, e) in entries.sorted(by: { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }) {
            w.write(k.bytes); w.write(UInt32(e.value.count)); w.writeRaw(e.value)
        }
        return w.bytes
    }

    public mutating func restore(from snapshot: [UInt8], limits: WireLimits) throws(WireError) {
        var r = try WireReader(snapshot, limits: limits)
        let n = try r.readCount("entries", limit: Int(UInt32.max), minElementSize: 8)
        var fresh = KeyValueStore()
        for _ in 0..<n {
            let k = Key(bytes: try r.readBytes("key", limit: KeyValueOperation.maxKeyBytes))
            let v = try r.readBytes("value", limit: r.limits.maxFrameBytes)
            guard fresh.entries[k] == nil else { throw .invalidValue(field: "duplicate key") }
            fresh.entries[k] = Entry(value: v[...], digest: nil)
            fresh.dirty.append(k)
        }
        try r.expectEnd()
        self = fresh
    }
}
