import Foundation
import Testing

@testable import DQBFTCore
@testable import DQBFTSim

/// The safety rules of the instances, one at a time, on a single core driven by
/// hand: each test names the rule and checks both sides of its threshold. The
/// configurations honour `DQBFT_MUTANT`, so the mutation check of the suite
/// (`Scripts/mutants.sh`) can break one rule and watch its test fail — which is
/// what these tests are for: the seed sweeps mask most single-rule bugs (with one
/// quorum check weakened, the other phase still intersects).
@Suite("Protocol rules, one by one")
struct ProtocolRuleTests {
    static func config(_ replicas: Int, _ model: FaultModel) -> ClusterConfiguration {
        var c = ClusterConfiguration(replicas: replicas, faultModel: model)
        c.mutant = ProcessInfo.processInfo.environment["DQBFT_MUTANT"].flatMap(Mutant.init(rawValue:))
        return c
    }

    static func pbft(_ me: Int) -> PBFTInstance {
        PBFTInstance(id: .main, config: config(4, .byzantine), me: ReplicaID(me), genesisDigest: .zero,
                     signer: ModelSigner(me: ReplicaID(me)))
    }

    static let payload = Payload.requests(Batch(requests: [ClientRequest(client: ClientID(1), timestamp: 1, operation: [1])]))
    static let one = SequenceNumber(1)

    static func sent(_ out: [InstanceEffect]) -> [ConsensusMessage] {
        out.compactMap {
            switch $0 {
            case .broadcast(let m), .send(let m, _): return m
            default: return nil
            }
        }
    }

    static func commits(_ out: [InstanceEffect]) -> Int {
        sent(out).count { if case .commit = $0 { true } else { false } }
    }

    static func delivered(_ out: [InstanceEffect]) -> Bool {
        out.contains { if case .committed = $0 { true } else { false } }
    }

    /// Backup R1 of N=4 (quorum 3) that accepted R0's PRE-PREPARE for slot 1.
    static func acceptedBackup() -> (PBFTInstance, Vote) {
        var r1 = pbft(1)
        var out: [InstanceEffect] = []
        r1.receive(.prePrepare(PrePrepare(view: .zero, sequence: one, payload: payload)), from: ReplicaID(0), into: &out)
        return (r1, Vote(view: .zero, sequence: one, digest: payload.digest))
    }

    @Test("PBFT: a slot prepares only with a quorum of PREPAREs (the primary's proposal and this replica's count)")
    func prepareQuorum() {
        var r1 = Self.pbft(1)
        var out: [InstanceEffect] = []
        r1.receive(.prePrepare(PrePrepare(view: .zero, sequence: Self.one, payload: Self.payload)), from: ReplicaID(0), into: &out)
        #expect(Self.commits(out) == 0, "prepared with the proposal and its own PREPARE alone (two of three)")
        r1.receive(.prepare(Vote(view: .zero, sequence: Self.one, digest: Self.payload.digest)), from: ReplicaID(3), into: &out)
        #expect(Self.commits(out) == 1, "a quorum of PREPAREs must prepare the slot")
    }

    @Test("PBFT: a slot commits only with a quorum of COMMITs")
    func commitQuorum() {
        var (r1, vote) = Self.acceptedBackup()
        var out: [InstanceEffect] = []
        r1.receive(.prepare(vote), from: ReplicaID(2), into: &out)
        #expect(Self.commits(out) == 1)
        out = []
        r1.receive(.commit(vote), from: ReplicaID(2), into: &out)
        #expect(!Self.delivered(out), "committed with two of three COMMITs")
        r1.receive(.commit(vote), from: ReplicaID(3), into: &out)
        #expect(Self.delivered(out), "a quorum of COMMITs must commit the slot")
    }

    @Test("PBFT: a backup accepts a PRE-PREPARE only from the view's primary")
    func proposalFromPrimaryOnly() {
        var r1 = Self.pbft(1)
        var out: [InstanceEffect] = []
        r1.receive(.prePrepare(PrePrepare(view: .zero, sequence: Self.one, payload: Self.payload)), from: ReplicaID(2), into: &out)
        #expect(!Self.sent(out).contains { if case .prepare = $0 { true } else { false } }, "voted for a backup's proposal")
    }

    @Test("PBFT: a VIEW-CHANGE reports every slot the replica prepared")
    func viewChangeReportsPrepared() throws {
        var (r1, vote) = Self.acceptedBackup()
        var out: [InstanceEffect] = []
        r1.receive(.prepare(vote), from: ReplicaID(2), into: &out)
        out = []
        r1.suspectPrimary(into: &out)
        let vc = try #require(Self.sent(out).compactMap { m -> ViewChangeMessage? in
            if case .viewChange(let v) = m { return v } else { return nil }
        }.first)
        #expect(vc.signed.viewChange.prepared.map(\.sequence) == [Self.one], "the prepared slot is missing")
    }

    @Test("PBFT: a checkpoint becomes stable only with a quorum of signatures")
    func checkpointQuorum() {
        var r1 = Self.pbft(1)
        var out: [InstanceEffect] = []
        let seq = SequenceNumber(64), state = Digest.of([64])
        for sender in [2, 3] {
            r1.receive(.checkpoint(SignedCheckpoint(sender: ReplicaID(sender), sequence: seq, stateDigest: state, signature: [])),
                       from: ReplicaID(sender), into: &out)
        }
        #expect(r1.stableCheckpoint.sequence == .zero, "stable with f+1 = 2 of N=4")
        r1.receive(.checkpoint(SignedCheckpoint(sender: ReplicaID(0), sequence: seq, stateDigest: state, signature: [])),
                   from: ReplicaID(0), into: &out)
        #expect(r1.stableCheckpoint.sequence == seq)
    }

    @Test("NEW-VIEW rule: a digest prepared by one replica is not re-proposed unless f+1 vouch for it")
    func newViewNeedsVouching() {
        func vc(_ sender: Int, prepared: [SlotClaim]) -> SignedViewChange {
            SignedViewChange(sender: ReplicaID(sender),
                             viewChange: ViewChange(newView: ViewNumber(1), stableSequence: .zero, stableDigest: .zero,
                                                    prepared: prepared, prePrepared: prepared),
                             signature: [])
        }
        let claim = SlotClaim(sequence: Self.one, view: .zero, digest: Digest.of([7]))
        // One replica (possibly faulty) claims it; two report nothing: wait for more.
        let decision = NewViewDecision.decide([vc(0, prepared: [claim]), vc(1, prepared: []), vc(2, prepared: [])],
                                              config: Self.config(4, .byzantine), windowSize: 128)
        #expect(decision == nil, "re-proposed a digest only one replica vouched for: \(String(describing: decision))")
    }

    @Test("hybrid: a VIEW-CHANGE's continuing chain must start where its evidence ends")
    func hybridChainLinks() {
        let config = Self.config(3, .hybrid)
        let evidence = HybridEvidence(counter: .zero, stableSequence: .zero, stableDigest: .zero, installed: nil, prepares: [])
        // One link that claims to leave (0, ordering, 3) — not where the evidence ends.
        let link = CounterCertificate(signer: ReplicaID(1), value: CounterValue(view: ViewNumber(1), phase: .viewChange, sequence: .zero)!,
                                      previous: CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(3))!, proof: [])
        let vc = HybridViewChange(sender: ReplicaID(1), newView: ViewNumber(1), evidence: evidence, chain: [link], checkpointProof: [])
        #expect(!HybridRules.isValid(vc, config: config, primaryOf: { config.primary(of: $0) }),
                "a chain that hides slots 1–3 was accepted")
    }

    @Test("hybrid: a backup accepts a PREPARE only if the view's primary certified it")
    func hybridPrepareFromPrimaryOnly() {
        let config = Self.config(3, .hybrid)
        let meter = CryptoMeter()
        func certifier(_ r: Int) -> ModelCounterCertifier {
            ModelCounterCertifier(me: ReplicaID(r), kind: .threshSign, costs: .default, meter: meter)
        }
        let scheme = ModelCertificateScheme(threshold: config.quorum, executionThreshold: config.weakQuorum, kind: .threshSign,
                                            costs: .default, meter: nil)
        var r1 = HybridInstance(id: .main, config: config, me: ReplicaID(1), parameters: HybridParameters(pattern: .allToAll),
                                genesisDigest: .zero, signer: ModelSigner(me: ReplicaID(1)),
                                crypto: HybridCrypto(counter: certifier(1), scheme: scheme,
                                                     execution: ModelExecutionSigner(me: ReplicaID(1), costs: .default, meter: meter)))
        let value = CounterValue(view: .zero, phase: .ordering, sequence: Self.one)!
        let forged = certifier(2).certify(Self.payload.digest, instance: .main, value: value)!
        var out: [InstanceEffect] = []
        r1.receive(.hybrid(.prepare(HybridPrepare(view: .zero, sequence: Self.one, payload: Self.payload, certificate: forged))),
                   from: ReplicaID(2), into: &out)
        #expect(Self.sent(out).isEmpty, "a backup's PREPARE got a commit share")
    }

    @Test("DQ: a replica that takes over a D-instance proposes no-ops for the referenced slots nobody disseminated")
    func noopFill() throws {
        // R1 of N=4 sees the O-primary R0 order D-slot (R0, 1), whose D-PrePrepare
        // never reached it, then D0 changes view to 1, which R1 leads. Unless R1 fills
        // slot 1 with a no-op, the O-slot waits for a batch that will never come: no
        // view change of D0 finds it prepared anywhere.
        let c = Self.config(4, .byzantine)
        let me = ReplicaID(1), owner = ReplicaID(0)
        var dq = DQComposition<PBFTInstance>(kind: .dqpbft, config: c, me: me, dq: DQParameters(), genesis: .zero, seed: 1) {
            id, primary, genesis in
            PBFTInstance(id: id, config: c, me: me, initialPrimary: primary, genesisDigest: genesis, signer: ModelSigner(me: me))
        }
        var out = CompositionOutput()
        let order = Payload.order(OrderBatch(refs: [DSlotRef(replica: owner, sequence: Self.one)]))
        dq.receive(.prePrepare(PrePrepare(view: .zero, sequence: Self.one, payload: order)), instance: .main, from: owner, into: &out)
        for sender in [2, 3] {
            let vc = ViewChange(newView: ViewNumber(1), stableSequence: .zero, stableDigest: dCheckpointDigest(owner, .zero),
                                prepared: [], prePrepared: [])
            dq.receive(.viewChange(ViewChangeMessage(signed: SignedViewChange(sender: ReplicaID(sender), viewChange: vc, signature: []),
                                                     checkpointProof: [])),
                       instance: .dissemination(owner), from: ReplicaID(sender), into: &out)
        }
        #expect(dq.d[owner.index].primary == me && dq.d[owner.index].isViewActive, "R1 did not take D0 over: \(dq.status)")
        let fills = out.effects.compactMap { effect -> PrePrepare? in
            guard case .broadcast(.consensus(_, let instance, .prePrepare(let pp))) = effect,
                  instance == .dissemination(owner) else { return nil }
            return pp
        }
        #expect(fills.contains { $0.sequence == Self.one && $0.payload == .noop && $0.view == ViewNumber(1) },
                "no no-op proposed for the referenced D-slot (R0, 1): \(fills)")
    }
}
