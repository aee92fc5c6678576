import DQBFTCore

extension FaultSchedule {
    /// Whether anything goes wrong at all (jitter alone is not a fault: the
    /// fault-free reference keeps it).
    public var hasFaults: Bool { !events.isEmpty || !byzantine.isEmpty || lossProbability > 0 }

    /// The time of the last fault event of any kind: `healTime`, or later if a
    /// replica crashes for good (the others must recover from that too) or a
    /// partition never heals (then the run must be found stalled).
    public var lastEventTime: SimTime { max(healTime, events.map(\.time).max() ?? 0) }
}

/// The liveness oracle. Once the last fault event (`FaultSchedule.lastEventTime`)
/// plus a grace period has passed, until the end of the run (the *final window*):
/// (i) every client completes at least one operation; (ii) every correct replica's
/// execution advances (it executes a slot or installs a state); (iii) throughput
/// reaches `minRecoveryRatio` of the same window in the same seed's fault-free run.
///
/// Guarantees: the verdict is a function of the run (and of its deterministic
/// reference run); Byzantine replicas and replicas crashed for good are exempt from
/// (ii); all simulated clients are correct, so none is exempt from (i). A run whose
/// final window is empty is reported "unchecked", never "ok". The window starts on
/// a 100 ms boundary so that both runs' completions are counted over the same span.
struct LivenessChecker {
    /// Start of the final window.
    let windowStart: SimTime
    /// Per replica, when it last executed a slot or installed a state (nil: never).
    var lastAdvance: [SimTime?]

    init(windowStart: SimTime, replicas: Int) {
        self.windowStart = windowStart
        lastAdvance = Array(repeating: nil, count: replicas)
    }

    @inline(__always) mutating func advanced(_ replica: Int, at time: SimTime) { lastAdvance[replica] = time }

    /// What the run showed, gathered by `Simulation.livenessVerdict`.
    struct Observation {
        var end: SimTime
        /// Per client id, when it last completed an operation (nil: never).
        var clientLastCompletion: [(client: ClientID, at: SimTime?)]
        /// Correct replicas (not Byzantine, not crashed for good).
        var correctReplicas: [Int]
        /// Completions in the final window, in this run and (if it ran) the reference.
        var completions: Int
        var referenceCompletions: Int?
        var minRecoveryRatio: Double
    }

    /// `liveness` ("ok", "stalled: <reasons>" or "unchecked: <why>") and the recovery ratio.
    func verdict(_ o: Observation) -> (liveness: String, recoveryRatio: Double?) {
        func s(_ t: SimTime) -> String { "\((Double(t) / 1e8).rounded() / 10) s" }
        let ratio = o.referenceCompletions.map { ref -> Double in
            let r = ref == 0 ? (o.completions > 0 ? 1 : 0) : Double(o.completions) / Double(ref)
            return (r * 1000).rounded() / 1000
        }
        guard windowStart < o.end else {
            return ("unchecked: the final window (after the last fault and the grace period, \(s(windowStart))) "
                    + "starts at or after the end of the run (\(s(o.end)))", ratio)
        }
        var reasons: [String] = []
        let idle = o.clientLastCompletion.filter { ($0.at ?? 0) < windowStart || $0.at == nil }
        if !idle.isEmpty {
            let named = idle.prefix(5).map { c in "c\(c.client.rawValue) (last \(c.at.map(s) ?? "never"))" }
            reasons.append("\(idle.count) of \(o.clientLastCompletion.count) clients completed nothing after \(s(windowStart)): "
                           + named.joined(separator: ", ") + (idle.count > 5 ? ", …" : ""))
        }
        for r in o.correctReplicas where (lastAdvance[r] ?? 0) < windowStart || lastAdvance[r] == nil {
            reasons.append("replica \(r) executed nothing after \(s(windowStart)) (last \(lastAdvance[r].map(s) ?? "never"))")
        }
        if let ratio, let ref = o.referenceCompletions, ratio < o.minRecoveryRatio {
            let span = Double(o.end - windowStart) / 1e9
            reasons.append("final-window throughput \(Int((Double(o.completions) / span).rounded())) ops/s is \(ratio) of the "
                           + "fault-free run's \(Int((Double(ref) / span).rounded())) (needs \(o.minRecoveryRatio))")
        }
        return (reasons.isEmpty ? "ok" : "stalled: " + reasons.joined(separator: "; "), ratio)
    }
}
