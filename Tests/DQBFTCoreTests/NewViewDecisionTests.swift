import Testing
@testable import DQBFTCore

private let config4 = ClusterConfiguration(replicas: 4, faultModel: .byzantine)   // f = 1, q = 3
private let config7 = ClusterConfiguration(replicas: 7, faultModel: .byzantine)   // f = 2, q = 5
private let window: UInt64 = 128
private let noop = Payload.noop.digest

private func d(_ n: UInt64) -> Digest { Digest.of([UInt8(truncatingIfNeeded: n), 0xD1]) }
private func claim(_ seq: UInt64, view: UInt64, _ digest: Digest) -> SlotClaim {
    SlotClaim(sequence: SequenceNumber(seq), view: ViewNumber(view), digest: digest)
}

/// A view change to `newView`; signatures are irrelevant to the decision rule.
private func vc(_ sender: Int, newView: UInt64 = 1, stable: UInt64 = 0, stableDigest: Digest = .zero,
                prepared: [SlotClaim] = [], prePrepared: [SlotClaim] = []) -> SignedViewChange {
    SignedViewChange(sender: ReplicaID(sender),
                     viewChange: ViewChange(newView: ViewNumber(newView), stableSequence: SequenceNumber(stable),
                                            stableDigest: stableDigest, prepared: prepared, prePrepared: prePrepared),
                     signature: [])
}

/// A replica that prepared (hence also pre-prepared) `digest` at `seq` in `view`.
private func preparedVC(_ sender: Int, _ seq: UInt64, view: UInt64, _ digest: Digest, stable: UInt64 = 0) -> SignedViewChange {
    vc(sender, stable: stable, prepared: [claim(seq, view: view, digest)], prePrepared: [claim(seq, view: view, digest)])
}

@Suite("New-view decision rule")
struct NewViewDecisionTests {
    @Test("a digest prepared by a quorum is re-proposed at its slot even when f view changes claim nothing")
    func preparedDigestIsReproposed() throws {
        // N=4: replicas 0,1,2 prepared D at slot 1 in view 0; the quorum used holds two of them plus one empty.
        let r = try #require(NewViewDecision.decide([preparedVC(0, 1, view: 0, d(1)), preparedVC(1, 1, view: 0, d(1)), vc(3)],
                                                    config: config4, windowSize: window))
        #expect(r.proposals == [d(1)])
        #expect(r.startSequence == .zero)

        // N=7: quorum 5 with f=2 empty view changes; three slots prepared.
        let prepared = [claim(1, view: 0, d(1)), claim(2, view: 0, d(2)), claim(3, view: 0, d(3))]
        let vcs = (0..<3).map { vc($0, prepared: prepared, prePrepared: prepared) } + [vc(5), vc(6)]
        let r7 = try #require(NewViewDecision.decide(vcs, config: config7, windowSize: window))
        #expect(r7.proposals == [d(1), d(2), d(3)])
        // The order of the view changes does not matter.
        #expect(NewViewDecision.decide(vcs.reversed(), config: config7, windowSize: window) == r7)
    }

    @Test("the highest-view prepared digest wins over an older prepared digest at the same slot")
    func laterViewWins() throws {
        // D1 prepared in view 0 by a minority; D2 re-proposed and prepared in view 2 by a quorum.
        let vcs = [preparedVC(0, 1, view: 0, d(1)), preparedVC(1, 1, view: 2, d(2)),
                   preparedVC(2, 1, view: 2, d(2)), vc(3)]
        let r = try #require(NewViewDecision.decide(vcs, config: config4, windowSize: window))
        #expect(r.proposals == [d(2)])
    }

    @Test("a slot nobody prepared becomes the no-op when a quorum reports nothing for it")
    func unpreparedSlotBecomesNoop() throws {
        // Slot 2 is prepared, slot 1 is not: slot 1 must be filled with the no-op.
        let vcs = [preparedVC(0, 2, view: 0, d(2)), preparedVC(1, 2, view: 0, d(2)), vc(2), vc(3)]
        let r = try #require(NewViewDecision.decide(vcs, config: config4, windowSize: window))
        #expect(r.proposals == [noop, d(2)])
        #expect(noop == Batch(requests: []).digest)

        // Only pre-prepared (not prepared) slots carry no obligation: nothing to re-propose.
        let onlyPrePrepared = [vc(0, prePrepared: [claim(1, view: 0, d(1))]), vc(1), vc(2)]
        #expect(NewViewDecision.decide(onlyPrePrepared, config: config4, windowSize: window)?.proposals == [])
    }

    @Test("a lone prepared claim without f+1 vouchers becomes the no-op when a quorum reports nothing")
    func unvouchedClaimIsNoop() throws {
        let vcs = [preparedVC(3, 1, view: 0, d(9)), vc(0), vc(1), vc(2)]
        let r = try #require(NewViewDecision.decide(vcs, config: config4, windowSize: window))
        #expect(r.proposals == [noop])
    }

    @Test("fewer than a quorum of view changes gives nil")
    func belowQuorumIsNil() {
        #expect(NewViewDecision.decide([], config: config4, windowSize: window) == nil)
        #expect(NewViewDecision.decide([vc(0), vc(1)], config: config4, windowSize: window) == nil)
        #expect(NewViewDecision.decide([preparedVC(0, 1, view: 0, d(1)), preparedVC(1, 1, view: 0, d(1))],
                                       config: config4, windowSize: window) == nil)
        #expect(NewViewDecision.decide((0..<4).map { vc($0) }, config: config7, windowSize: window) == nil)
        #expect(NewViewDecision.decide((0..<5).map { vc($0) }, config: config7, windowSize: window) != nil)
    }

    @Test("a Byzantine claim of a prepared digest at a high view without f+1 vouchers is not chosen")
    func byzantineHighViewClaimIgnored() throws {
        let real = d(1), fake = d(666)
        let liar = vc(3, prepared: [claim(1, view: 9, fake)], prePrepared: [claim(1, view: 9, fake)])
        let honest = [preparedVC(0, 1, view: 0, real), preparedVC(1, 1, view: 0, real), vc(2)]

        let r = try #require(NewViewDecision.decide(honest + [liar], config: config4, windowSize: window))
        #expect(r.proposals == [real])
        #expect(NewViewDecision.decide([liar] + honest, config: config4, windowSize: window) == r)

        // With only a quorum including the liar the rule may wait (nil), but must never pick the fake.
        let partial = NewViewDecision.decide([honest[0], honest[1], liar], config: config4, windowSize: window)
        #expect(partial?.proposals != [fake])
        #expect(partial == nil || partial?.proposals == [real])

        // N=7, f=2: two liars vouching for each other still fall short of f+1 = 3.
        let liars = [5, 6].map { vc($0, prepared: [claim(1, view: 9, fake)], prePrepared: [claim(1, view: 9, fake)]) }
        let honest7 = (0..<3).map { preparedVC($0, 1, view: 0, real) } + [vc(3), vc(4)]
        let r7 = try #require(NewViewDecision.decide(honest7 + liars, config: config7, windowSize: window))
        #expect(r7.proposals == [real])
    }

    @Test("a Byzantine pre-prepare claim cannot vouch for a digest nobody else has")
    func byzantinePrePrepareVoucherInsufficient() throws {
        // Slot 1: the liar claims prepared X at view 1 and pre-prepared it at view 5; no one else has X.
        let liar = vc(3, prepared: [claim(1, view: 1, d(7))], prePrepared: [claim(1, view: 5, d(7)), claim(1, view: 6, d(7))])
        let r = try #require(NewViewDecision.decide([vc(0), vc(1), vc(2), liar], config: config4, windowSize: window))
        #expect(r.proposals == [noop])
    }

    @Test("the start sequence is the highest stable checkpoint among the view changes, with its digest")
    func startIsMaxStableCheckpoint() throws {
        let cp10 = d(100), cp5 = d(50)
        let vcs = [vc(0, stable: 5, stableDigest: cp5, prepared: [claim(6, view: 0, d(6)), claim(12, view: 0, d(12))],
                      prePrepared: [claim(12, view: 0, d(12))]),
                   vc(1, stable: 10, stableDigest: cp10, prepared: [claim(12, view: 0, d(12))], prePrepared: [claim(12, view: 0, d(12))]),
                   vc(2, stable: 0), vc(3, stable: 10, stableDigest: cp10)]
        let r = try #require(NewViewDecision.decide(vcs, config: config4, windowSize: window))
        #expect(r.startSequence == SequenceNumber(10))
        #expect(r.startDigest == cp10)
        // Slot 6 lies below the start and is dropped; slot 11 is a gap (no-op); slot 12 is re-proposed.
        #expect(r.proposals == [noop, d(12)])
    }

    @Test("claims beyond the window above the start are ignored")
    func claimsBeyondWindowIgnored() throws {
        let vcs = [preparedVC(0, 3, view: 0, d(3)), preparedVC(1, 3, view: 0, d(3)), vc(2)]
        #expect(NewViewDecision.decide(vcs, config: config4, windowSize: 2)?.proposals == [])
        #expect(NewViewDecision.decide(vcs, config: config4, windowSize: 3)?.proposals == [noop, noop, d(3)])
    }
}
