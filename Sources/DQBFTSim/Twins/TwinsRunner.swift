import DQBFTCore
import Foundation

/// How Twins scenarios are drawn and run, apart from their seeds: small clusters,
/// few clients and small batches, so that hundreds of scenarios fit in a test run.
/// The replicas sit in the first regions of the ten-region topology (10–36 ms
/// apart for N ≤ 4), with timeouts of a few round trips: a round then spans a
/// handful of slots and view changes, and messages cross round boundaries.
///
/// Guarantees: together with a scenario seed it determines a run completely;
/// `replayCommand` names every setting that differs from the defaults, so the line
/// reruns exactly that scenario.
public struct TwinsSettings: Sendable, Hashable {
    public var protocolName = "pbft"
    /// N; nil means the smallest cluster with f = 1 (4 BFT, 3 hybrid replicas).
    public var replicas: Int?
    /// Partitioned rounds before the heal.
    public var rounds = 4
    public var roundSeconds = 0.6
    /// Virtual seconds after the heal (liveness is judged in their second half):
    /// long enough for view-change timeouts that doubled through the rounds.
    public var finalSeconds = 6.0
    /// Largest number of groups a round's partition has.
    public var maxGroups = 3
    public var clients = 4
    public var batchSize = 4
    public var topology: Topology.Kind = .azure10
    /// Progress timeout of every instance (view changes take twice as long).
    public var progressTimeoutSeconds = 0.2
    /// The deliberately broken mutant: twins get independent trusted subsystems.
    public var independentTrustedSubsystems = false

    public init(protocolName: String = "pbft", replicas: Int? = nil) {
        self.protocolName = protocolName
        self.replicas = replicas
    }

    public var kind: ProtocolKind? { ProtocolKind(rawValue: protocolName) }

    public var replicaCount: Int {
        if let replicas { return replicas }
        return kind?.faultModel == .hybrid ? 3 : 4
    }

    public var generator: TwinsGenerator {
        TwinsGenerator(kind: kind ?? .pbft, replicas: replicaCount, rounds: rounds,
                       roundNanos: SimTime(roundSeconds * 1e9), maxGroups: maxGroups)
    }

    /// The simulation that runs `scenario` with seed `seed`.
    public func options(for scenario: TwinsScenario, seed: UInt64) -> SimulationOptions {
        var o = SimulationOptions()
        o.protocolName = protocolName
        o.replicas = replicaCount
        o.clients = clients
        o.batchSize = batchSize
        o.payloadBytes = 64
        o.keySpace = 16
        o.topology = topology
        o.seed = seed
        o.durationSeconds = Double(scenario.healNanos) / 1e9 + finalSeconds
        o.warmupSeconds = 0
        o.progressTimeoutSeconds = progressTimeoutSeconds
        o.viewChangeTimeoutSeconds = 2 * progressTimeoutSeconds
        o.clientTimeoutSeconds = 2 * progressTimeoutSeconds
        o.checkpointInterval = 8
        o.windowSize = 32
        o.twins = scenario
        return o
    }

    /// `dqbft twins` flags that select these settings (defaults left out).
    public var flags: String {
        let d = TwinsSettings()
        var s = "--protocol \(protocolName)"
        if let replicas { s += " --replicas \(replicas)" }
        if rounds != d.rounds { s += " --rounds \(rounds)" }
        if roundSeconds != d.roundSeconds { s += " --round-seconds \(roundSeconds)" }
        if finalSeconds != d.finalSeconds { s += " --final-seconds \(finalSeconds)" }
        if maxGroups != d.maxGroups { s += " --max-groups \(maxGroups)" }
        if clients != d.clients { s += " --clients \(clients)" }
        if batchSize != d.batchSize { s += " --batch \(batchSize)" }
        if topology != d.topology { s += " --topology \(topology.rawValue)" }
        if progressTimeoutSeconds != d.progressTimeoutSeconds { s += " --progress-timeout \(progressTimeoutSeconds)" }
        if independentTrustedSubsystems { s += " --mutant independent-trusted-subsystems" }
        return s
    }

    public func replayCommand(scenarioSeed: UInt64) -> String { "dqbft twins \(flags) --scenario-seed \(scenarioSeed)" }

    /// The seeds of the `count` scenarios a campaign with `seed` runs.
    public static func scenarioSeeds(seed: UInt64, count: Int) -> [UInt64] {
        var rng = SimRandom(seed: seed ^ 0x7715_0000)
        return (0..<count).map { _ in rng.next() }
    }
}

/// What one Twins scenario did.
///
/// Guarantees: `safe` is false exactly when the safety checker recorded a
/// violation among the correct (non-twinned) replicas or their replies; `replay`
/// reruns the same scenario.
public struct TwinsOutcome: Sendable {
    public let scenarioSeed: UInt64
    public let scenario: TwinsScenario
    /// Per round: the primary it found and the partition it used.
    public let applied: [String]
    public let violations: [String]
    /// Clients kept completing operations through the second half of the healed round.
    public let live: Bool
    public let completedOps: Int
    /// Certifications the twinned identities' trusted subsystems refused.
    public let refusals: Int
    public let events: Int
    public let replay: String
    /// Where every replica node stood at the end (`Simulation.replicaStatus`).
    public let finalStatus: [String]

    public var safe: Bool { violations.isEmpty }

    /// Several lines: verdict, replay line, the scenario and what each round did.
    public var report: String {
        var lines = ["scenario \(scenarioSeed): safety \(safe ? "ok" : "VIOLATION"), liveness \(live ? "ok" : "stalled"), "
            + "\(completedOps) ops, \(refusals) twin certifications refused",
                     "  replay: \(replay)", "  \(scenario)"]
        lines += applied.enumerated().map { "  round \($0.offset + 1): \($0.element)" }
        lines += violations.map { "  violation: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Runs Twins scenarios.
///
/// Guarantees: a run is a function of the settings, the scenario and the seed
/// (wall time aside); the outcome's replay line reruns it when the scenario is the
/// one the seed draws, and says otherwise.
public enum Twins {
    /// Draws the scenario of `scenarioSeed` and runs it.
    public static func run(_ settings: TwinsSettings, scenarioSeed: UInt64) throws -> TwinsOutcome {
        try run(settings, scenario: settings.generator.scenario(seed: scenarioSeed), seed: scenarioSeed)
    }

    /// Runs `scenario` (however it was made) with simulation seed `seed`.
    public static func run(_ settings: TwinsSettings, scenario: TwinsScenario, seed scenarioSeed: UInt64) throws -> TwinsOutcome {
        var scenario = scenario
        scenario.independentTrustedSubsystems = settings.independentTrustedSubsystems
        let options = settings.options(for: scenario, seed: scenarioSeed)
        let simulation = try Simulation(options: options)
        let report = try simulation.run()
        let heal = scenario.healNanos
        let live = simulation.metrics.lastCompletion >= heal + (simulation.end - heal) / 2
        let applied = simulation.twins?.applied.map { "primary R\($0.primary.rawValue), \(scenario.describe(groupOf: $0.groupOf))" } ?? []
        // The replay line regenerates the scenario from its seed: say so when it was made otherwise.
        var drawn = settings.generator.scenario(seed: scenarioSeed)
        drawn.independentTrustedSubsystems = settings.independentTrustedSubsystems
        let replay = settings.replayCommand(scenarioSeed: scenarioSeed)
        return TwinsOutcome(scenarioSeed: scenarioSeed, scenario: scenario, applied: applied,
                            violations: report.safety_violations, live: live, completedOps: simulation.metrics.completed,
                            refusals: simulation.twinRefusals, events: report.events,
                            replay: drawn == scenario ? replay : "(a scenario of its own, not \(replay))",
                            finalStatus: simulation.replicaStatus)
    }
}
