import DQBFTCore
import Testing

@testable import DQBFTSim

/// Liveness stalls of the DQ compositions that a timing shift exposed (issue 22:
/// the ordered-D-slot catch-up, `DQComposition.askForBlockingDSlot`, moved its
/// watch ticks, and these seeds stalled with it while passing without it). One
/// test per root cause, each the exact sweep schedule of its seed
/// (`SweepScenario.faults`, replay line in the failure); each has a mutant that
/// undoes its rule (`Scripts/mutants.sh`).
@Suite("DQ stall scenarios")
struct DQStallScenarioTests {
    func expectLive(_ name: String, _ replicas: Int, _ seed: UInt64) throws {
        try SweepScenario.faults(protocol: name, replicas: replicas, seed: seed).expectSafeAndLive()
    }

    /// A new O-primary that still delivers O-slots of the view before executes
    /// D-slots it had not queued yet; its queue for that D-instance waited for the
    /// first of them forever (an executed slot is never seen again), so it ordered
    /// nothing more of it while the O-instance kept delivering the others' slots.
    /// dqhybster/5 seed 5 (`--byzantine 1:withhold --restart-rolled-back 4@2.0
    /// ...`): replica 3 became O-primary of view 3 with D0's queue at slot 55,
    /// executed D0 slots 56–60 from O-slots of view 2, and never ordered D0 again;
    /// 9 of 12 clients completed nothing after 10.4 s. Now the queue steps over
    /// executed slots (`DQComposition.advanceQueue`; mutant
    /// `dq-queue-waits-for-executed`).
    @Test("a new O-primary's queue steps over D-slots executed before it saw them",
          arguments: [("dqhybster", 5, 5)])
    func queueStepsOverExecutedSlots(protocol name: String, replicas: Int, seed: UInt64) throws {
        try expectLive(name, replicas, seed)
    }

    /// Execution waited for a D-slot that no correct replica had committed: its
    /// coordinator disseminated it only to the O-primary during a partition, then
    /// came back with a rolled-back counter; the O-slot ordering it was decided by
    /// a NEW-VIEW, so no gate held it back, and asking peers for the slot
    /// (`askForBlockingDSlot`) found nobody to re-send it. Nothing suspected the
    /// coordinator until a client happened to reassign a request to it (destiny/4
    /// seed 3: replicas 2 and 3 executed nothing from 5.4 s to 12.1 s, client c4
    /// completed nothing after 12.2 s). Now a replica still blocked a watch period
    /// after asking suspects the D-instance's coordinator (mutant
    /// `dq-blocked-slot-unsuspected`). The same fixes dqhybster/6 seed 21 (listed
    /// in `knownStalls` before): O-slot 240 ordered a D-slot of the replica
    /// restarted with a rolled-back counter that never committed, and only two
    /// replicas moved its D-instance on; every replica stopped at 10.6 s.
    @Test("execution blocked on a D-slot nobody committed suspects its coordinator",
          arguments: [("destiny", 4, 3), ("dqhybster", 6, 21)])
    func blockedSlotSuspectsCoordinator(protocol name: String, replicas: Int, seed: UInt64) throws {
        try expectLive(name, replicas, seed)
    }
}
