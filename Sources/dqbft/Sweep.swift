import ArgumentParser
import DQBFTCore
import DQBFTSim
import Foundation

/// `dqbft sweep`: the seed sweeps of the test suite, as long as you like.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run seeded fault schedules and judge every run: safety, liveness after healing, linearizability.",
        discussion: """
        Each seed draws a 20 s geo-distributed run (azure10, 12 clients, batches of 4). Family 'faults': crashes \
        with amnesiac restarts, pauses, partitions, loss and jitter, up to f Byzantine replicas (silent, \
        equivocate, drop-to, slow, withhold, collude, bad-shares, lying-collector, withhold-proofs), all healed by \
        6 s; 20% gets and 5% deletes. Family 'fuzz': f replicas mutate their own messages for the whole run. \
        Every run is checked for safety (batches, checkpoint and final states, every reply), liveness (every \
        correct client and replica progresses after the faults heal; throughput at least half the same seed's \
        fault-free run when no fault lasts) and the linearizability of its client history.
        A failing run prints its `dqbft simulate` replay line; the command exits with 1 if any run failed.
        Example: dqbft sweep --protocols destiny,pbft --seeds 1-200
        """,
        version: DQBFTVersion.current)

    @Option(help: "Protocols, comma-separated, or 'all'.") var protocols = "all"
    @Option(help: "Cluster sizes, comma-separated (default: 4,7 for BFT protocols, 3,5,7 for hybrid ones).") var replicas: String?
    @Option(help: "Seeds: a range A-B or a single seed.") var seeds = "1-200"
    @Option(help: "What to inject: faults or fuzz.") var family = "faults"
    @Flag(help: "Print one line per run.") var verbose = false

    func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    func run() throws {
        let names = protocols == "all" ? ProtocolKind.allCases.map(\.rawValue) : protocols.split(separator: ",").map { $0.lowercased() }
        for name in names where ProtocolKind(rawValue: name) == nil { throw ValidationError("--protocols: unknown protocol '\(name)'") }
        guard let family = SweepScenario.Family(rawValue: family) else { throw ValidationError("--family must be faults or fuzz") }
        let bounds = seeds.split(separator: "-").map { UInt64($0) }
        guard (1...2).contains(bounds.count), let lo = bounds.first!, let hi = bounds.last!, lo <= hi else {
            throw ValidationError("--seeds must be A-B (A ≤ B) or one seed, got '\(seeds)'")
        }
        let sizes = try replicas.map { list in
            try list.split(separator: ",").map { s -> Int in
                guard let n = Int(s), n >= 3 else { throw ValidationError("--replicas: '\(s)' is not a cluster size of 3 or more") }
                return n
            }
        }
        var failed = 0
        for name in names {
            let kind = ProtocolKind(rawValue: name)!
            for n in sizes ?? (kind.faultModel == .hybrid ? [3, 5, 7] : [4, 7]) {
                failed += try sweep(name, replicas: n, seeds: lo...hi, family: family)
            }
        }
        if failed > 0 { throw ExitStatus.negative }
    }

    /// Runs one protocol at one size over `seeds`; returns the number of failed runs.
    func sweep(_ name: String, replicas: Int, seeds: ClosedRange<UInt64>, family: SweepScenario.Family) throws -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var counts: [SweepOutcome.Failure: Int] = [:], failedRuns = 0
        var ratios: [Double] = []
        for seed in seeds {
            let outcome = try SweepOutcome.run(.make(family, protocol: name, replicas: replicas, seed: seed))
            for (kind, line) in outcome.failures {
                counts[kind, default: 0] += 1
                emit("\(name) N=\(replicas) \(kind.rawValue): \(line)")
            }
            if !outcome.failures.isEmpty { failedRuns += 1 }
            if let r = outcome.report.recovery_ratio { ratios.append(r) }
            if verbose && outcome.failures.isEmpty {
                emit("\(name) N=\(replicas) seed \(seed): ok, \(outcome.report.executed_ops) ops, recovery ratio "
                     + (outcome.report.recovery_ratio.map { String(format: "%.2f", $0) } ?? "-"))
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        ratios.sort()
        let median = ratios.isEmpty ? "-" : String(format: "%.2f", ratios[ratios.count / 2])
        let minimum = ratios.first.map { String(format: "%.2f", $0) } ?? "-"
        emit("\(name) N=\(replicas) \(family.rawValue): \(seeds.count) seeds \(seeds.lowerBound)-\(seeds.upperBound) in "
             + String(format: "%.0f", wall) + " s (" + String(format: "%.0f", Double(seeds.count) / max(wall, 1e-9) * 3600) + " runs/hour): "
             + SweepOutcome.Failure.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
             + "; recovery ratio median \(median), min \(minimum)")
        return failedRuns
    }
}
