import DQBFTCore
import Foundation
import Testing

@testable import DQBFTSim

/// ByzzFuzz-style sweeps: up to f replicas run the `fuzz` behaviour (seeded
/// mutations of their own messages) and every protocol must stay safe (batches,
/// checkpoint states, replies) and live as the report judges it with the
/// throughput ratio not judged (every correct client and replica makes progress in
/// the final window). A failure prints the
/// `dqbft simulate` line that replays it. `DQBFT_FUZZ_SWEEP_SEEDS=<count>` searches
/// longer.
@Suite("Fuzz sweeps")
struct FuzzSweepTests {
    static let seeds: ClosedRange<UInt64> =
        1...(ProcessInfo.processInfo.environment["DQBFT_FUZZ_SWEEP_SEEDS"].flatMap { UInt64($0) } ?? 8)

    /// Seeds known to fail, by "protocol/N": they still run and are reported as
    /// known issues; any other failing seed fails the test. (The DQ checkpoint-state
    /// disagreements listed here before — dqhybster/3 seed 7, dqpbft/4 seeds 1 and 3,
    /// dqpbft/7 seed 4 — were a catching-up replica signing a checkpoint with a later
    /// slot's execution frontier, fixed in `DQComposition.pruneFrontiers`.)
    static let known: [String: Set<UInt64>] = [:]

    static func check(protocol name: String, replicas: Int, seeds: ClosedRange<UInt64>) throws {
        try SweepExpectation.expectPasses(.fuzz, protocol: name, replicas: replicas, seeds: seeds,
                                          known: Self.known["\(name)/\(replicas)"] ?? [], listedIn: "FuzzSweepTests.known")
    }

    @Test("BFT protocols stay safe and live with f fuzzing replicas",
          arguments: [("pbft", 4), ("pbft", 7), ("dqpbft", 4), ("dqpbft", 7), ("rcc", 4), ("rcc", 7)])
    func byzantine(protocol name: String, replicas: Int) throws {
        try Self.check(protocol: name, replicas: replicas, seeds: Self.seeds)
    }

    @Test("hybrid protocols stay safe and live with f fuzzing replicas",
          arguments: [("hybster", 3), ("hybster", 5), ("linearhybster", 3), ("linearhybster", 5),
                      ("dqhybster", 3), ("dqhybster", 5), ("destiny", 3), ("destiny", 5)])
    func hybrid(protocol name: String, replicas: Int) throws {
        try Self.check(protocol: name, replicas: replicas, seeds: Self.seeds)
    }

    @Test("hybrid protocols with an even number of replicas stay safe and live with f fuzzing replicas",
          arguments: [("hybster", 4), ("linearhybster", 4), ("dqhybster", 4), ("destiny", 4),
                      ("hybster", 6), ("linearhybster", 6), ("dqhybster", 6), ("destiny", 6)])
    func hybridEven(protocol name: String, replicas: Int) throws {
        try Self.check(protocol: name, replicas: replicas, seeds: Self.seeds)
    }

    @Test("fuzzing is deterministic: the same seed gives the same report")
    func deterministic() throws {
        let options = SweepScenario.fuzz(protocol: "destiny", replicas: 3, seed: 7).options
        var a = try Simulation(options: options).run(), b = try Simulation(options: options).run()
        a.wall_s = 0
        b.wall_s = 0
        #expect(a.json() == b.json())
    }

    @Test("a fuzzing replica does change what it sends")
    func mutates() {
        var rng = Fuzz.random(seed: 1, replica: 0)
        let vote = WireMessage.consensus(from: ReplicaID(0), instance: .main,
                                         .prepare(Vote(view: ViewNumber(3), sequence: SequenceNumber(9), digest: .zero)))
        let sent = (0..<300).flatMap { _ in Fuzz.plan(vote, to: 1, from: 0, replicas: 4, rng: &rng) }
        let changed = sent.filter { $0.message != vote }.count
        #expect(changed > 50 && changed < 200, "\(changed) of \(sent.count) copies mutated")
        #expect(sent.contains { $0.to != 1 }, "never sent to another replica")
        #expect(sent.count > 300, "never duplicated or redirected")
        let again = { var r = Fuzz.random(seed: 1, replica: 0); return (0..<300).flatMap { _ in Fuzz.plan(vote, to: 1, from: 0, replicas: 4, rng: &r) } }()
        #expect(again.map(\.message) == sent.map(\.message) && again.map(\.to) == sent.map(\.to))
    }
}
