import DQBFTCore
import Testing

@testable import DQBFTSim

/// Liveness stalls the seed sweeps found in the hybrid protocols, one named
/// scenario per root cause, each the exact sweep schedule of its seed
/// (`SweepScenario.faults` as the sweeps drew them with hybrid crashes paused, replay line in the failure).
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
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed, hybridPauses: true).expectSafeAndLive()
    }

    /// A backup that lost one PREPARE shares nothing above it (commit shares are
    /// certified in slot order), and nothing re-sent it: with N = 2f+1 and one
    /// replica silent, no slot after the gap could commit until a view change, which
    /// one lost VIEW-CHANGE and a Byzantine next primary pushed past the end of the
    /// run. linearhybster/3 seed 52 (`--byzantine 0:drop-to --loss 0.01 ...`):
    /// replica 2 lost the PREPAREs of slots 84/85 of view 1 at 13.3 s; 11 of 12
    /// clients and replicas 1 and 2 stopped there. Now a single-primary Linear
    /// Hybster primary re-sends its uncertified PREPAREs when its collector timer
    /// fires (`PBFTParameters.retransmitsProposals`; not inside DQ, see there).
    @Test("a backup that lost a PREPARE gets it again from the primary's collector timer",
          arguments: [("linearhybster", 3, 52)])
    func lostPrepareResent(protocol name: String, replicas: Int, seed: UInt64) throws {
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed, hybridPauses: true).expectSafeAndLive()
    }

    /// The f+1 replicas that made a checkpoint stable restarted close together with
    /// nothing but their log of sent messages: no replica held the stable state any
    /// more, the restarted ones and the one left behind all waited for it by state
    /// transfer and nothing executed again (hybster/3 seed 84: replicas 0 and 1 took
    /// checkpoint 80 while a partition held replica 2 at 58, then crashed and
    /// restarted; the same in all four hybrid protocols at N=3, seeds 5, 57 and 84,
    /// and destiny/dqhybster 44 and 51). Now a hybrid replica logs a checkpoint's
    /// state before voting for it and, after a restart, installs it from its own log
    /// (`Replica+DurableCheckpoints.swift`).
    @Test("f+1 replicas restart amnesiacally after taking the only copies of a stable checkpoint",
          arguments: [("hybster", 3, 84), ("hybster", 3, 5), ("linearhybster", 3, 57), ("dqhybster", 3, 44),
                      ("dqhybster", 3, 51), ("destiny", 3, 5), ("destiny", 3, 57)])
    func stableCheckpointStateSurvivesRestarts(protocol name: String, replicas: Int, seed: UInt64) throws {
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed).expectSafeAndLive()
    }

    /// A replica a window behind whose peers made checkpoints stable without it,
    /// while one peer withheld its votes from it: it saw one vote per checkpoint,
    /// never a quorum, and kept asking for its last stable state, which its peers
    /// had pruned (linearhybster/3 seed 25, `--byzantine 2:drop-to --pause
    /// 1@2.8-5.0`: replica 1 waited for state 48 from 5.1 s to the end; dqhybster/3
    /// seed 90 likewise). Now a PREPARE or commit certificate beyond its window
    /// makes it send its STATUS to that peer, which shows it its stable checkpoint
    /// once per checkpoint of its own (`HybridInstance.noteAhead`, `onStatus`).
    @Test("a replica a window behind learns the newer stable checkpoint from the peer ahead",
          arguments: [("linearhybster", 3, 25), ("dqhybster", 3, 90)])
    func laggingReplicaLearnsStableCheckpoint(protocol name: String, replicas: Int, seed: UInt64) throws {
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed).expectSafeAndLive()
    }

    /// A replica delivered an O-slot from its commit certificate without ever
    /// seeing the PREPARE of a D-slot it references: its D-instance had nothing
    /// pending and no timer, and nobody re-sent that D-slot's certificate
    /// (destiny/3 seed 38, `--byzantine 2:slow --partition 2.7-4.8:0|1/2`: replica
    /// 0 missed D2#2 of slow replica 2 while partitioned, delivered O-slot 22
    /// referencing it and executed nothing after 8.4 s). Now execution waiting a
    /// whole watch period for one D-slot makes that D-instance broadcast its STATUS,
    /// and peers that delivered the slot re-send its certificate
    /// (`DQComposition.askForBlockingDSlot`, `ConsensusInstance.catchUp`).
    @Test("a replica missing the commit of an ordered D-slot asks its peers for it",
          arguments: [("destiny", 3, 38)])
    func orderedDSlotCommitFetched(protocol name: String, replicas: Int, seed: UInt64) throws {
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed).expectSafeAndLive()
    }
}
