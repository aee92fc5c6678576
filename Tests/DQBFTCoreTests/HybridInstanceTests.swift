import Testing
@testable import DQBFTCore

/// N hybrid instances on a FIFO network with a message filter; timers fire on demand.
private struct Cluster {
    var nodes: [HybridInstance]
    var counters: [TestCounter]
    var queue: [(from: ReplicaID, to: ReplicaID, message: ConsensusMessage)] = []
    var delivered: [[Payload]]
    var down = Set<Int>()
    var timers: [Set<InstanceTimer>]
    let verifier: MessageVerifier
    /// Rewrites a message in flight; nil drops it.
    var filter: (ReplicaID, ReplicaID, ConsensusMessage) -> ConsensusMessage? = { _, _, m in m }

    init(n: Int, pattern: CommitPattern) {
        let config = ClusterConfiguration(replicas: n, faultModel: .hybrid)
        let scheme = TestScheme(threshold: config.f + 1)
        counters = (0..<n).map { TestCounter(me: ReplicaID($0)) }
        nodes = (0..<n).map { [counters] i in
            HybridInstance(id: .main, config: config, me: ReplicaID(i),
                           parameters: HybridParameters(base: PBFTParameters(checkpointInterval: 8, windowSize: 64), pattern: pattern),
                           genesisDigest: .zero, signer: TestSigner(me: ReplicaID(i)),
                           crypto: HybridCrypto(counter: counters[i], scheme: scheme, execution: TestExec(me: ReplicaID(i))))
        }
        delivered = Array(repeating: [], count: n)
        timers = Array(repeating: [], count: n)
        verifier = MessageVerifier(config: config, signatures: AcceptAll(), certificates: scheme)
    }

    mutating func apply(_ i: Int, _ effects: [InstanceEffect]) {
        let me = ReplicaID(i)
        for e in effects {
            switch e {
            case .broadcast(let m): for j in nodes.indices where j != i { queue.append((me, ReplicaID(j), m)) }
            case .send(let m, let to): queue.append((me, to, m))
            case .committed(_, let p): delivered[i].append(p)
            case .setTimer(let t, _): timers[i].insert(t)
            case .cancelTimer(let t): timers[i].remove(t)
            case .viewChanged, .needsState, .checkpointStable, .persist: break
            }
        }
    }

    mutating func propose(_ p: Payload) {
        let i = nodes.indices.first { nodes[$0].isPrimary && !down.contains($0) }!
        var out: [InstanceEffect] = []
        nodes[i].propose(p, into: &out)
        apply(i, out)
    }

    mutating func run() {
        while !queue.isEmpty {
            let (from, to, original) = queue.removeFirst()
            guard !down.contains(to.index), !down.contains(from.index), let m = filter(from, to, original),
                  verifier.verify(.consensus(from: from, instance: .main, m), channelPeer: from) else { continue }
            var out: [InstanceEffect] = []
            nodes[to.index].receive(m, from: from, into: &out)
            apply(to.index, out)
        }
    }

    mutating func fire(_ t: InstanceTimer) {
        for i in nodes.indices where !down.contains(i) && timers[i].contains(t) {
            timers[i].remove(t)
            var out: [InstanceEffect] = []
            nodes[i].timerFired(t, into: &out)
            apply(i, out)
        }
        run()
    }
}

private func payload(_ k: Int) -> Payload {
    .requests(Batch(requests: [ClientRequest(client: ClientID(UInt64(k)), timestamp: 1, operation: [UInt8(k & 0xFF)])]))
}

@Suite("Hybrid instance (Hybster / Linear Hybster)")
struct HybridInstanceTests {
    @Test("normal case delivers the same payloads everywhere, linear and all-to-all", arguments: [CommitPattern.collector, .allToAll])
    func normalCase(pattern: CommitPattern) {
        var c = Cluster(n: 5, pattern: pattern)
        for k in 1...12 { c.propose(payload(k)); c.run() }
        for i in 0..<5 { #expect(c.delivered[i] == (1...12).map(payload)) }
    }

    @Test("a crashed primary is replaced; delivered slots survive and new ones commit", arguments: [CommitPattern.collector, .allToAll])
    func primaryCrash(pattern: CommitPattern) {
        var c = Cluster(n: 5, pattern: pattern)
        for k in 1...5 { c.propose(payload(k)); c.run() }
        // Slot 6 reaches only replica 1 before the primary crashes.
        c.filter = { from, to, m in from == ReplicaID(0) && to != ReplicaID(1) ? nil : m }
        c.propose(payload(6)); c.run()
        c.down.insert(0)
        c.filter = { _, _, m in m }
        // Clients' retransmissions make every backup suspect the primary.
        for i in 1..<5 {
            var out: [InstanceEffect] = []
            c.nodes[i].suspectPrimary(into: &out)
            c.apply(i, out)
        }
        c.run()
        #expect(c.nodes[1].isViewActive && c.nodes[1].view == ViewNumber(1))
        guard c.nodes[1].canPropose else { return }
        c.propose(payload(7)); c.run()
        for i in 1..<5 {
            #expect(Array(c.delivered[i].prefix(5)) == (1...5).map(payload), "replica \(i)")
            #expect(c.delivered[i].last == payload(7), "replica \(i)")
        }
        // Every correct replica delivered the same sequence.
        #expect(Set((1..<5).map { c.delivered[$0] }).count == 1)
    }

    @Test("replicas that acknowledged a NEW-VIEW that never committed leave with it, and the next view keeps its slots",
          arguments: [CommitPattern.collector, .allToAll])
    func acknowledgedNewViewLeft(pattern: CommitPattern) {
        var c = Cluster(n: 5, pattern: pattern)
        for k in 1...3 { c.propose(payload(k)); c.run() }
        // Slot 4 is prepared only at replicas 1 and 2 when the primary crashes.
        c.filter = { from, to, m in from == ReplicaID(0) && to.index > 2 ? nil : m }
        c.propose(payload(4)); c.run()
        c.down.insert(0)
        // View 1's NEW-VIEW is acknowledged by everyone but never commits.
        c.filter = { _, _, m in
            switch m {
            case .hybrid(.newViewAck(let a)) where a.view == ViewNumber(1): return nil
            case .hybrid(.newViewProof(let p)) where p.decision.view == ViewNumber(1): return nil
            default: return m
            }
        }
        for i in 1..<5 {
            var out: [InstanceEffect] = []
            c.nodes[i].suspectPrimary(into: &out)
            c.apply(i, out)
        }
        c.run()
        #expect((1..<5).allSatisfy { c.nodes[$0].view == ViewNumber(1) && !c.nodes[$0].isViewActive })
        c.fire(.viewChange)  // pushes the acknowledged NEW-VIEW once
        c.fire(.viewChange)  // leaves, showing it
        #expect((1..<5).allSatisfy { c.nodes[$0].view == ViewNumber(2) && c.nodes[$0].isViewActive },
                "views \((1..<5).map { (c.nodes[$0].view, c.nodes[$0].isViewActive) })")
        guard c.nodes[2].canPropose else { return }
        c.propose(payload(5)); c.run()
        for i in 1..<5 { #expect(c.delivered[i] == (1...5).map(payload), "replica \(i)") }
    }

    @Test("a VIEW-CHANGE whose acknowledged NEW-VIEW does not follow from its view changes is rejected")
    func forgedAcknowledgedDecisionRejected() {
        let config = ClusterConfiguration(replicas: 3, faultModel: .hybrid)
        let primaryOf = { (v: ViewNumber) in config.primary(of: v) }
        let v1 = ViewNumber(1), v2 = ViewNumber(2)
        let vc0 = CounterValue(view: v1, phase: .viewChange, sequence: .zero)!
        // Replica 2 prepared slot 1 in view 0; replica 0 prepared nothing.
        let prepared = Digest.of([1]), v01 = CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(1))!
        func viewChange(_ r: Int) -> HybridViewChange {
            let claims = r == 2 ? [PrepareClaim(sequence: SequenceNumber(1), digest: prepared,
                                                certificate: TestScheme.make(ReplicaID(0), prepared, .main, v01, nil))] : []
            let counter = r == 2 ? v01 : .zero
            let e = HybridEvidence(counter: counter, stableSequence: .zero, stableDigest: .zero, installed: nil, prepares: claims)
            return HybridViewChange(sender: ReplicaID(r), newView: v1, evidence: e,
                                    chain: [TestScheme.make(ReplicaID(r), e.digest, .main, vc0, counter)], checkpointProof: [])
        }
        let vcs = [viewChange(0), viewChange(2)]
        func leaving(with decision: HybridDecision) -> HybridViewChange {
            let nv = HybridNewView(decision: decision, viewChanges: vcs, checkpointProof: [],
                                   certificate: TestScheme.make(ReplicaID(1), decision.digest, .main,
                                                                CounterValue(view: v1, phase: .viewChange, sequence: SequenceNumber(1))!, vc0))
            let acked = CounterValue(view: v1, phase: .ordering, sequence: decision.end)!
            let e = HybridEvidence(counter: acked, stableSequence: .zero, stableDigest: .zero, installed: nil, prepares: [],
                                   acknowledged: nv)
            let link = TestScheme.make(ReplicaID(2), e.digest, .main, CounterValue(view: v2, phase: .viewChange, sequence: .zero)!, acked)
            return HybridViewChange(sender: ReplicaID(2), newView: v2, evidence: e, chain: [link], checkpointProof: [])
        }
        let honest = HybridRules.decide(vcs, view: v1)
        #expect(honest.proposals == [prepared])
        #expect(HybridRules.isValid(leaving(with: honest), config: config, primaryOf: primaryOf))
        // A Byzantine primary's decision that replaces the prepared slot.
        let forged = HybridDecision(view: v1, startSequence: .zero, startDigest: .zero, proposals: [Digest.of([7])])
        #expect(!HybridRules.isValid(leaving(with: forged), config: config, primaryOf: primaryOf))
        // The next view's decision keeps the acknowledged decision's slot.
        var other = viewChange(0)
        other.newView = v2
        #expect(HybridRules.decide([leaving(with: honest), other], view: v2).proposals == [prepared])
    }

    @Test("the trusted counter refuses a second certificate for the same slot (no equivocation)")
    func equivocationRefused() {
        var c = Cluster(n: 3, pattern: .collector)
        c.propose(payload(1)); c.run()
        let value = CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(1))!
        #expect(c.counters[0].certify(payload(2).digest, instance: .main, value: value) == nil)
        #expect(c.counters[0].refusals == 1)
    }

    @Test("a silent collector is bypassed: replicas send their shares to the next collector")
    func silentCollector() {
        var c = Cluster(n: 5, pattern: .collector)
        // The primary (first collector) never broadcasts commit certificates.
        c.filter = { from, _, m in
            if from == ReplicaID(0), case .hybrid(.commitProof) = m { return nil }
            return m
        }
        c.propose(payload(1)); c.run()
        #expect(c.delivered[2].isEmpty)
        c.fire(.collector)
        for i in 1..<5 { #expect(c.delivered[i] == [payload(1)], "replica \(i)") }
    }

    @Test("a PREPARE forwarded by a backup counts as the primary's; a second copy is redundant")
    func forwardedPrepare() {
        var c = Cluster(n: 5, pattern: .collector)
        var held: ConsensusMessage?
        // Replica 2 hears nothing while the others commit slot 1.
        c.filter = { from, to, m in
            guard to == ReplicaID(2) else { return m }
            if from == ReplicaID(0), case .hybrid(.prepare) = m { held = m }
            return nil
        }
        c.propose(payload(1)); c.run()
        guard let prepare = held else { Issue.record("no PREPARE to replica 2"); return }
        let before = c.nodes[2].isRedundant(prepare)
        #expect(!before)
        c.filter = { _, _, m in m }
        c.queue.append((ReplicaID(1), ReplicaID(2), prepare))  // replica 1 floods it
        c.run()
        let after = c.nodes[2].isRedundant(prepare)
        #expect(after)
        // Its share reached a collector that had finished; the retry fetches the certificate.
        c.fire(.collector)
        #expect(c.delivered[2] == [payload(1)])
    }

    @Test("a collector that keeps certifying is not abandoned when its timer fires")
    func busyCollectorKept() {
        var c = Cluster(n: 5, pattern: .collector)
        c.propose(payload(1)); c.run()  // arms the collector timers, watching slot 1
        for i in 0..<5 { #expect(c.delivered[i] == [payload(1)]) }
        // Slot 2 is pending when the timer fires: slot 1 was certified meanwhile,
        // so replicas keep the collector and watch slot 2.
        c.filter = { from, _, m in
            if from == ReplicaID(0), case .hybrid(.commitProof) = m { return nil }
            return m
        }
        c.propose(payload(2)); c.run()
        c.fire(.collector)
        #expect(c.delivered[1] == [payload(1)])
        #expect(c.nodes[1].collectorTurn == 0)
        // Slot 2 is still uncertified at the next expiry: now they move on.
        c.fire(.collector)
        for i in 1..<5 { #expect(c.delivered[i] == [payload(1), payload(2)], "replica \(i)") }
    }

    @Test("an invalid commit share is named by optimistic aggregation's fallback")
    func invalidShareNamed() {
        var c = Cluster(n: 5, pattern: .collector)
        c.filter = { from, _, m in
            guard from == ReplicaID(1), case .hybrid(.commit(var s)) = m else { return m }
            s.certificate.proof[3] ^= 0xFF
            return .hybrid(.commit(s))
        }
        c.propose(payload(1)); c.run()
        #expect(c.nodes[0].invalidShareCount[ReplicaID(1)] == 1)
        for i in 0..<5 { #expect(c.delivered[i] == [payload(1)], "replica \(i)") }
    }

    @Test("a view change that omits a slot below its counter is rejected")
    func incompleteEvidenceRejected() {
        let config = ClusterConfiguration(replicas: 3, faultModel: .hybrid)
        let counter = TestCounter(me: ReplicaID(1))
        let v01 = CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(1))!
        let v02 = CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(2))!
        _ = counter.certify(Digest.zero, instance: .main, value: v01)
        _ = counter.certify(Digest.zero, instance: .main, value: v02)
        let prepare1 = PrepareClaim(sequence: SequenceNumber(1), digest: .zero, certificate: TestScheme.make(ReplicaID(0), .zero, .main, v01, nil))
        func vc(_ claims: [PrepareClaim]) -> HybridViewChange {
            let e = HybridEvidence(counter: v02, stableSequence: .zero, stableDigest: .zero, installed: nil, prepares: claims)
            let link = TestScheme.make(ReplicaID(1), e.digest, .main, CounterValue(view: ViewNumber(1), phase: .viewChange, sequence: .zero)!, v02)
            return HybridViewChange(sender: ReplicaID(1), newView: ViewNumber(1), evidence: e, chain: [link], checkpointProof: [])
        }
        let primaryOf = { (v: ViewNumber) in config.primary(of: v) }
        #expect(!HybridRules.isValid(vc([prepare1]), config: config, primaryOf: primaryOf))
        let prepare2 = PrepareClaim(sequence: SequenceNumber(2), digest: .zero, certificate: TestScheme.make(ReplicaID(0), .zero, .main, v02, nil))
        #expect(HybridRules.isValid(vc([prepare1, prepare2]), config: config, primaryOf: primaryOf))
        // Found by Twins (dqhybster, `dqbft twins --protocol dqhybster --scenario-seed
        // 9387909732841398200`): one node of a twinned replica committed slots 1 and 2,
        // the other showed only the PREPARE of slot 3 it had received, and the new view
        // replaced the committed slots with no-ops. A claim above the counter must not
        // stand in for the slots below it.
        let v03 = CounterValue(view: .zero, phase: .ordering, sequence: SequenceNumber(3))!
        let prepare3 = PrepareClaim(sequence: SequenceNumber(3), digest: .zero, certificate: TestScheme.make(ReplicaID(0), .zero, .main, v03, nil))
        #expect(!HybridRules.isValid(vc([prepare3]), config: config, primaryOf: primaryOf))
        #expect(!HybridRules.isValid(vc([prepare1, prepare3]), config: config, primaryOf: primaryOf))
        #expect(HybridRules.isValid(vc([prepare1, prepare2, prepare3]), config: config, primaryOf: primaryOf))
    }

    @Test("retransmissions of a slot's requests broadcast the execution share once per round; a proven slot answers each")
    func retransmissionStormIsDamped() {
        let config = ClusterConfiguration(replicas: 3, faultModel: .hybrid)
        let me = ReplicaID(1)
        var certifier = ExecutionCertifier(me: me, config: config, crypto: HybridCrypto(
            counter: TestCounter(me: me), scheme: TestScheme(threshold: 2), execution: TestExec(me: me)))
        let replies = (1...3).map { ClientReply(client: ClientID(UInt64($0)), timestamp: 1, request: .zero, view: .zero, replica: me, result: [UInt8($0)]) }
        var out: [ReplicaEffect] = []
        certifier.executed(SequenceNumber(1), replies: replies, collector: ReplicaID(0), into: &out)
        #expect(out.count == 1)  // the share, to the collector
        out.removeAll()
        // The collector is silent: each of the slot's three clients retransmits, twice.
        // The slot share goes out once per round; from the second round on, each
        // reply is also certified on its own (sequence 0), once per retransmission.
        for c in [1, 2, 3, 1, 2, 3] {
            certifier.retransmission(of: ClientID(UInt64(c)), timestamp: 1, request: .zero, result: [UInt8(c)], view: .zero, into: &out)
        }
        let broadcasts = out.compactMap { if case .broadcast(.executionShare(_, let s)) = $0 { s.sequence } else { nil } }
        #expect(broadcasts.filter { $0 != .zero }.count == 2 && broadcasts.filter { $0 == .zero }.count == 3)
        #expect(out.count == 5)
        // Another replica's share arrives: the slot is proven and each retransmission gets its reply.
        out.removeAll()
        let share = ExecutionShare(sequence: SequenceNumber(1), root: certifier.slots[SequenceNumber(1)]!.root, share: [])
        certifier.onShare(share, from: ReplicaID(2), view: .zero, into: &out)
        #expect(certifier.isProven(SequenceNumber(1)))
        out.removeAll()
        for c in [1, 2, 3] {
            certifier.retransmission(of: ClientID(UInt64(c)), timestamp: 1, request: .zero, result: [UInt8(c)], view: .zero, into: &out)
        }
        let proven = out.compactMap { if case .reply(let r) = $0, r.proof != nil { r.client } else { nil } }
        #expect(proven == [ClientID(1), ClientID(2), ClientID(3)])
    }
}
