import Testing
@testable import DQBFTCore

/// Every message an instance, a composition or a replica sets aside is counted
/// with its reason (`Rejection`), none silently.
@Suite("Rejections say why")
struct RejectionTests {
    static let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)

    static func pbft(_ i: Int) -> PBFTInstance {
        PBFTInstance(id: .main, config: config, me: ReplicaID(i), parameters: InstanceKind.parameters, genesisDigest: .zero,
                     signer: TestSigner(me: ReplicaID(i)))
    }

    @Test("a PBFT backup counts each message it sets aside under the rule that refused it")
    func pbftReasons() {
        var backup = Self.pbft(1)
        var out: [InstanceEffect] = []
        let payload = Runner<PBFTInstance>.payload(1)
        let proposal = PrePrepare(view: .zero, sequence: SequenceNumber(1), payload: payload)
        backup.receive(.prePrepare(proposal), from: ReplicaID(2), into: &out)
        #expect(backup.rejections[.notFromPrimary] == 1)
        backup.receive(.prePrepare(proposal), from: ReplicaID(0), into: &out)
        backup.receive(.prePrepare(proposal), from: ReplicaID(0), into: &out)
        #expect(backup.rejections[.duplicate] == 1, "one proposal per slot and view")
        let vote = Vote(view: .zero, sequence: SequenceNumber(1), digest: payload.digest)
        backup.receive(.prepare(vote), from: ReplicaID(2), into: &out)
        backup.receive(.prepare(vote), from: ReplicaID(2), into: &out)
        #expect(backup.rejections[.duplicate] == 2, "a vote the sender already cast")
        backup.receive(.prepare(Vote(view: .zero, sequence: SequenceNumber(1_000), digest: payload.digest)), from: ReplicaID(2), into: &out)
        #expect(backup.rejections[.outsideWindow] == 1)
        backup.receive(.prepare(vote), from: ReplicaID(1), into: &out)
        backup.receive(.prepare(vote), from: ReplicaID(9), into: &out)
        #expect(backup.rejections[.foreignSender] == 2)
        backup.receive(.payload(Runner<PBFTInstance>.payload(7)), from: ReplicaID(2), into: &out)
        #expect(backup.rejections[.unrequestedPayload] == 1)
        #expect(backup.rejections.total == 7)
    }

    @Test("a replica counts what its composition and instances set aside (here: an instance it does not run)")
    func replicaAggregates() {
        for kind in [ProtocolKind.pbft, .dqpbft, .rcc] {
            var replica = StateTransferTests.Bus.fresh(1, kind)
            var out: [ReplicaEffect] = []
            replica.handle(.consensus(from: ReplicaID(2), instance: InstanceID(rawValue: 77), .status(view: .zero, stableSequence: .zero)),
                           into: &out)
            let runs: InstanceID = kind == .pbft ? .main : .dissemination(ReplicaID(0))
            replica.handle(.consensus(from: ReplicaID(1), instance: runs, .status(view: .zero, stableSequence: .zero)), into: &out)
            #expect(replica.rejections[.unknownInstance] == 1 && replica.rejections[.foreignSender] == 1, "\(kind)")
        }
    }
}
