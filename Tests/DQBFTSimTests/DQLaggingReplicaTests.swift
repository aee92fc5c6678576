import DQBFTCore
@testable import DQBFTSim
import Testing

/// DQPBFT liveness scenarios found by the seed sweeps (`SimulationSeedSweepTests`),
/// each named after its root cause and built from the sweep's replay line.
@Suite("DQPBFT lagging-replica scenarios")
struct DQLaggingReplicaTests {
    /// The sweeps' settings: geo-distributed, 12 clients, batches of 4, checkpoints
    /// every 16 slots, 2 s progress and 3 s view-change and client timeouts, 20 s.
    func sweepOptions(replicas: Int, seed: UInt64) -> SimulationOptions {
        var o = SweepScenario.base(protocol: "dqpbft", replicas: replicas, seed: seed)
        o.readRatio = 0.2
        o.deleteRatio = 0.05
        o.liveness.minRecoveryRatio = 0
        o.liveness.faultFreeReference = false
        return o
    }

    /// With 1% loss and one replica down, the other three are every quorum: one of
    /// them missed a single COMMIT of a D-slot, so the slot never committed there,
    /// its progress timer made it ask alone for the next view of that D-instance,
    /// and the others (still in the old view, delivering) re-sent their COMMITs once
    /// per view and checkpoint of the asker's. When one of those was lost too, every
    /// later re-send of the same view change found the rate limit spent: the replica
    /// waited for the slot for good and executed nothing after 9.9 s. Now a re-sent
    /// view change (the asker still alone a whole view-change timeout later) gets
    /// the COMMITs once more.
    ///
    /// `dqbft simulate --protocol dqpbft --replicas 4 --clients 12 --batch 4
    /// --topology azure10 --duration 20.0 --warmup 0 --seed 75 --costs nominal
    /// --checkpoint-interval 16 --progress-timeout 2 --view-change-timeout 3
    /// --client-timeout 3 --read-ratio 0.2 --delete-ratio 0.05 --crash 3@2.9
    /// --restart 3@5.1 --loss 0.01 --jitter-ms 2 --min-recovery-ratio 0`
    @Test("DQPBFT: a replica that lost a COMMIT and asks alone for a view change gets the COMMITs again when it asks again")
    func lostCommitIsResentToALoneViewChanger() throws {
        var o = sweepOptions(replicas: 4, seed: 75)
        o.faults.events = [(2_900_000_000, .crash(ReplicaID(3))), (5_100_000_000, .restart(ReplicaID(3)))]
        o.faults.lossProbability = 0.01
        o.faults.jitterNanos = 2_000_000
        let r = try Simulation(options: o).run()
        #expect(r.safety == "ok", "\(r.safety_violations)")
        #expect(r.liveness == "ok", "\(r.liveness)")
    }
}
