import DQBFTCore

extension LivenessChecker {
    /// The checker of a run with `options`: the final window starts after warm-up
    /// and, with faults, a grace period after the last one (on a 100 ms boundary).
    init(options: SimulationOptions) {
        let warmupEnd = SimTime(options.warmup * 1e9)
        var start = warmupEnd
        if options.faults.hasFaults {
            let grace = options.liveness.graceSeconds
                ?? options.progressTimeoutSeconds + options.viewChangeTimeoutSeconds + options.clientTimeoutSeconds
            start = max(start, options.faults.lastEventTime + SimTime(max(0, grace) * 1e9))
        }
        let tenth: SimTime = 100_000_000
        self.init(windowStart: (start + tenth - 1) / tenth * tenth, replicas: options.replicas)
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
