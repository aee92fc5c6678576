import DQBFTCore
import Testing

@testable import DQBFTSim

/// Twins (Bano et al.): up to f replicas run as two honest nodes with one identity
/// under per-round partitions. Every correct replica must stay safe in every
/// scenario; a failure prints the `dqbft twins` line that replays its scenario.
@Suite("Twins")
struct TwinsTests {
    /// Scenarios per protocol in the bounded sets (seed 1).
    static let scenariosPerProtocol = 300
    static let hybrid: [ProtocolKind] = ProtocolKind.allCases.filter { $0.faultModel == .hybrid }

    @Test("bounded Twins set: no safety violation among correct replicas", arguments: ProtocolKind.allCases)
    func boundedSet(kind: ProtocolKind) throws {
        let settings = TwinsSettings(protocolName: kind.rawValue)
        var stalled: [String] = []
        for seed in TwinsSettings.scenarioSeeds(seed: 1, count: Self.scenariosPerProtocol) {
            let outcome = try Twins.run(settings, scenarioSeed: seed)
            #expect(outcome.safe, "\(outcome.report)")
            if !outcome.live { stalled.append(outcome.replay) }
        }
        // Liveness after the heal: both nodes of a twinned replica keep running, and
        // view-change timeouts that doubled through the rounds may outlast the healed
        // round; a few slow recoveries are tolerated, more are a regression.
        #expect(stalled.count * 50 <= Self.scenariosPerProtocol,
                "\(kind): \(stalled.count)/\(Self.scenariosPerProtocol) scenarios stalled after the heal: \(stalled.joined(separator: "; "))")
        if !stalled.isEmpty { print("\(kind): \(stalled.count) Twins scenarios recovered too slowly: \(stalled.joined(separator: "; "))") }
    }

    @Test("mutant: twins with independent trusted subsystems equivocate, and Twins finds it", arguments: Self.hybrid)
    func independentTrustedSubsystemsAreCaught(kind: ProtocolKind) throws {
        var settings = TwinsSettings(protocolName: kind.rawValue)
        settings.independentTrustedSubsystems = true
        let budget = 60
        var found: TwinsOutcome?
        for seed in TwinsSettings.scenarioSeeds(seed: 1, count: budget) {
            let outcome = try Twins.run(settings, scenarioSeed: seed)
            if !outcome.safe { found = outcome; break }
        }
        #expect(found != nil, "\(kind): no safety violation in \(budget) scenarios although twins could equivocate")
        if let found { #expect(found.replay.contains("--mutant independent-trusted-subsystems")) }
    }

    @Test("a shared trusted subsystem refuses certifications the twins ask for", arguments: Self.hybrid)
    func sharedTrustedSubsystemRefuses(kind: ProtocolKind) throws {
        let settings = TwinsSettings(protocolName: kind.rawValue)
        var refused = 0
        for seed in TwinsSettings.scenarioSeeds(seed: 1, count: 20) {
            let outcome = try Twins.run(settings, scenarioSeed: seed)
            #expect(outcome.safe, "\(outcome.report)")
            refused += outcome.refusals
        }
        #expect(refused > 0, "\(kind): the twins' shared trusted subsystem never refused a certification")
    }

    @Test("a scenario and its run are functions of the scenario seed")
    func deterministic() throws {
        let settings = TwinsSettings(protocolName: "dqpbft")
        let seed = TwinsSettings.scenarioSeeds(seed: 5, count: 1)[0]
        let a = try Twins.run(settings, scenarioSeed: seed), b = try Twins.run(settings, scenarioSeed: seed)
        #expect(a.scenario == b.scenario && a.applied == b.applied && a.events == b.events && a.completedOps == b.completedOps)
        #expect(a.replay == "dqbft twins --protocol dqpbft --scenario-seed \(seed)")
    }

    @Test("partitions: every partition of 5 nodes into at most 3 groups with a quorum group")
    func enumeration() {
        // PBFT N=4 with replica 0 twinned: nodes 0,1,2,3,0'. Partitions of 5 nodes into
        // at most 3 groups: 1 + 15 + 25 = 41. A quorum is 3 distinct identities.
        let generator = TwinsGenerator(kind: .pbft, replicas: 4, rounds: 1, roundNanos: 1)
        let shape = TwinsScenario(replicas: 4, twinned: [ReplicaID(0)], roundNanos: 1, rounds: [])
        var all = generator
        all.maxGroups = 3
        let kept = all.partitions(shape)
        #expect(Set(kept).count == kept.count)
        #expect(kept.allSatisfy { generator.hasQuorum($0, shape) })
        // Brute force over every group assignment, canonicalised, for the count.
        var canonical = Set<[Int]>()
        for code in 0..<243 {
            var digits = (0..<5).map { code / Int(pow3($0)) % 3 }
            var renumber: [Int: Int] = [:]
            for i in digits.indices {
                if renumber[digits[i]] == nil { renumber[digits[i]] = renumber.count }
                digits[i] = renumber[digits[i]]!
            }
            canonical.insert(digits)
        }
        #expect(canonical.count == 41)
        #expect(Set(kept) == canonical.filter { generator.hasQuorum($0, shape) })
        // {0 0' 1}{2 3} has only identities 0 and 1 together; {0 1 2}{3 0'} has a quorum.
        #expect(!generator.hasQuorum([0, 0, 1, 1, 0], shape))
        #expect(generator.hasQuorum([0, 0, 0, 1, 1], shape))
    }

    @Test("scenarios twin at most f identities and validate")
    func scenarioShape() throws {
        for (kind, n) in [(ProtocolKind.pbft, 7), (.destiny, 5), (.rcc, 4), (.hybster, 3)] {
            let generator = TwinsGenerator(kind: kind, replicas: n, rounds: 3, roundNanos: 500_000_000)
            let f = generator.config.f
            for seed in 0..<50 as Range<UInt64> {
                let s = generator.scenario(seed: seed)
                #expect(!s.twinned.isEmpty && s.twinned.count <= f)
                try s.validate(replicas: n, f: f, faulty: [])
                #expect(s.rounds.count == 3)
            }
        }
    }

    private func pow3(_ k: Int) -> Int { (0..<k).reduce(1) { r, _ in r * 3 } }
}

/// Scenarios Twins found, pinned (scenario and simulation seed written out, so they
/// stay what they were whatever the generator becomes).
@Suite("Twins: found scenarios")
struct TwinsFoundScenarioTests {
    /// dqhybster and destiny, N=3, R0 twinned (`dqbft twins --protocol dqhybster
    /// --scenario-seed 9387909732841398200`, same seed for destiny). In round 1 node 0
    /// commits R2's D-slots 1 and 2 with R2; in round 2 node 0' — alone in round 1 —
    /// holds only R2's PREPARE for slot 3 when it leaves the view, and its VIEW-CHANGE
    /// (counter at slot 2, one PREPARE, for slot 3) was accepted: the NEW-VIEW of
    /// view 1 made slots 1 and 2 no-ops at R1 while R2 had executed their batches.
    /// Fixed in `HybridRules.isValid`: claims above the counter come only after every
    /// slot up to it.
    @Test("hybrid view change: a twin cannot hide committed slots behind a PREPARE above its counter",
          arguments: ["dqhybster", "destiny"])
    func evidenceAboveCounterCannotHideSlots(protocolName: String) throws {
        let scenario = TwinsScenario(replicas: 3, twinned: [ReplicaID(0)], roundNanos: 600_000_000, rounds: [
            .init(groups: [[0, 2], [1], [3]], leaderGroups: [2, 2]),
            .init(groups: [[0], [1, 2, 3]], leaderGroups: [1, 1]),
            .init(groups: [[0, 2, 3], [1]], leaderGroups: [1, 0]),
            .init(groups: [[0, 1, 2], [3]], leaderGroups: [1, 0]),
        ])
        let outcome = try Twins.run(Self.settings(protocolName, finalSeconds: 3), scenario: scenario, seed: 9_387_909_732_841_398_200)
        #expect(outcome.safe, "\(outcome.report)")
        #expect(outcome.refusals > 0)
    }

    /// dqhybster, N=3, R0 twinned (`dqbft twins --protocol dqhybster --scenario-seed
    /// 3011439172813982531`): R1 left view 0 of R0's D-instance alone while R2 and
    /// node 0' committed slots up to 58 and took a checkpoint at 40. R1 asked for a
    /// later view, R2 answered with its commit certificates above 40, but R1 still
    /// needed slots 38–40, which R2 had forgotten: R1 stalled for good, and with it the
    /// clients (R0 is the faulty one). Fixed in `HybridInstance.resendProofs`: the
    /// answer carries the checkpoint certificate as well.
    @Test("hybrid view change: a replica alone in a later view gets the checkpoint it needs to catch up")
    func loneViewChangerCatchesUp() throws {
        let scenario = TwinsScenario(replicas: 3, twinned: [ReplicaID(0)], roundNanos: 600_000_000, rounds: [
            .init(groups: [[0, 1, 2], [3]], leaderGroups: [1, 0]),
            .init(groups: [[0, 3], [1, 2]], leaderGroups: [0, 1]),
            .init(groups: [[0, 1], [2], [3]], leaderGroups: [1, 1]),
            .init(groups: [[0, 1, 2], [3]], leaderGroups: [0, 0]),
        ])
        let outcome = try Twins.run(Self.settings("dqhybster", finalSeconds: 6), scenario: scenario, seed: 3_011_439_172_813_982_531)
        #expect(outcome.safe, "\(outcome.report)")
        #expect(outcome.live, "\(outcome.report)\n\(outcome.finalStatus.joined(separator: "\n"))")
    }

    /// The settings these scenarios were found with, written out.
    static func settings(_ protocolName: String, finalSeconds: Double) -> TwinsSettings {
        var s = TwinsSettings(protocolName: protocolName)
        (s.rounds, s.roundSeconds, s.finalSeconds, s.maxGroups) = (4, 0.6, finalSeconds, 3)
        (s.clients, s.batchSize, s.topology, s.progressTimeoutSeconds) = (4, 4, .azure10, 0.2)
        return s
    }
}
