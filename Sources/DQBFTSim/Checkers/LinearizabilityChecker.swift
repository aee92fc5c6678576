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
/// Three exact shortcuts keep histories with hundreds of concurrent operations per
/// key fast (each is argued where it is applied): operations that cannot change the
/// value (gets, deletes of an absent key) are placed as soon as they fit and never
/// undone on their own; pending operations with the same effect are tried in call
/// order only, and never as no-ops; and a choice that moves the key off a value
/// some unplaced operation still requires, when no unplaced put can write it again,
/// is a dead end at once.
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
