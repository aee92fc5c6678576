import DQBFTCore
import Testing

@testable import DQBFTSim

/// The primary crashes under load and comes back: once it has restarted and the
/// clients have retransmitted, the cluster must run at full speed again, not at
/// one request per client per client timeout. A failure names the seed and the
/// `dqbft simulate` line that replays it.
@Suite("Primary crash and restart")
struct PrimaryRecoveryTests {
    /// The run of `name` with replica 0 (the initial primary) crashing at 2 s and
    /// coming back at 4 s — restarted with only its log and trusted counters, or
    /// resumed with its memory (a pause) — N=3 (f=1: the smallest cluster, so the
    /// sweep stays cheap), under enough load that slots commit at the other replicas
    /// while it is down; per-message jitter makes every seed different. Liveness is
    /// judged from 5 s (a second after it is back) to the end.
    static func scenario(_ name: String, seed: UInt64, amnesiac: Bool) -> (SimulationOptions, String) {
        var o = SimulationOptions()
        o.protocolName = name
        o.replicas = 3
        o.clients = 100
        o.durationSeconds = 6
        o.seed = seed
        o.faults.jitterNanos = 1_000_000
        o.faults.events = [(2_000_000_000, .crash(ReplicaID(0))), (4_000_000_000, amnesiac ? .restart(ReplicaID(0)) : .resume(ReplicaID(0)))]
        o.liveness.graceSeconds = 1
        let command = "dqbft simulate --protocol \(name) --replicas 3 --clients 100 --duration 6 --jitter-ms 1 "
            + (amnesiac ? "--crash 0@2 --restart 0@4" : "--pause 0@2-4") + " --liveness-grace 1 --timeline --seed \(seed)"
        return (o, command)
    }

    /// Hybster used to stall here: the restarted primary never received the commit
    /// certificates of the slots that committed while it was down, so it could not
    /// deliver past them, filled its proposal window with slots it could never
    /// deliver, suspected itself and forced a view change, after which clients
    /// waited for their retransmission timeout. (The fix lives in `HybridInstance`,
    /// which Linear Hybster, DQHybster and Destiny share.)
    /// Found when restarts became amnesiac: a Hybster primary restarted with only its
    /// log and trusted counters leaves half the clients (seed 2: all, and replica 0
    /// executes nothing) without a completion from 5 s to 6 s:
    /// `dqbft simulate --protocol hybster --replicas 3 --clients 100 --duration 6
    /// --jitter-ms 1 --crash 0@2 --restart 0@4 --liveness-grace 1 --timeline --seed 2`.
    @Test("after the primary restarts, throughput returns to its level before the crash",
          .disabled("amnesiac Hybster primary: clients stall after its restart (replay in the doc comment)"),
          arguments: ["hybster"], UInt64(1)...10)
    func throughputRecovers(protocol name: String, seed: UInt64) throws {
        let (o, command) = Self.scenario(name, seed: seed, amnesiac: true)
        try expectThroughputRecovers(o, command: command, before: 1, after: 5)
    }

    @Test("after the primary resumes from a pause, throughput returns to its level before it",
          arguments: ["hybster"], UInt64(1)...10)
    func throughputRecoversAfterPause(protocol name: String, seed: UInt64) throws {
        let (o, command) = Self.scenario(name, seed: seed, amnesiac: false)
        // Second 1 is the last full second before the crash; second 5 begins about a
        // second after the restart and the clients' retransmissions (~4.1 s).
        try expectThroughputRecovers(o, command: command, before: 1, after: 5)
    }
}
