/// Operations of the replicated key-value store, with their canonical encoding.
///
/// Guarantees: `decode(encode(op)) == op`; any other bytes decode to nil and are
/// answered with `KeyValueResult.invalid`, never a crash.
public enum KeyValueOperation: Hashable, Sendable {
    case put(key: [UInt8], value: [UInt8])
    case get(key: [UInt8])
    case delete(key: [UInt8])

    /// Largest key accepted (the paper's workload uses 20-byte keys).
    public static let maxKeyBytes = 1024

    public func encode() -> [UInt8] {
        var w = WireWriter(capacity: 8)
        switch self {
        case .put(let k, let v): w.write(UInt8(1)); w.write(UInt16(k.count)); w.writeRaw(k); w.writeRaw(v)
        case .get(let k): w.write(UInt8(2)); w.write(UInt16(k.count)); w.writeRaw(k)
        case .delete(let k): w.write(UInt8(3)); w.write(UInt16(k.count)); w.writeRaw(k)
        }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) -> KeyValueOperation? {
        guard bytes.count >= 3 else { return nil }
        let keyLength = Int(bytes[1]) << 8 | Int(bytes[2])
        guard keyLength <= maxKeyBytes, 3 + keyLength <= bytes.count else { return nil }
        let key = Array(bytes[3 ..< 3 + keyLength])
        switch bytes[0] {
        case 1: return .put(key: key, value: Array(bytes[(3 + keyLength)...]))
        case 2 where bytes.count == 3 + keyLength: return .get(key: key)
        case 3 where bytes.count == 3 + keyLength: return .delete(key: key)
        default: return nil
        }
    }
}

/// Results of key-value operations: first byte is the status.
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
/// set of (key, value) entries maintained incrementally (O(1) per write); the
/// snapshot lists entries sorted by key, so equal states give equal snapshots.
public struct KeyValueStore: StateMachine {
    var entries: [[UInt8]: ArraySlice<UInt8>] = [:]
    var digestSum = MultisetHash()

    public init() {}

    public var count: Int { entries.count }
    public func value(for key: [UInt8]) -> ArraySlice<UInt8>? { entries[key] }

    static func entryDigest(_ key: [UInt8], _ value: ArraySlice<UInt8>) -> Digest {
        var w = WireWriter(capacity: key.count + value.count + 8)
        w.write(UInt32(key.count)); w.writeRaw(key); w.writeRaw(value)
        return Digest.of(w.bytes)
    }

    public mutating func apply(_ operation: [UInt8]) -> [UInt8] {
        guard let op = KeyValueOperation.decode(operation) else { return KeyValueResult.invalid }
        switch op {
        case .put(let key, _):
            // Keep the value as a slice of the operation: no copy of the payload.
            let value = operation[(3 + key.count)...]
            if let old = entries.updateValue(value, forKey: key) { digestSum.remove(Self.entryDigest(key, old)) }
            digestSum.add(Self.entryDigest(key, value))
            return KeyValueResult.ok
        case .get(let key):
            guard let v = entries[key] else { return KeyValueResult.notFound }
            return KeyValueResult.value(v)
        case .delete(let key):
            guard let old = entries.removeValue(forKey: key) else { return KeyValueResult.notFound }
            digestSum.remove(Self.entryDigest(key, old))
            return KeyValueResult.ok
        }
    }

    public var stateDigest: Digest { digestSum.value }

    public func snapshot() -> [UInt8] {
        var w = WireWriter(capacity: 64)
        w.write(UInt32(entries.count))
        for (k, v) in entries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            w.write(k); w.write(UInt32(v.count)); w.writeRaw(v)
        }
        return w.bytes
    }

    public mutating func restore(from snapshot: [UInt8]) throws(WireError) {
        var r = try WireReader(snapshot)
        let n = try r.readCount("entries", limit: Int(UInt32.max), minElementSize: 8)
        var fresh = KeyValueStore()
        for _ in 0..<n {
            let k = try r.readBytes("key", limit: KeyValueOperation.maxKeyBytes)
            let v = try r.readBytes("value", limit: r.limits.maxFrameBytes)
            guard fresh.entries[k] == nil else { throw .invalidValue(field: "duplicate key") }
            fresh.entries[k] = v[...]
            fresh.digestSum.add(Self.entryDigest(k, v[...]))
        }
        try r.expectEnd()
        self = fresh
    }
}
