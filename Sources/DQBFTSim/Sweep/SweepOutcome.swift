import DQBFTCore

/// The verdicts of one sweep run: safety (batches, checkpoint and final states,
/// every reply), liveness after healing, and linearizability of the client history.
///
/// Guarantees: `failures` is empty exactly when every oracle passed; each failure
/// line names the seed, what failed and the replay line.
public struct SweepOutcome: Sendable {
    public enum Failure: String, Sendable, CaseIterable { case unsafe, stalled, notLinearizable = "not-linearizable", undecided }

    public var seed: UInt64
    public var report: SimulationReport
    public var linearizability: LinearizabilityReport
    public var replay: String
    /// What failed, each with its line.
    public var failures: [(kind: Failure, line: String)]

    /// Runs `scenario` and judges it.
    public static func run(_ scenario: SweepScenario) throws -> SweepOutcome {
        let simulation = try Simulation(options: scenario.options)
        let report = try simulation.run()
        let check = try LinearizabilityChecker().check(simulation.recordedHistory)
        let seed = scenario.options.seed, replay = scenario.replay
        var failures: [(Failure, String)] = []
        if report.safety != "ok" {
            failures.append((.unsafe, "seed \(seed): safety violation \(report.safety_violations.prefix(3)); replay: \(replay)"))
        }
        if report.liveness != "ok" {
            failures.append((.stalled, "seed \(seed): \(report.liveness); replay: \(replay)"))
        }
        switch check.verdict {
        case .linearizable: break
        case .notLinearizable, .unknown:
            failures.append((check.verdict == .unknown ? .undecided : .notLinearizable,
                             "seed \(seed): history \(check.text(explaining: 2))\nreplay: \(replay) --history h.jsonl && dqbft check-history h.jsonl"))
        }
        return SweepOutcome(seed: seed, report: report, linearizability: check, replay: replay, failures: failures)
    }
}
