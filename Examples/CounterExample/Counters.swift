import DQBFTCore

/// An example of bringing your own replicated state machine: named 64-bit counters.
///
/// Operations are UTF-8 text: `add NAME DELTA` adds DELTA (may be negative) to
/// counter NAME and returns its new value; `read NAME` returns its value (0 if it
/// was never touched). Anything else returns `error: …`. Results are decimal text.
///
/// Guarantees: deterministic (the same operations in the same order give the same
/// results, digests and snapshots on every replica); additions wrap around at
/// 2^64 instead of trapping, so no operation can crash a replica; `restore` accepts
/// exactly what `snapshot` writes and rejects anything else. The digest rehashes
/// the whole state (fine for an example; see `KeyValueStore` for an O(1) update).
public struct Counters: StateMachine, Sendable {
    public private(set) var values: [String: Int64] = [:]

    public init() {}

    public mutating func apply(_ operation: [UInt8]) -> [UInt8] {
        let words = String(decoding: operation, as: UTF8.self).split(separator: " ").map(String.init)
        switch (words.first, words.count) {
        case ("add", 3):
            guard let delta = Int64(words[2]) else { return Array("error: DELTA must be an integer".utf8) }
            let value = values[words[1], default: 0] &+ delta
            values[words[1]] = value
            return Array(String(value).utf8)
        case ("read", 2):
            return Array(String(values[words[1], default: 0]).utf8)
        default:
            return Array("error: expected 'add NAME DELTA' or 'read NAME'".utf8)
        }
    }

    public var stateDigest: Digest {
        mutating get { Digest.of(snapshot()) }
    }

    /// One `NAME=VALUE` line per counter, sorted by name.
    public func snapshot() -> [UInt8] {
        Array(values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined().utf8)
    }

    /// Refuses a snapshot larger than `limits.maxFrameBytes`, and anything
    /// `snapshot` would not write.
    public mutating func restore(from snapshot: [UInt8], limits: WireLimits) throws(WireError) {
        guard snapshot.count <= limits.maxFrameBytes else { throw .frameTooLarge(size: snapshot.count, limit: limits.maxFrameBytes) }
        var restored: [String: Int64] = [:]
        var previous: String?
        for line in String(decoding: snapshot, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(" "), let value = Int64(parts[1]),
                  previous.map({ $0 < parts[0] }) ?? true else {
                throw .invalidValue(field: "counter snapshot line '\(line.prefix(40))'")
            }
            restored[parts[0]] = value
            previous = parts[0]
        }
        guard snapshot.isEmpty || snapshot.last == UInt8(ascii: "\n") else { throw .invalidValue(field: "counter snapshot end") }
        values = restored
    }
}
