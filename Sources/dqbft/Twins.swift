import ArgumentParser
import DQBFTCore
import DQBFTSim
import Foundation

/// `dqbft twins`: many Twins scenarios, each a small simulated run in which up to f
/// replicas run as two honest nodes with one identity, under per-round partitions.
struct TwinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twins",
        abstract: "Search for safety violations with Twins: duplicated replicas under per-round partitions.",
        discussion: """
        Each scenario twins up to f replicas (two nodes, one identity, keys and trusted subsystem), then runs
        --rounds rounds of --round-seconds, each with its own partition of the nodes into at most --max-groups
        groups and a placement of the current primary's nodes, then heals every partition for --final-seconds.
        Every correct replica is checked for safety; liveness is judged after the heal.
        A violation prints the line that replays its scenario (--scenario-seed), and the command exits with 1.
        Example: dqbft twins --protocol destiny --scenarios 500 --seed 7
        """,
        version: DQBFTVersion.current)

    @Option(name: .customLong("protocol"), help: "Protocol: pbft, dqpbft, rcc, hybster, linearhybster, dqhybster or destiny.")
    var protocolName = "pbft"
    @Option(help: "Number of replicas N (default: 4 for BFT, 3 for hybrid protocols).") var replicas: Int?
    @Option(help: "Number of scenarios to run.") var scenarios = 100
    @Option(help: "Seed the scenario seeds are drawn from.") var seed: UInt64 = 1
    @Option(help: "Run only the scenario with this seed (as a replay line prints it).") var scenarioSeed: UInt64?
    @Option(help: "Partitioned rounds per scenario.") var rounds = TwinsSettings().rounds
    @Option(help: "Virtual seconds per round.") var roundSeconds = TwinsSettings().roundSeconds
    @Option(help: "Virtual seconds after the heal.") var finalSeconds = TwinsSettings().finalSeconds
    @Option(help: "Most groups in one round's partition.") var maxGroups = TwinsSettings().maxGroups
    @Option(help: "Closed-loop clients.") var clients = TwinsSettings().clients
    @Option(help: "Requests per batch.") var batch = TwinsSettings().batchSize
    @Option(help: "Network topology: lan or azure10.") var topology = TwinsSettings().topology.rawValue
    @Option(help: "Progress timeout, seconds (view changes and clients wait twice as long).")
    var progressTimeout = TwinsSettings().progressTimeoutSeconds
    @Option(help: "A deliberately broken variant, to show Twins catches it: independent-trusted-subsystems.")
    var mutant: String?
    @Flag(help: "Print every scenario, not only the unsafe ones.") var verbose = false
    @Flag(help: "Also print the replay line of every scenario that stalled after the heal.") var showStalls = false

    /// Writes a line to standard output at once (a crash must not swallow the replay lines before it).
    func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    func settings() throws -> TwinsSettings {
        var s = TwinsSettings(protocolName: protocolName.lowercased(), replicas: replicas)
        guard let kind = s.kind else { throw ValidationError("--protocol: unknown protocol '\(protocolName)'") }
        s.rounds = rounds
        s.roundSeconds = roundSeconds
        s.finalSeconds = finalSeconds
        s.maxGroups = maxGroups
        s.clients = clients
        s.batchSize = batch
        s.progressTimeoutSeconds = progressTimeout
        guard let t = Topology.Kind(rawValue: topology) else { throw ValidationError("--topology must be lan or azure10") }
        s.topology = t
        switch mutant {
        case nil: break
        case "independent-trusted-subsystems":
            guard kind.faultModel == .hybrid else { throw ValidationError("--mutant independent-trusted-subsystems needs a hybrid protocol") }
            s.independentTrustedSubsystems = true
        case let m?: throw ValidationError("--mutant: unknown mutant '\(m)' (independent-trusted-subsystems)")
        }
        guard rounds >= 0, roundSeconds > 0, finalSeconds > 0, maxGroups >= 1, scenarios >= 1, progressTimeout > 0 else {
            throw ValidationError("--rounds, --round-seconds, --final-seconds, --max-groups, --scenarios and --progress-timeout must be positive")
        }
        return s
    }

    func run() throws {
        let settings = try settings()
        let seeds = scenarioSeed.map { [$0] } ?? TwinsSettings.scenarioSeeds(seed: seed, count: scenarios)
        let start = DispatchTime.now().uptimeNanoseconds
        var lastLine = start
        var unsafe = 0, stalled = 0, refusals = 0, events = 0
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        func perHour(_ done: Int) -> String { String(format: "%.0f", Double(done) / max(elapsed(), 1e-9) * 3600) }
        for (k, scenarioSeed) in seeds.enumerated() {
            if verbose { FileHandle.standardError.write(Data("running \(settings.replayCommand(scenarioSeed: scenarioSeed))\n".utf8)) }
            let outcome: TwinsOutcome
            do { outcome = try Twins.run(settings, scenarioSeed: scenarioSeed) } catch let e as SimulationError {
                throw ValidationError(e.description)
            }
            events += outcome.events
            refusals += outcome.refusals
            if !outcome.live { stalled += 1 }
            if !outcome.safe { unsafe += 1 }
            if !outcome.safe || verbose || seeds.count == 1 {
                emit(outcome.report)
                if seeds.count == 1 { emit(outcome.finalStatus.map { "  at the end: " + $0 }.joined(separator: "\n")) }
            } else if !outcome.live && showStalls {
                emit("stalled after the heal: \(outcome.replay)")
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastLine > 2_000_000_000 || k == seeds.count - 1 {
                lastLine = now
                FileHandle.standardError.write(Data(("  \(settings.protocolName) \(k + 1)/\(seeds.count) scenarios, \(unsafe) unsafe, "
                        + "\(stalled) stalled, \(String(format: "%.1f", elapsed())) s, \(perHour(k + 1)) scenarios/hour\n").utf8))
            }
        }
        emit("\(settings.protocolName) N=\(settings.replicaCount): \(seeds.count) scenarios in \(String(format: "%.1f", elapsed())) s "
            + "(\(perHour(seeds.count)) scenarios per hour on this machine, \(events) events): \(unsafe) with a safety violation, "
            + "\(stalled) stalled after the heal, \(refusals) twin certifications refused by the trusted subsystem")
        if unsafe > 0 { throw ExitStatus.negative }
    }
}
