import Testing
@testable import DQBFTCore

/// A PBFT replica rebuilt from nothing but the messages it logged before a crash
/// must not contradict them (the runtime's write-ahead log replay).
@Suite("PBFT restore from the log of sent messages")
struct PBFTRestoreTests {
    static let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)

    static func instance(_ me: Int) -> PBFTInstance {
        PBFTInstance(id: .main, config: config, me: ReplicaID(UInt16(me)), genesisDigest: Digest.of([0]),
                     signer: DigestSigner(me: ReplicaID(UInt16(me))))
    }

    static func payload(_ tag: UInt8) -> Payload {
        .requests(Batch(requests: [ClientRequest(client: ClientID(1), timestamp: UInt64(tag), operation: [tag])]))
    }

    /// The messages an instance sent (what the shell logs), in order.
    static func sent(_ effects: [InstanceEffect]) -> [ConsensusMessage] {
        effects.compactMap {
            switch $0 {
            case .broadcast(let m), .send(let m, _): return m
            default: return nil
            }
        }
    }

    static func restored(_ me: Int, from log: [ConsensusMessage]) -> PBFTInstance {
        var fresh = instance(me)
        for m in log { fresh.restore(sent: m) }
        return fresh
    }

    static func prepares(_ effects: [InstanceEffect]) -> [Vote] {
        sent(effects).compactMap { if case .prepare(let v) = $0 { return v } else { return nil } }
    }

    @Test("a backup that prepared A refuses a conflicting PRE-PREPARE for the same view and slot")
    func backupKeepsItsPrepare() {
        var backup = Self.instance(1)
        var out: [InstanceEffect] = []
        backup.receive(.prePrepare(PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: Self.payload(1))),
                       from: ReplicaID(0), into: &out)
        let log = Self.sent(out)
        #expect(Self.prepares(out).count == 1)
        let conflicting = PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: Self.payload(2))

        // Without the log the rebuilt replica would vote again, for B.
        var amnesiac = Self.instance(1)
        out = []
        amnesiac.receive(.prePrepare(conflicting), from: ReplicaID(0), into: &out)
        #expect(Self.prepares(out).count == 1)

        var restored = Self.restored(1, from: log)
        out = []
        restored.receive(.prePrepare(conflicting), from: ReplicaID(0), into: &out)
        #expect(Self.prepares(out).isEmpty)
        // The next slot is still open.
        restored.receive(.prePrepare(PrePrepare(view: .zero, sequence: SequenceNumber(2), payload: Self.payload(3))),
                         from: ReplicaID(0), into: &out)
        #expect(Self.prepares(out).map(\.sequence) == [SequenceNumber(2)])
    }

    @Test("a restarted primary numbers its next proposal after the last one it sent")
    func primaryContinuesNumbering() {
        var primary = Self.instance(0)
        var out: [InstanceEffect] = []
        for tag in 1...3 { primary.propose(Self.payload(UInt8(tag)), into: &out) }
        var restored = Self.restored(0, from: Self.sent(out))
        #expect(restored.nextProposal == SequenceNumber(4))
        #expect(restored.view == .zero && restored.isViewActive)
        out = []
        restored.propose(Self.payload(9), into: &out)
        let proposed = Self.sent(out).compactMap { if case .prePrepare(let pp) = $0 { return pp.sequence } else { return nil } }
        #expect(proposed == [SequenceNumber(4)])
        // It still holds the payloads it proposed (peers may fetch them).
        #expect(restored.knowsProposal(at: SequenceNumber(2)))
    }

    @Test("a replica that asked for view 1 stays out of view 0 and re-sends its view change")
    func viewChangeIsRemembered() {
        var backup = Self.instance(2)
        var out: [InstanceEffect] = []
        backup.suspectPrimary(into: &out)
        var restored = Self.restored(2, from: Self.sent(out))
        #expect(restored.view == ViewNumber(1) && !restored.isViewActive)
        out = []
        restored.receive(.prePrepare(PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: Self.payload(1))),
                         from: ReplicaID(0), into: &out)
        #expect(Self.prepares(out).isEmpty)
        out = []
        restored.timerFired(.viewChange, into: &out)
        let resent = Self.sent(out).contains { if case .viewChange(let vc) = $0 { return vc.signed.viewChange.newView == ViewNumber(1) } else { return false } }
        #expect(resent)
    }

    @Test("a COMMIT it sent becomes a prepared claim in its next view change")
    func commitBecomesPreparedClaim() {
        var backup = Self.instance(1)
        var out: [InstanceEffect] = []
        let pp = PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: Self.payload(1))
        backup.receive(.prePrepare(pp), from: ReplicaID(0), into: &out)
        backup.receive(.prepare(Vote(view: .zero, sequence: SequenceNumber(1), digest: pp.payload.digest)),
                       from: ReplicaID(2), into: &out)
        #expect(Self.sent(out).contains { if case .commit = $0 { return true } else { return false } })
        let out0 = out
        var restored = Self.restored(1, from: Self.sent(out))
        out = []
        restored.suspectPrimary(into: &out)
        let claims = Self.sent(out).compactMap { m -> [SlotClaim]? in
            if case .viewChange(let vc) = m { return vc.signed.viewChange.prepared } else { return nil }
        }
        #expect(claims == [[SlotClaim(sequence: SequenceNumber(1), view: .zero, digest: pp.payload.digest)]])

        // The COMMIT alone (its PREPARE's log segment deleted) still binds the slot in view 0.
        let commitOnly = Self.sent(out0).filter { if case .commit = $0 { return true } else { return false } }
        var fromCommit = Self.restored(1, from: commitOnly)
        out = []
        fromCommit.receive(.prePrepare(PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: Self.payload(2))),
                           from: ReplicaID(0), into: &out)
        #expect(Self.prepares(out).isEmpty)
    }
}
