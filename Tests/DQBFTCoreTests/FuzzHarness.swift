@testable import DQBFTCore

// A cluster of real `Replica` values driven by a seeded generator: messages are
// delivered in random order, mutated to extreme values, duplicated or dropped,
// timers fire at random, clients submit requests, replicas restart (with their
// memory or from their log), and forged quorum certificates for extreme views and
// sequence numbers are injected. No message is verified: every replica but the
// one receiving acts as if Byzantine with every key, so any state a decodable
// message sequence can lead to is fair game. The only property checked is that
// nothing traps (and nothing loops: the run finishes).

/// A trusted counter that, like a real one, never certifies a value at or below
/// its last (continuing certificates: below); the fuzzer forges the rest.
final class FuzzCounter: CounterCertifier, @unchecked Sendable {
    let me: ReplicaID
    var values: [InstanceID: CounterValue] = [:]
    init(me: ReplicaID) { self.me = me }
    func current(instance: InstanceID) -> CounterValue { values[instance] ?? .zero }
    func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        guard value > current(instance: instance) else { return nil }
        values[instance] = value
        return CounterCertificate(signer: me, value: value, previous: nil, proof: [1])
    }
    func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let previous = current(instance: instance)
        guard value >= previous else { return nil }
        values[instance] = value
        return CounterCertificate(signer: me, value: value, previous: previous, proof: [1])
    }
}

/// Accepts every certificate and combines any shares.
struct FuzzScheme: CertificateScheme {
    let threshold: Int
    func verify(_ certificate: CounterCertificate, message: Digest, instance: InstanceID) -> Bool { true }
    func verify(_ certificate: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool { true }
    func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult {
        .combined(QuorumCertificate(value: shares.first?.value ?? .zero, proof: [2]))
    }
    func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> { .success([3]) }
    func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool { true }
}

struct FuzzExecutionSigner: ExecutionSigner {
    let me: ReplicaID
    func signShare(_ message: Digest) -> [UInt8] { [4] }
}

/// Extreme values for every kind of field a message carries.
enum Extreme {
    static func view(_ v: ViewNumber, _ rng: inout SeededRandom) -> ViewNumber {
        let picks: [UInt64] = [v.rawValue &+ 1, v.rawValue &- 1, .max, .max - 1, 1 << 63, CounterValue.maxView,
                               CounterValue.maxView + 1, 0, v.rawValue &+ 1000]
        return ViewNumber(picks[Int(rng.next() % UInt64(picks.count))])
    }

    static func sequence(_ s: SequenceNumber, _ rng: inout SeededRandom) -> SequenceNumber {
        let picks: [UInt64] = [s.rawValue &+ 1, s.rawValue &- 1, .max, .max - 1, 1 << 63, CounterValue.maxSequence,
                               CounterValue.maxSequence + 1, 0, s.rawValue &+ 1000, s.rawValue &+ 16]
        return SequenceNumber(picks[Int(rng.next() % UInt64(picks.count))])
    }

    static func counter(_ c: CounterValue, _ rng: inout SeededRandom) -> CounterValue {
        let picks: [UInt64] = [c.rawValue &+ 1, c.rawValue &- 1, c.rawValue ^ (1 << 39), c.rawValue &+ (1 << 40), .max, 0,
                               CounterValue.maxView << 40 | 1 << 39 | CounterValue.maxSequence]
        return CounterValue(rawValue: picks[Int(rng.next() % UInt64(picks.count))])
    }

    static func digest(_ d: Digest, _ rng: inout SeededRandom) -> Digest {
        var d = d
        d.w0 ^= 1 << (rng.next() % 64)
        return d
    }

    /// One field of `m` set to an extreme value (signed fields included: nothing is verified).
    static func mutate(_ m: WireMessage, _ rng: inout SeededRandom) -> WireMessage {
        switch m {
        case .request, .reply: return m
        case .consensus(let from, let instance, let cm):
            return .consensus(from: from, instance: instance, mutate(cm, &rng))
        case .stateRequest(let from, var s): s.sequence = sequence(s.sequence, &rng); return .stateRequest(from: from, s)
        case .stateReply(let from, var s): s.sequence = sequence(s.sequence, &rng); return .stateReply(from: from, s)
        case .stateChunk(let from, var c): c.sequence = sequence(c.sequence, &rng); return .stateChunk(from: from, c)
        case .executionShare(let from, var e): e.sequence = sequence(e.sequence, &rng); return .executionShare(from: from, e)
        case .executionProof(let from, var e): e.sequence = sequence(e.sequence, &rng); return .executionProof(from: from, e)
        }
    }

    static func mutate(_ m: ConsensusMessage, _ rng: inout SeededRandom) -> ConsensusMessage {
        let k = rng.next() % 3
        switch m {
        case .prePrepare(var p):
            if k == 0 { p.view = view(p.view, &rng) } else { p.sequence = sequence(p.sequence, &rng) }
            return .prePrepare(p)
        case .prepare(var v), .commit(var v):
            switch k {
            case 0: v.view = view(v.view, &rng)
            case 1: v.sequence = sequence(v.sequence, &rng)
            default: v.digest = digest(v.digest, &rng)
            }
            if case .prepare = m { return .prepare(v) }
            return .commit(v)
        case .checkpoint(var c): c.sequence = sequence(c.sequence, &rng); return .checkpoint(c)
        case .viewChange(var vc):
            if k == 0 { vc.signed.viewChange.newView = view(vc.signed.viewChange.newView, &rng) } else {
                vc.signed.viewChange.stableSequence = sequence(vc.signed.viewChange.stableSequence, &rng)
            }
            return .viewChange(vc)
        case .newView(var nv):
            if k == 0 { nv.view = view(nv.view, &rng) } else { nv.startSequence = sequence(nv.startSequence, &rng) }
            return .newView(nv)
        case .fetch(let d): return .fetch(digest(d, &rng))
        case .payload: return m
        case .status(let v, let s):
            return k == 0 ? .status(view: view(v, &rng), stableSequence: s) : .status(view: v, stableSequence: sequence(s, &rng))
        case .hybrid(let h): return .hybrid(mutate(h, k, &rng))
        }
    }

    static func mutate(_ h: HybridMessage, _ k: UInt64, _ rng: inout SeededRandom) -> HybridMessage {
        switch h {
        case .prepare(var p):
            switch k {
            case 0: p.view = view(p.view, &rng)
            case 1: p.sequence = sequence(p.sequence, &rng)
            default: p.certificate.value = counter(p.certificate.value, &rng)
            }
            return .prepare(p)
        case .commit(var c), .commitRetry(var c):
            switch k {
            case 0: c.view = view(c.view, &rng)
            case 1: c.sequence = sequence(c.sequence, &rng)
            default: c.certificate.value = counter(c.certificate.value, &rng)
            }
            if case .commit = h { return .commit(c) }
            return .commitRetry(c)
        case .commitProof(var p):
            switch k {
            case 0: p.view = view(p.view, &rng)
            case 1: p.sequence = sequence(p.sequence, &rng)
            default: p.proof.value = counter(p.proof.value, &rng)
            }
            return .commitProof(p)
        case .viewChange(var vc):
            switch k {
            case 0: vc.newView = view(vc.newView, &rng)
            case 1: vc.evidence.stableSequence = sequence(vc.evidence.stableSequence, &rng)
            default: vc.evidence.counter = counter(vc.evidence.counter, &rng)
            }
            return .viewChange(vc)
        case .newView(var nv):
            switch k {
            case 0: nv.decision.view = view(nv.decision.view, &rng)
            case 1: nv.decision.startSequence = sequence(nv.decision.startSequence, &rng)
            default: nv.certificate.value = counter(nv.certificate.value, &rng)
            }
            return .newView(nv)
        case .newViewAck(var a):
            if k == 0 { a.view = view(a.view, &rng) } else { a.certificate.value = counter(a.certificate.value, &rng) }
            return .newViewAck(a)
        case .newViewProof(var p):
            switch k {
            case 0: p.decision.view = view(p.decision.view, &rng)
            case 1: p.decision.startSequence = sequence(p.decision.startSequence, &rng)
            default: p.proof.value = counter(p.proof.value, &rng)
            }
            return .newViewProof(p)
        }
    }
}

/// N replicas of one protocol and everything in flight between them.
struct FuzzCluster {
    static let checkpointInterval: UInt64 = 4
    let kind: ProtocolKind
    let config: ClusterConfiguration
    let parameters = ReplicaParameters(batchSize: 2, maxClients: 64, maxPendingRequests: 64,
                                       pbft: PBFTParameters(checkpointInterval: FuzzCluster.checkpointInterval, windowSize: 16,
                                                            maxInFlightProposals: 4))
    var replicas: [Replica] = []
    var counters: [FuzzCounter]
    var inFlight: [(from: Int, to: Int, message: WireMessage)] = []
    /// Armed timers per replica, in the order they were set (deterministic, unlike a set).
    var timers: [[ReplicaTimer]]
    /// Each replica's durable log of what it sent (`Replica.mustPersist`).
    var sentLogs: [[WireMessage]]
    var timestamps: [UInt64] = Array(repeating: 0, count: 8)
    var rng: SeededRandom
    /// Slots executed, in total (so a test can tell the run did something).
    var executed = 0
    /// What the fuzzer does besides delivering messages in random order.
    enum Phase {
        /// Messages unchanged, nothing forged or restarted, timers rare: lets the
        /// normal path reach checkpoints and view changes first.
        case calm
        /// Now and then a mutated message, a timer, a restart (often from the log),
        /// a status report at extreme values: recovery paths on a live cluster.
        case mild
        /// Frequent mutations and forged quorum certificates at extreme views and
        /// sequence numbers.
        case forge
    }
    var phase = Phase.calm

    init(kind: ProtocolKind, replicas n: Int, seed: UInt64) {
        self.kind = kind
        config = ClusterConfiguration(replicas: n, faultModel: kind.faultModel)
        counters = (0..<n).map { FuzzCounter(me: ReplicaID($0)) }
        timers = Array(repeating: [], count: n)
        sentLogs = Array(repeating: [], count: n)
        rng = SeededRandom(seed: seed)
        replicas = (0..<n).map(fresh)
    }

    var n: Int { config.replicaCount }

    func fresh(_ i: Int) -> Replica {
        let hybrid = kind.faultModel == .hybrid
            ? HybridCrypto(counter: counters[i], scheme: FuzzScheme(threshold: config.quorum),
                           execution: FuzzExecutionSigner(me: ReplicaID(i)))
            : nil
        return Replica(me: ReplicaID(i), config: config, parameters: parameters, protocol: kind,
                       signer: DigestSigner(me: ReplicaID(i)), hybrid: hybrid, seed: UInt64(i))
    }

    mutating func post(_ effects: [ReplicaEffect], from i: Int) {
        for effect in effects {
            switch effect {
            case .send(let m, let to):
                if Replica.mustPersist(m) { sentLogs[i].append(m) }
                inFlight.append((i, to.index, m))
            case .broadcast(let m):
                if Replica.mustPersist(m) { sentLogs[i].append(m) }
                for j in 0..<n where j != i { inFlight.append((i, j, m)) }
            case .setTimer(let t, _): if !timers[i].contains(t) { timers[i].append(t) }
            case .cancelTimer(let t): timers[i].removeAll { $0 == t }
            case .persist(let m): sentLogs[i].append(m)
            case .executed: executed += 1
            case .reply, .stateInstalled, .viewChanged, .checkpointed: break
            }
        }
        if sentLogs[i].count > 400 { sentLogs[i].removeFirst(200) }
        while inFlight.count > 2000 { inFlight.swapAt(Int(rng.next() % UInt64(inFlight.count)), inFlight.count - 1); inFlight.removeLast() }
    }

    mutating func deliver(_ m: WireMessage, to i: Int) {
        var out: [ReplicaEffect] = []
        replicas[i].handle(m, into: &out)
        post(out, from: i)
    }

    /// One random action.
    mutating func step() {
        var roll = rng.next() % 100
        switch phase {
        case .calm: roll = roll < 80 ? 0 : roll < 83 ? 60 : 75
        case .mild:
            // A restart every few hundred steps leaves the cluster time to bring it back.
            if rng.next() % 300 == 0 { return restart(Int(rng.next() % UInt64(n))) }
            roll = roll < 75 ? 0 : roll < 78 ? 60 : roll < 97 ? 75 : 99
        case .forge: break
        }
        let mutateOdds: UInt64 = phase == .forge ? 6 : 20
        switch roll {
        case 0..<55 where !inFlight.isEmpty:
            let k = Int(rng.next() % UInt64(inFlight.count))
            let (_, to, original) = inFlight[k]
            if rng.next() % 30 != 0 { inFlight.swapAt(k, inFlight.count - 1); inFlight.removeLast() }  // else: duplicated
            var m = original
            if phase != .calm, rng.next() % mutateOdds == 0 { m = Extreme.mutate(m, &rng) }
            if phase == .forge, rng.next() % 40 == 0, case .consensus(_, let instance, let cm) = m {
                m = .consensus(from: ReplicaID(Int(rng.next() % UInt64(n))), instance: instance, cm)  // another sender
            }
            deliver(m, to: to)
        case 0..<55: return
        case 55..<72:
            let i = Int(rng.next() % UInt64(n))
            guard !timers[i].isEmpty else { return }
            let t = timers[i].remove(at: Int(rng.next() % UInt64(timers[i].count)))
            var out: [ReplicaEffect] = []
            replicas[i].timerFired(t, into: &out)
            post(out, from: i)
        case 72..<90:
            let c = Int(rng.next() % UInt64(timestamps.count))
            timestamps[c] = rng.next() % 50 == 0 ? .max - rng.next() % 2 : timestamps[c] &+ 1
            let assigned = ReplicaID(Int(rng.next() % UInt64(n + 1)))  // sometimes nobody's
            let request = ClientRequest(client: ClientID(UInt64(c + 1)), timestamp: timestamps[c], assignedReplica: assigned,
                                        operation: KeyValueOperation.put(key: [UInt8(c)], value: [UInt8(truncatingIfNeeded: timestamps[c])]).encode())
            deliver(.request(request), to: Int(rng.next() % UInt64(n)))
        case 90..<96:
            inject()
        case 96..<98:
            restart(Int(rng.next() % UInt64(n)))
        default:
            let i = Int(rng.next() % UInt64(n))
            deliver(.consensus(from: ReplicaID(Int(rng.next() % UInt64(n))), instance: randomInstance(),
                               .status(view: Extreme.view(.zero, &rng), stableSequence: Extreme.sequence(.zero, &rng))), to: i)
        }
    }

    /// Restarts replica `i`, keeping its memory (a crash and recovery) or rebuilding
    /// it from what is left of its log of sent messages (as the runtime does, whose
    /// log keeps only its newest segments). Its trusted counter survives either way.
    mutating func restart(_ i: Int) {
        if rng.next() % 2 == 0 {
            var fresh = fresh(i)
            for m in sentLogs[i].suffix(Int(rng.next() % UInt64(sentLogs[i].count + 1))) { fresh.restore(sent: m) }
            replicas[i] = fresh
        }
        timers[i] = []
        var out: [ReplicaEffect] = []
        replicas[i].recover(into: &out)
        post(out, from: i)
    }

    /// The instances messages of this protocol travel under.
    func instances() -> [InstanceID] {
        switch kind {
        case .pbft, .hybster, .linearhybster: return [.main]
        case .rcc: return (0..<n).map { .dissemination(ReplicaID($0)) }
        case .dqpbft, .dqhybster, .destiny: return [.main] + (0..<n).map { .dissemination(ReplicaID($0)) }
        }
    }

    mutating func randomInstance() -> InstanceID {
        let all = instances()
        return all[Int(rng.next() % UInt64(all.count))]
    }

    /// The replica that leads `view` of `instance` (view 0: replica 0 for the main
    /// instance, replica i for D-instance i).
    func primary(of view: ViewNumber, _ instance: InstanceID) -> ReplicaID {
        config.primary(of: view, initial: instance == .main ? ReplicaID(0) : ReplicaID(instance.rawValue))
    }

    /// Forged certificates at extreme values, delivered to one replica: a quorum of
    /// checkpoints, a PBFT NEW-VIEW (with its view changes) or a committed hybrid
    /// NEW-VIEW.
    mutating func inject() {
        let target = Int(rng.next() % UInt64(n))
        let instance = randomInstance()
        let k = Self.checkpointInterval
        let top = SequenceNumber.highestStart.rawValue
        let starts: [UInt64] = [(UInt64.max / k) * k, (UInt64.max / k - 1) * k, ((1 << 63) / k) * k, top, top - k, top + k,
                                (CounterValue.maxSequence / k) * k, (CounterValue.maxSequence / k + 1) * k,
                                (rng.next() % 64) * k]
        let start = SequenceNumber(starts[Int(rng.next() % UInt64(starts.count))])
        let state = Digest.of([UInt8(truncatingIfNeeded: rng.next())])
        let proof = (0..<n).map { SignedCheckpoint(sender: ReplicaID($0), sequence: start, stateDigest: state, signature: []) }
        let view = Extreme.view(ViewNumber(rng.next() % 8), &rng)
        let leader = primary(of: view, instance)
        switch (kind.faultModel, rng.next() % 3) {
        case (_, 0):
            for c in proof { deliver(.consensus(from: c.sender, instance: instance, .checkpoint(c)), to: target) }
        case (.byzantine, _):
            let vcs = (0..<n).map {
                SignedViewChange(sender: ReplicaID($0), viewChange: ViewChange(newView: view, stableSequence: start, stableDigest: state,
                                                                               prepared: [], prePrepared: []), signature: [])
            }
            let nv = NewView(view: view, viewChanges: vcs, checkpointProof: proof, startSequence: start, startDigest: state,
                             proposals: [])
            deliver(.consensus(from: leader, instance: instance, .newView(nv)), to: target)
        case (.hybrid, _):
            let v = ViewNumber(min(view.rawValue, CounterValue.maxView))
            let count = Int(rng.next() % 4)
            let decision = HybridDecision(view: v, startSequence: start, startDigest: state,
                                          proposals: (0..<count).map { _ in Payload.noop.digest })
            guard let nvValue = CounterValue(view: v, phase: .viewChange, sequence: SequenceNumber(1)),
                  let endValue = CounterValue(view: v, phase: .ordering, sequence: decision.end) else { return }
            let p = HybridNewViewProof(decision: decision,
                                       certificate: CounterCertificate(signer: primary(of: v, instance), value: nvValue,
                                                                       previous: nil, proof: []),
                                       proof: QuorumCertificate(value: endValue, proof: []))
            deliver(.consensus(from: leader, instance: instance, .hybrid(.newViewProof(p))), to: target)
        }
    }
}
