import DQBFTCore
import Testing

@testable import DQBFTSim

/// The primary is cut off from its backups for one second under load (messages
/// across the partition are dropped; clients still reach every replica): once the
/// partition heals, the cluster must be back at full speed within about a progress
/// timeout, not after the clients' retransmission and request timeouts. A failure
/// names the seed and the `dqbft simulate` line that replays it.
@Suite("Primary partitioned from its backups, then healed")
struct PartitionRecoveryTests {
    /// The run of `name` with replica 0 (the initial primary) partitioned from
    /// replicas 1-3 between 2 s and 3 s, N=4; per-message jitter makes every seed
    /// different (the primary's progress timer then fires just before or just after
    /// the heal).
    static func scenario(_ name: String, seed: UInt64) -> (SimulationOptions, String) {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 4
        o.clients = 100
        o.durationSeconds = 6
        o.seed = seed
        o.faults.jitterNanos = 1_000_000
        o.faults.events = [(2_000_000_000, .partition([[ReplicaID(0)], [ReplicaID(1), ReplicaID(2), ReplicaID(3)]])),
                           (3_000_000_000, .heal)]
        // Liveness is judged from 5 s (2 s after the heal) to the end, like the timeline.
        o.liveness.graceSeconds = 2
        let command = "dqbft simulate --protocol \(name) --replicas 4 --clients 100 --duration 6 --jitter-ms 1 "
            + "--partition '2-3:0|1/2/3' --liveness-grace 2 --timeline --seed \(seed)"
        return (o, command)
    }

    /// PBFT used to stall for ~4 s here: the pre-prepares sent during the partition
    /// were lost, the backups had nothing pending and so no timer, and the primary
    /// suspected itself alone, leaving the view while the backups stayed in it, until
    /// the clients' retransmissions and the replicas' request timers forced a view
    /// change. Now a primary whose proposals are not delivered within a progress
    /// timeout first re-sends its PRE-PREPAREs (once per view and delivery position,
    /// `PBFTInstance+Retransmit`) and only leaves the view at the next timeout, and
    /// backups that see the primary leave for the next view follow it at once.
    /// Second 5 (2 s after the heal) is checked; every seed is back by second 4.
    @Test("after the partition heals, throughput returns to its level before the partition",
          arguments: ["pbft"], UInt64(1)...10)
    func throughputRecovers(protocol name: String, seed: UInt64) throws {
        let (o, command) = Self.scenario(name, seed: seed)
        // Second 1 is the last full second before the partition; second 5 begins 2 s
        // after the heal (a progress timeout plus slack).
        try expectThroughputRecovers(o, command: command, before: 1, after: 5)
    }
}
