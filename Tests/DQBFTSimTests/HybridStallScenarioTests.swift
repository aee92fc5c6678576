import DQBFTCore
import Testing

@testable import DQBFTSim

/// Liveness stalls the seed sweeps found in the hybrid protocols, one named
/// scenario per root cause, each the exact sweep schedule of its seed
/// (`SimulationSeedSweepTests.randomScenario`, replay line in the failure).
@Suite("Hybrid stall scenarios")
struct HybridStallScenarioTests {
    /// A slot whose execution proof lacked f+1 replicas that kept it. Linear
    /// Hybster and Destiny prove a reply with f+1 execution shares on the Merkle
    /// root of its slot; a replica that skipped the slot by state transfer has the
    /// reply in its client table but not the slot. With one replica refused
    /// (rolled-back trusted counter) or Byzantine, and one that transferred state,
    /// the slot's clients retransmitted forever: e.g. linearhybster/5 seed 6,
    /// `--byzantine 4:withhold-proofs --crash 0@3.4 --restart-rolled-back 0@4.4
    /// --loss 0.01`, clients c1 and c11 completed nothing after 0.5 s (their slot
    /// #23 was kept by replicas 1 and 3 only). Now a reply the slot proof cannot
    /// answer is certified on its own from the replicas' client tables.
    @Test("an execution proof its slot cannot get: the reply is proven on its own",
          arguments: [("linearhybster", 5, 6), ("destiny", 3, 25), ("destiny", 3, 68), ("destiny", 5, 6), ("destiny", 7, 3)])
    func singleReplyProof(protocol name: String, replicas: Int, seed: UInt64) throws {
        let (options, flags) = SimulationSeedSweepTests.randomScenario(seed: seed, replicas: replicas, protocol: name)
        let report = try Simulation(options: options).run()
        let replay = SimulationSeedSweepTests.replayLine(options, flags)
        #expect(report.safety == "ok", "\(report.safety_violations); replay: \(replay)")
        #expect(report.liveness == "ok", "\(report.liveness); replay: \(replay)")
    }
}
