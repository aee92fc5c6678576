/// One client operation on the key-value store, as the simulator records it and as
/// `dqbft check-history` reads it (one JSON line, see `jsonLine`).
///
/// Values are identified by their tag: the workload's puts write values that start
/// with "c<client>t<timestamp>", unique per put, and a history names a value by
/// that tag alone.
///
/// Guarantees: `parse(jsonLine)` gives back an equal operation (times are whole
/// nanoseconds and written with nine decimals); an operation whose completion was
/// never seen (`completeNanos == nil`, still pending when the run ended) carries
/// `.unknown` as its result: it may have taken effect at any time after its
/// invocation, or never.
public struct HistoryOperation: Hashable, Sendable {
    /// What the operation does; the raw value is the JSON `op` field.
    ///
    /// Guarantees: the three operations of the key-value store, spelled as in JSON.
    public enum Kind: String, Hashable, Sendable {
        case put, get, delete
    }

    /// What an operation returned, as far as the history knows it.
    ///
    /// Guarantees: each case has one JSON spelling in `result` (see `jsonLine`),
    /// and a checker reads `.unknown` as "no constraint", never as a value.
    public enum Outcome: Hashable, Sendable {
        /// Nothing known: a pending operation, or a put that did not ask for the
        /// previous value (JSON `"ok"`).
        case unknown
        /// The key was absent: a get found nothing, or the put/delete had no previous
        /// value (JSON null).
        case absent
        /// A delete that did not ask for the previous value removed some value
        /// (JSON `"ok"` on a delete).
        case present
        /// The value with this tag: what a get read, or what a put/delete replaced.
        case value(String)
    }

    /// The client that invoked it.
    public var client: UInt64
    public var kind: Kind
    public var key: String
    /// A put: the tag of the value written; nil for gets and deletes.
    public var value: String?
    /// When the client sent it, in virtual nanoseconds.
    public var invokeNanos: Int64
    /// When the client accepted its result, in virtual nanoseconds; nil if it never did.
    public var completeNanos: Int64?
    public var result: Outcome

    public init(client: UInt64, kind: Kind, key: String, value: String? = nil, invokeNanos: Int64,
                completeNanos: Int64?, result: Outcome) {
        self.client = client
        self.kind = kind
        self.key = key
        self.value = value
        self.invokeNanos = invokeNanos
        self.completeNanos = completeNanos
        self.result = completeNanos == nil ? .unknown : result
    }

    public var isPending: Bool { completeNanos == nil }

    /// The fields of today's JSON history line, in order: client, op, key, value
    /// (the put's tag, else null), invoke_s, complete_s (null while pending), result
    /// (the tag read or replaced; null for absent or pending; "ok" when not known).
    public var jsonLine: String {
        var s = "{\"client\":\(client),\"op\":\"\(kind.rawValue)\",\"key\":"
        JSONText.appendString(key, to: &s)
        s += ",\"value\":"
        if let value { JSONText.appendString(value, to: &s) } else { s += "null" }
        s += ",\"invoke_s\":" + JSONText.seconds(invokeNanos)
        s += ",\"complete_s\":" + (completeNanos.map(JSONText.seconds) ?? "null")
        s += ",\"result\":"
        switch result {
        case .unknown: s += isPending ? "null" : "\"ok\""
        case .absent: s += "null"
        case .present: s += "\"ok\""
        case .value(let v): JSONText.appendString(v, to: &s)
        }
        return s + "}"
    }

    /// A one-line description for explanations, e.g.
    /// `client 7: get → c3t9 [1.203456789 s, 1.304000000 s]`.
    public var summary: String {
        func name(_ o: Outcome) -> String {
            switch o {
            case .unknown: return "?"
            case .absent: return "absent"
            case .present: return "some value"
            case .value(let v): return v
            }
        }
        var s = "client \(client): "
        switch kind {
        case .get: s += "get → " + (isPending ? "?" : name(result))
        case .put: s += "put \(value ?? "?")" + (result == .unknown ? "" : ", previous " + name(result))
        case .delete: s += "delete" + (result == .unknown ? "" : ", previous " + name(result))
        }
        let end = completeNanos.map { JSONText.seconds($0) + " s" } ?? "never completed"
        return s + " [" + JSONText.seconds(invokeNanos) + " s, " + end + "]"
    }
}

/// A history that cannot be read or checked: the line (1-based, 0 when not from a
/// file) and what is wrong with it.
///
/// Guarantees: `description` names the line (when known) and the field or JSON
/// column at fault, in words a user can act on.
public struct HistoryFormatError: Error, CustomStringConvertible, Equatable {
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

extension HistoryOperation {
    /// Reads a JSON-lines history (blank lines are skipped).
    ///
    /// Guarantees: never traps on malformed input; the error names the line and the
    /// field. Unknown fields are ignored.
    public static func parseLines(_ bytes: [UInt8]) throws(HistoryFormatError) -> [HistoryOperation] {
        var operations: [HistoryOperation] = []
        var start = 0, number = 0
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do throws(HistoryFormatError) { operations.append(try parse(line)) } catch { throw HistoryFormatError(line: number, reason: error.reason) }
        }
        return operations
    }

    /// Reads one JSON line.
    public static func parse(_ line: ArraySlice<UInt8>) throws(HistoryFormatError) -> HistoryOperation {
        guard case .object(let fields) = try JSONText.parseDocument(line) else {
            throw HistoryFormatError(line: 0, reason: "expected a JSON object")
        }
        func field(_ name: String) throws(HistoryFormatError) -> JSONText.Value {
            guard let v = fields[name] else { throw HistoryFormatError(line: 0, reason: "missing field \"\(name)\"") }
            return v
        }
        func bad(_ name: String, _ expected: String) -> HistoryFormatError {
            HistoryFormatError(line: 0, reason: "field \"\(name)\" must be \(expected)")
        }
        func nanos(_ name: String, _ v: JSONText.Value) throws(HistoryFormatError) -> Int64 {
            guard case .number(let s) = v, s >= 0, s < 1e9 else { throw bad(name, "a number of seconds in [0, 1e9)") }
            return Int64((s * 1e9).rounded())
        }
        guard case .number(let c) = try field("client"), c >= 0, c < 0x1p63, c == c.rounded() else {
            throw bad("client", "a non-negative integer")
        }
        guard case .string(let opName) = try field("op"), let kind = Kind(rawValue: opName) else {
            throw bad("op", "\"put\", \"get\" or \"delete\"")
        }
        guard case .string(let key) = try field("key") else { throw bad("key", "a string") }
        var value: String?
        if kind == .put {
            guard case .string(let v) = try field("value") else { throw bad("value", "the tag a put writes (a string)") }
            value = v
        }
        let invoke = try nanos("invoke_s", try field("invoke_s"))
        var complete: Int64?
        if try field("complete_s") != .null {
            complete = try nanos("complete_s", try field("complete_s"))
            guard complete! >= invoke else { throw bad("complete_s", "at least invoke_s") }
        }
        var result = Outcome.unknown
        if complete != nil {
            switch try field("result") {
            case .null: result = .absent
            case .string("ok") where kind == .put: result = .unknown
            case .string("ok") where kind == .delete: result = .present
            case .string(let s): result = .value(s)
            default: throw bad("result", "a string (the tag read or replaced) or null")
            }
        }
        return HistoryOperation(client: UInt64(c), kind: kind, key: key, value: value, invokeNanos: invoke,
                                completeNanos: complete, result: result)
    }
}
