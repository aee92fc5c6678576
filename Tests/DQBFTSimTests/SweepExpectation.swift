import DQBFTCore
import Testing

@testable import DQBFTSim

/// Runs a seed sweep (`SweepScenario`, as `dqbft sweep` does) inside a test: a seed
/// that fails any oracle and is not listed as known fails the test with its replay
/// line; known failures still run and are reported as known issues, so a fixed seed
/// shows up as one to remove from its list.
enum SweepExpectation {
    static func expectPasses(_ family: SweepScenario.Family, protocol name: String, replicas: Int, seeds: ClosedRange<UInt64>,
                             known: Set<UInt64>, listedIn list: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        var failures: [String] = [], knownFailures: [String] = []
        for seed in seeds {
            let outcome = try SweepOutcome.run(.make(family, protocol: name, replicas: replicas, seed: seed))
            #expect(outcome.report.recovery_ratio != nil, "seed \(seed): no recovery ratio; replay: \(outcome.replay)", sourceLocation: sourceLocation)
            for (_, line) in outcome.failures {
                if known.contains(seed) { knownFailures.append(line) } else { failures.append(line) }
            }
        }
        let summary = "\(name) N=\(replicas) \(family.rawValue): \(failures.count) failures in \(seeds.count) seeds:\n"
            + failures.joined(separator: "\n")
        #expect(failures.isEmpty, Comment(rawValue: summary), sourceLocation: sourceLocation)
        if !knownFailures.isEmpty {
            withKnownIssue("known failures of \(name)/\(replicas) (see \(list))", isIntermittent: true) {
                for line in knownFailures { Issue.record(Comment(rawValue: line), sourceLocation: sourceLocation) }
            }
        }
    }

    /// Checks a run's recorded history; a failure explains the first keys and
    /// gives the line that writes the history for `dqbft check-history`.
    static func expectLinearizable(_ simulation: Simulation, seed: UInt64, replay: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let check = try LinearizabilityChecker().check(simulation.recordedHistory)
        let explanation = "seed \(seed): history \(check.text(explaining: 2))\nreplay: \(replay) --history h.jsonl && dqbft check-history h.jsonl"
        #expect(check.verdict == .linearizable, Comment(rawValue: explanation), sourceLocation: sourceLocation)
    }
}
