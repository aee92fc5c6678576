import DQBFTCore

/// How the liveness oracle judges a run (`SimulationOptions.liveness`).
///
/// Guarantees: plain values; the defaults judge every run that has faults against
/// its fault-free reference with `minRecoveryRatio` 0.5.
public struct LivenessOptions: Sendable, Hashable {
    /// Seconds between the last fault event and the start of the final window, in
    /// which the run must be live again. nil: a progress timeout plus a view-change
    /// timeout plus a client timeout (suspect, change view, clients retransmit).
    public var graceSeconds: Double?
    /// Part (iii): the final window's throughput must reach this fraction of the
    /// same window's throughput in the fault-free reference run.
    public var minRecoveryRatio = 0.5
    /// Whether a run with faults also runs its fault-free reference (the same
    /// options without crashes, partitions, slowdowns, Byzantine replicas or loss)
    /// to judge part (iii) and report `recovery_ratio`. Without it part (iii) is
    /// not judged and `recovery_ratio` is left out.
    public var faultFreeReference = true

    public init() {}
}

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

    init(options: SimulationOptions) {
        let warmupEnd = SimTime(options.warmup * 1e9)
        var start = warmupEnd
        if options.faults.hasFaults {
            let grace = options.liveness.graceSeconds
                ?? options.progressTimeoutSeconds + options.viewChangeTimeoutSeconds + options.clientTimeoutSeconds
            start = max(start, options.faults.lastEventTime + SimTime(max(0, grace) * 1e9))
        }
        let tenth: SimTime = 100_000_000
        windowStart = (start + tenth - 1) / tenth * tenth
        lastAdvance = Array(repeating: nil, count: options.replicas)
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

extension Simulation {
    /// Judges liveness at the end of the run, running the fault-free reference if
    /// the options ask for it (`LivenessReference`, cached).
    func livenessVerdict() throws -> (liveness: String, recoveryRatio: Double?) {
        let window = liveness.windowStart
        let completions = Self.completions(metrics.perTenth, from: window, to: end)
        var reference: Int?
        if !options.faults.hasFaults {
            reference = completions  // a fault-free run is its own reference
        } else if options.liveness.faultFreeReference && modelledCrypto {
            reference = Self.completions(try LivenessReference.completionsPerTenth(options), from: window, to: end)
        }
        var clients: [(client: ClientID, at: SimTime?)] = []
        for machine in machines {
            for c in machine.clients {
                // A client issues its next request the moment it completes one, so
                // `sentAt` of request t ≥ 2 is when request t-1 completed.
                clients.append((c.id, c.timestamp >= 2 ? c.sentAt : nil))
            }
        }
        clients.sort { $0.client < $1.client }
        let correct = (0..<n).filter { !safety.faulty.contains(ReplicaID($0)) }
        return liveness.verdict(.init(end: end, clientLastCompletion: clients, correctReplicas: correct, completions: completions,
                                      referenceCompletions: reference, minRecoveryRatio: options.liveness.minRecoveryRatio))
    }

    /// Completions counted per 100 ms in `perTenth` between `from` and `to`.
    static func completions(_ perTenth: [Int], from: SimTime, to: SimTime) -> Int {
        let a = Int(from / 100_000_000), b = Int((to + 99_999_999) / 100_000_000)
        guard a < min(b, perTenth.count) else { return 0 }
        return perTenth[a..<min(b, perTenth.count)].reduce(0, +)
    }

    /// The state digest (application state and client table) of every correct
    /// replica that is up at the end, with the slots it executed, for
    /// `SafetyChecker.finish`. (The execution frontier is left out: a DQ replica may
    /// hold slots it cannot execute yet; checkpoints compare it.)
    func finalStates() -> [(replica: ReplicaID, executed: SequenceNumber, digest: Digest)] {
        (0..<n).filter { alive[$0] && !safety.faulty.contains(ReplicaID($0)) }.map { i in
            var app = replicas[i].app, clients = replicas[i].clients
            return (ReplicaID(i), replicas[i].lastExecuted, Replica.stateDigest(app: &app, clients: &clients))
        }
    }
}
