/// The search over the operations on one key (`LinearizabilityChecker` describes
/// the algorithm).
///
/// Guarantees: `run` answers exactly or gives up after `maxSteps` steps; every
/// shortcut it takes is argued where it is taken, and the brute-force comparison in
/// the tests holds it to that.
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
    /// Operations that never change the state: gets, and deletes that found the key absent.
    var readOnly: [Bool] = []
    /// Pending operations with the same effect form a group (by what they leave),
    /// placed only in call order: any order using a later member works as well with
    /// the earliest unplaced one. -1 for completed operations.
    var group: [Int32] = []
    var groupMembers: [[Int32]] = []
    var groupPlaced: [Int] = []
    /// Per value: unplaced completed operations that require it, and unplaced puts
    /// that write it. A value that the state leaves while it is still required and
    /// no put can write it again is lost for good: that choice is a dead end.
    var demand: [Int32] = []
    var writersLeft: [Int32] = []
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
    /// Unplaced operations that still required the value at that point.
    var bestNeeders: [Int32] = []
    /// Per value, the completed operations that require it.
    var requirers: [[Int32]] = []

    init(key: String, operations: [HistoryOperation], maxSteps: Int) {
        self.key = key
        self.maxSteps = maxSteps
        // Pending operations that cannot matter are left out: a get (it changes
        // nothing), and a put whose value no completed operation saw, when no
        // completed delete only says it found "some value". Such a put, placed
        // anywhere, is followed until the next write only by operations that accept
        // any value, so the orders with it are the orders without it.
        var seen = Set<String>(), seesSomeValue = false
        for op in operations where !op.isPending {
            if case .value(let v) = op.result { seen.insert(v) }
            if op.result == .present { seesSomeValue = true }
        }
        let kept = operations.filter { op in
            !(op.isPending && (op.kind == .get || (op.kind == .put && !seesSomeValue && !seen.contains(op.value ?? ""))))
        }
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
        readOnly = (0..<ops.count).map { leaves[$0] == Self.unchanged || (requires[$0] == 0 && leaves[$0] == 0) }
        var groupOfEffect: [Int32: Int32] = [:]
        group = [Int32](repeating: -1, count: ops.count)
        for op in ops.indices where pending[op] {
            let g = groupOfEffect[leaves[op]] ?? Int32(groupMembers.count)
            if g == groupMembers.count {
                groupOfEffect[leaves[op]] = g
                groupMembers.append([])
            }
            group[op] = g
            groupMembers[Int(g)].append(Int32(op))
        }
        groupPlaced = [Int](repeating: 0, count: groupMembers.count)
        demand = [Int32](repeating: 0, count: valueNames.count)
        writersLeft = [Int32](repeating: 0, count: valueNames.count)
        requirers = [[Int32]](repeating: [], count: valueNames.count)
        for op in ops.indices {
            if requires[op] > 0 { requirers[Int(requires[op])].append(Int32(op)) }
            if requires[op] > 0 { demand[Int(requires[op])] += 1 }
            if ops[op].kind == .put { writersLeft[Int(leaves[op])] += 1 }
        }
    }

    /// Accounts for placing (`by` 1) or unplacing (`by` -1) `op` in `demand` and `writersLeft`.
    mutating func account(_ op: Int, by delta: Int32) {
        if requires[op] > 0 { demand[Int(requires[op])] -= delta }
        if ops[op].kind == .put { writersLeft[Int(leaves[op])] -= delta }
    }

    /// Whether moving from `state` to `after` (with the op already accounted for)
    /// loses a value some unplaced operation still requires.
    func losesRequiredValue(from state: State, to after: State) -> Bool {
        state > 0 && after != state && demand[Int(state)] > 0 && writersLeft[Int(state)] == 0
    }

    /// Whether the search tries to place `op` now, leading to `after`: a pending
    /// operation only if it changes the state (placing it as a no-op is the same as
    /// leaving it out) and is the earliest unplaced one of its group.
    func worthPlacing(_ op: Int, from state: State, to after: State) -> Bool {
        guard pending[op] else { return true }
        let g = Int(group[op])
        return after != state && groupMembers[g][groupPlaced[g]] == Int32(op)
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
        /// Placed operations, with the state before each; `forced` ones are
        /// read-like operations placed by the first pass, never undone on their own.
        var stack: [(op: Int32, before: State, forced: Bool)] = []
        var cache = Set<CacheKey>()
        var entry = next[0]
        var freshScan = true
        func cacheKey(_ state: State, _ s: KeySearch) -> CacheKey {
            CacheKey(state: state, low: Int32(s.low), words: Array(s.bits[s.low..<max(s.low, s.high)]))
        }
        while placed < mustPlace {
            steps += 1
            if steps > maxSteps {
                return .unknown("key \"\(key)\": unknown: gave up after \(maxSteps) search steps, "
                    + "with \(placed) of \(mustPlace) completed operations ordered (raise --max-steps)")
            }
            var deadEnd = false
            if freshScan {
                // First pass: place every read-like operation (`readOnly`) the state
                // allows. If any order exists from here, one places such an operation
                // now: it changes no state another operation sees, and every operation
                // that must precede it (completed before its call) is placed already.
                // So it is never undone on its own, and an explored configuration with
                // it placed means this one is a dead end too.
                freshScan = false
                var n = next[0]
                while n >= 0 && nodeIsCall[Int(n)] {
                    let op = Int(nodeOp[Int(n)])
                    guard readOnly[op], apply(op, to: state) != nil else { n = next[Int(n)]; continue }
                    setBit(op)
                    guard cache.insert(cacheKey(state, self)).inserted else {
                        clearBit(op)
                        deadEnd = true
                        break
                    }
                    account(op, by: 1)
                    stack.append((Int32(op), state, true))
                    lift(op)
                    placed += 1
                    n = next[Int(prev[Int(n)])]
                }
                entry = next[0]
                if !deadEnd { continue }
            } else if nodeIsCall[Int(entry)] {
                let op = Int(nodeOp[Int(entry)])
                if let after = apply(op, to: state), worthPlacing(op, from: state, to: after) {
                    account(op, by: 1)
                    if losesRequiredValue(from: state, to: after) {
                        account(op, by: -1)
                        entry = next[Int(entry)]
                        continue
                    }
                    setBit(op)
                    if cache.insert(cacheKey(after, self)).inserted {
                        stack.append((Int32(op), state, false))
                        state = after
                        lift(op)
                        if pending[op] { groupPlaced[Int(group[op])] += 1 } else { placed += 1 }
                        freshScan = true
                        continue
                    }
                    clearBit(op)
                    account(op, by: -1)
                }
                entry = next[Int(entry)]
                continue
            } else {
                // This operation completed but could not be placed before its completion.
                if placed > bestDepth { remember(blocked: Int(nodeOp[Int(entry)]), entry: entry, state: state, depth: placed, stack: stack) }
            }
            // Back up to the last choice and try the next operation in its place.
            while true {
                guard let top = stack.popLast() else { return .notLinearizable(explanation(mustPlace: mustPlace)) }
                let t = Int(top.op)
                state = top.before
                clearBit(t)
                unlift(t)
                account(t, by: -1)
                if pending[t] { groupPlaced[Int(group[t])] -= 1 } else { placed -= 1 }
                if !top.forced {
                    entry = next[Int(callNode[t])]
                    break
                }
            }
        }
        return .linearizable
    }

    mutating func remember(blocked op: Int, entry: Int32, state: State, depth: Int, stack: [(op: Int32, before: State, forced: Bool)]) {
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
        bestNeeders = state > 0 ? Array(requirers[Int(state)].filter { !isPlaced(Int($0)) && $0 != Int32(op) }.prefix(4)) : []
    }

    func isPlaced(_ op: Int) -> Bool { bits[op >> 6] & (1 << UInt64(op & 63)) != 0 }

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
        if !bestNeeders.isEmpty {
            s += "\nwhich these operations, not yet ordered, still need:" + bestNeeders.map { "\n  " + ops[Int($0)].summary }.joined()
        }
        if !bestRecent.isEmpty {
            s += "\nthe operations ordered last:" + bestRecent.map { "\n  " + ops[Int($0)].summary }.joined()
        }
        if !bestOpen.isEmpty {
            s += "\nother operations open at that point (none fits either):" + bestOpen.map { "\n  " + ops[Int($0)].summary }.joined()
        }
        return s
    }
}
