/// Decides whether a key-value history is linearizable: whether every operation can
/// be given one instant between its invocation and its completion such that, taken
/// in that order, the operations are those of a single map (a get returns the key's
/// value, a put or delete the value it replaced).
///
/// The search is Wing and Gong's, with Lowe's memoisation, as in Porcupine: the
/// history is split by key (linearizability is compositional, so the history is
/// linearizable exactly when every key's part is); each part becomes a list of call
/// and return events in time order; the search repeatedly takes the first
/// operation whose call is in the list and that the model accepts in the current
/// state, removes its events and starts again from the front, and backs up when it
/// meets the return of an operation it has not placed. A pair (set of operations
/// placed, as a bitset; value of the key) already explored is never explored again.
///
/// Times: an operation precedes another when it completed strictly before the other
/// was invoked; equal instants are concurrent, except that a client is sequential:
/// its next operation on a key, invoked at the very instant its previous one there
/// completed, comes after every completion at that instant.
///
/// Pending operations (`completeNanos == nil`: invoked, never seen to complete)
/// may take effect at any instant after their invocation, or never: a read of a
/// value whose put never completed is accepted, and the checker never requires a
/// pending operation to be placed. Their results are unknown (and a pending get,
/// having no effect, is dropped).
///
/// Guarantees: `linearizable` and `notLinearizable` are exact answers; the work is
/// bounded by `maxStepsPerKey` search steps per key, after which that key's verdict
/// is `unknown` (never a hang, never a guess). A malformed history (a completion
/// before its invocation, a put without a value) is an error, not a verdict.
public struct LinearizabilityChecker: Sendable {
    /// Search steps (an operation tried, or one backtrack) allowed per key.
    public var maxStepsPerKey: Int

    public init(maxStepsPerKey: Int = 20_000_000) {
        self.maxStepsPerKey = maxStepsPerKey
    }

    /// Checks every key of `history` (in any order) and explains what fails.
    public func check(_ history: [HistoryOperation]) throws(HistoryFormatError) -> LinearizabilityReport {
        var byKey: [String: [HistoryOperation]] = [:]
        for (i, op) in history.enumerated() {
            if let c = op.completeNanos, c < op.invokeNanos {
                throw HistoryFormatError(line: 0, reason: "operation \(i + 1) completes before it is invoked: \(op.summary)")
            }
            if op.kind == .put && op.value == nil {
                throw HistoryFormatError(line: 0, reason: "operation \(i + 1) is a put without a value: \(op.summary)")
            }
            byKey[op.key, default: []].append(op)
        }
        var report = LinearizabilityReport(operations: history.count, keys: byKey.count)
        report.pending = history.count(where: \.isPending)
        for key in byKey.keys.sorted() {
            var search = KeySearch(key: key, operations: byKey[key]!, maxSteps: maxStepsPerKey)
            let verdict = search.run()
            report.steps += search.steps
            switch verdict {
            case .linearizable: break
            case .notLinearizable(let why): report.failures.append(.init(key: key, verdict: .notLinearizable, explanation: why))
            case .unknown(let why): report.failures.append(.init(key: key, verdict: .unknown, explanation: why))
            }
        }
        report.failures.sort { ($0.verdict == .notLinearizable ? 0 : 1, $0.key) < ($1.verdict == .notLinearizable ? 0 : 1, $1.key) }
        return report
    }
}

/// The outcome of `LinearizabilityChecker.check`.
///
/// Guarantees: `verdict` is `notLinearizable` if any key is, else `unknown` if the
/// search gave up on any key, else `linearizable`; `failures` holds one readable
/// explanation per key that is not `linearizable`, those not linearizable first.
public struct LinearizabilityReport: Sendable, CustomStringConvertible {
    /// The answer for a whole history or for one key.
    ///
    /// Guarantees: `unknown` is only ever given when the step bound was reached.
    public enum Verdict: String, Sendable {
        case linearizable
        case notLinearizable = "not linearizable"
        case unknown
    }

    /// One key whose part of the history is not linearizable, or was not decided.
    ///
    /// Guarantees: `explanation` starts with the key and names the operations
    /// involved by client, kind, values and times.
    public struct KeyFailure: Sendable {
        public var key: String
        public var verdict: Verdict
        /// The operations involved and why they cannot be ordered (or where the
        /// search stopped), several lines.
        public var explanation: String
    }

    public var operations: Int
    public var keys: Int
    /// Operations never seen to complete.
    public var pending = 0
    /// Search steps, over all keys.
    public var steps = 0
    public var failures: [KeyFailure] = []

    init(operations: Int, keys: Int) {
        self.operations = operations
        self.keys = keys
    }

    public var verdict: Verdict {
        if failures.contains(where: { $0.verdict == .notLinearizable }) { return .notLinearizable }
        return failures.isEmpty ? .linearizable : .unknown
    }

    public var description: String { text(explaining: .max) }

    /// The verdict and totals, then the explanations of the first `limit` failing keys.
    public func text(explaining limit: Int) -> String {
        var s = "\(verdict.rawValue): \(operations) operations (\(pending) pending) on \(keys) keys, \(steps) search steps"
        for f in failures.prefix(max(0, limit)) { s += "\n\n" + f.explanation }
        if failures.count > limit { s += "\n\n... and \(failures.count - limit) more keys" }
        return s
    }
}

/// The search over the operations on one key.
struct KeySearch {
    enum Verdict {
        case linearizable
        case notLinearizable(String)
        case unknown(String)
    }

    /// The key's value in the model: 0 absent, otherwise the number of a value (1...).
    typealias State = Int32
    /// What an operation requires of the state before it: a state, or one of these.
    static let anyState: Int32 = -1, someValue: Int32 = -2
    /// What an operation leaves: a state, or `unchanged` (a get).
    static let unchanged: Int32 = -1

    let key: String
    /// The operations in the order of their call events (pending gets dropped).
    var ops: [HistoryOperation] = []
    var requires: [Int32] = []
    var leaves: [Int32] = []
    var pending: [Bool] = []
    /// Names of the values (index = state; 0 is unused).
    var valueNames: [String] = ["absent"]
    let maxSteps: Int
    var steps = 0
    /// A read of a value no put on this key wrote (found before any search).
    var impossibleRead: String?

    // The event list: node 0 is the head; nodes 1... are events in time order.
    var next: [Int32] = [-1], prev: [Int32] = [-1]
    var nodeOp: [Int32] = [-1], nodeIsCall: [Bool] = [false]
    var callNode: [Int32] = [], returnNode: [Int32] = []

    // The set of operations placed so far, and its canonical form for the cache:
    // the words below `low` are all ones, those from `high` on are zero.
    var bits: [UInt64] = []
    var low = 0, high = 0

    // The deepest point the search reached, for the explanation.
    var bestDepth = -1
    var bestBlocked: Int32 = -1
    var bestState: State = 0
    var bestRecent: [Int32] = []
    var bestOpen: [Int32] = []

    init(key: String, operations: [HistoryOperation], maxSteps: Int) {
        self.key = key
        self.maxSteps = maxSteps
        let kept = operations.filter { !($0.kind == .get && $0.isPending) }
        // Events: (time, phase, operation in `kept`, is call). Phase orders equal
        // instants: calls, then completions, then calls a client makes at the
        // instant its previous operation on this key completed (then their own
        // completions, if they take no time at all).
        struct ClientInstant: Hashable { var client: UInt64, nanos: Int64 }
        var completions = Set<ClientInstant>()
        for op in kept { if let c = op.completeNanos { completions.insert(ClientInstant(client: op.client, nanos: c)) } }
        var events: [(time: Int64, phase: Int8, op: Int32, isCall: Bool)] = []
        events.reserveCapacity(2 * kept.count)
        for (i, op) in kept.enumerated() {
            let sequential = completions.contains(ClientInstant(client: op.client, nanos: op.invokeNanos))
            events.append((op.invokeNanos, sequential ? 2 : 0, Int32(i), true))
            // An operation's own completion follows its call, even at the same instant.
            if let c = op.completeNanos { events.append((c, sequential && c == op.invokeNanos ? 3 : 1, Int32(i), false)) }
        }
        events.sort { ($0.time, $0.phase, $0.op) < ($1.time, $1.phase, $1.op) }
        // Number the operations in call order, so the placed set is nearly a prefix.
        var order = [Int32](repeating: -1, count: kept.count)
        for e in events where e.isCall {
            order[Int(e.op)] = Int32(ops.count)
            ops.append(kept[Int(e.op)])
        }
        callNode = [Int32](repeating: -1, count: ops.count)
        returnNode = [Int32](repeating: -1, count: ops.count)
        for (n, e) in events.enumerated() {
            let node = Int32(n + 1), op = order[Int(e.op)]
            next[n] = node
            next.append(-1)
            prev.append(Int32(n))
            nodeOp.append(op)
            nodeIsCall.append(e.isCall)
            if e.isCall { callNode[Int(op)] = node } else { returnNode[Int(op)] = node }
        }
        bits = [UInt64](repeating: 0, count: (ops.count + 63) / 64)
        // The model's view of each operation.
        var ids: [String: Int32] = [:]
        for op in ops where op.kind == .put {
            if ids[op.value!] == nil {
                ids[op.value!] = Int32(valueNames.count)
                valueNames.append(op.value!)
            }
        }
        pending = ops.map(\.isPending)
        for op in ops {
            switch op.kind {
            case .put: leaves.append(ids[op.value!]!)
            case .delete: leaves.append(0)
            case .get: leaves.append(Self.unchanged)
            }
            switch op.result {
            case .unknown: requires.append(Self.anyState)
            case .present: requires.append(Self.someValue)
            case .absent: requires.append(0)
            case .value(let v):
                if let id = ids[v] {
                    requires.append(id)
                } else {
                    requires.append(Self.anyState)
                    let what = op.kind == .get ? "read" : "returned as the previous value"
                    impossibleRead = impossibleRead ?? "key \"\(key)\": not linearizable: \(v) was \(what), but no put on this key wrote it:\n  \(op.summary)"
                }
            }
        }
    }

    /// The state after `op` from `state`, or nil if the model refuses it there.
    func apply(_ op: Int, to state: State) -> State? {
        let r = requires[op]
        guard r == Self.anyState || r == state || (r == Self.someValue && state != 0) else { return nil }
        return leaves[op] == Self.unchanged ? state : leaves[op]
    }

    struct CacheKey: Hashable {
        var state: State
        var low: Int32
        /// The placed set's words from `low` to `high` (a copy: small, where the
        /// whole bitset grows with the history).
        var words: [UInt64]
    }

    mutating func setBit(_ op: Int) {
        let w = op >> 6
        bits[w] |= 1 << UInt64(op & 63)
        if w >= high { high = w + 1 }
        while low < bits.count && bits[low] == ~0 { low += 1 }
    }

    mutating func clearBit(_ op: Int) {
        let w = op >> 6
        bits[w] &= ~(1 << UInt64(op & 63))
        if w < low { low = w }
        while high > low && bits[high - 1] == 0 { high -= 1 }
    }

    /// Takes an operation's events out of the list (dancing links: the removed
    /// nodes keep their neighbours, so `unlift` in reverse order puts them back).
    mutating func lift(_ op: Int) {
        unlink(callNode[op])
        unlink(returnNode[op])
    }

    mutating func unlift(_ op: Int) {
        relink(returnNode[op])
        relink(callNode[op])
    }

    mutating func unlink(_ node: Int32) {
        guard node >= 0 else { return }
        let n = Int(node)
        next[Int(prev[n])] = next[n]
        if next[n] >= 0 { prev[Int(next[n])] = prev[n] }
    }

    mutating func relink(_ node: Int32) {
        guard node >= 0 else { return }
        let n = Int(node)
        next[Int(prev[n])] = node
        if next[n] >= 0 { prev[Int(next[n])] = node }
    }

    mutating func run() -> Verdict {
        if let impossibleRead { return .notLinearizable(impossibleRead) }
        let mustPlace = pending.count(where: { !$0 })
        var placed = 0
        var state: State = 0
        var stack: [(op: Int32, before: State)] = []
        var cache = Set<CacheKey>()
        var entry = next[0]
        while placed < mustPlace {
            steps += 1
            if steps > maxSteps {
                return .unknown("key \"\(key)\": unknown: gave up after \(maxSteps) search steps, "
                    + "with \(placed) of \(mustPlace) completed operations ordered (raise --max-steps)")
            }
            let op = Int(nodeOp[Int(entry)])
            if nodeIsCall[Int(entry)] {
                if let after = apply(op, to: state) {
                    setBit(op)
                    if cache.insert(CacheKey(state: after, low: Int32(low), words: Array(bits[low..<max(low, high)]))).inserted {
                        stack.append((Int32(op), state))
                        state = after
                        lift(op)
                        if !pending[op] { placed += 1 }
                        entry = next[0]
                        continue
                    }
                    clearBit(op)
                }
                entry = next[Int(entry)]
            } else {
                // `op` completed but could not be placed before its completion: back up.
                if placed > bestDepth { remember(blocked: op, entry: entry, state: state, depth: placed, stack: stack) }
                guard let top = stack.popLast() else { return .notLinearizable(explanation(mustPlace: mustPlace)) }
                let t = Int(top.op)
                state = top.before
                clearBit(t)
                unlift(t)
                if !pending[t] { placed -= 1 }
                entry = next[Int(callNode[t])]
            }
        }
        return .linearizable
    }

    mutating func remember(blocked op: Int, entry: Int32, state: State, depth: Int, stack: [(op: Int32, before: State)]) {
        bestDepth = depth
        bestBlocked = Int32(op)
        bestState = state
        bestRecent = stack.suffix(4).map(\.op)
        bestOpen = []
        var n = next[0]
        while n >= 0 && n != entry && bestOpen.count < 8 {
            if nodeIsCall[Int(n)] && nodeOp[Int(n)] != Int32(op) { bestOpen.append(nodeOp[Int(n)]) }
            n = next[Int(n)]
        }
    }

    func explanation(mustPlace: Int) -> String {
        let blocked = Int(bestBlocked), op = ops[blocked]
        var s = "key \"\(key)\": not linearizable: no order of its operations explains this one:\n  " + op.summary
        func writer(of state: Int32) -> String {
            guard state > 0, let w = ops.first(where: { $0.kind == .put && $0.value == valueNames[Int(state)] }) else { return "" }
            return "\n  written by " + w.summary
        }
        if requires[blocked] > 0 { s += writer(of: requires[blocked]) }
        let before = ops.filter { $0.kind != .get && ($0.completeNanos ?? .max) < op.invokeNanos }
            .sorted { $0.completeNanos! < $1.completeNanos! }.suffix(3)
        if !before.isEmpty {
            s += "\nthe last writes on this key that completed before it was invoked:" + before.map { "\n  " + $0.summary }.joined()
        }
        s += "\nthe search ordered at best \(bestDepth) of \(mustPlace) completed operations before it; the value then: "
            + valueNames[Int(bestState)] + writer(of: bestState)
        if !bestRecent.isEmpty {
            s += "\nthe operations ordered last:" + bestRecent.map { "\n  " + ops[Int($0)].summary }.joined()
        }
        if !bestOpen.isEmpty {
            s += "\nother operations open at that point (none fits either):" + bestOpen.map { "\n  " + ops[Int($0)].summary }.joined()
        }
        return s
    }
}
