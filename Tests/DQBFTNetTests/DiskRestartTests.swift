import Testing
@testable import DQBFTCore
@testable import DQBFTNet

/// Four replica cores that keep on "disk" exactly what the runtime keeps: the log
/// records `ReplicaLoop` writes (sent votes, proposals, checkpoints, view changes,
/// with their pins), the checkpoint snapshot it writes at each stable checkpoint
/// (`CheckpointSnapshot`, with `Composition.stableProofs`), and the log records
/// that snapshot releases deleted (record by record: the most the pins allow; the
/// runtime deletes whole segments, so it keeps at least this much). A full restart
/// rebuilds every core the way `ReplicaService.start` does. Messages are delivered
/// synchronously in order; timers fire only when the test fires them, in the order
/// they were set; a message the `held` filter matches waits until `release()`.
struct DiskCluster {
    static let n = 4
    static let config = ClusterConfiguration(replicas: n, faultModel: .byzantine)

    let kind: ProtocolKind
    let parameters: ReplicaParameters
    var replicas: [Replica] = []
    var logs: [[(record: [UInt8], pin: LogPin)]] = Array(repeating: [], count: n)
    var viewRecords: [[InstanceID: [UInt8]]] = Array(repeating: [:], count: n)
    var snapshots: [[UInt8]?] = Array(repeating: nil, count: n)
    var snapshotSequence: [SequenceNumber] = Array(repeating: .zero, count: n)
    var queue: [(from: Int, to: Int, message: WireMessage)] = []
    var head = 0
    var heldMessages: [(from: Int, to: Int, message: WireMessage)] = []
    var held: (WireMessage) -> Bool = { _ in false }
    var timers: [[ReplicaTimer]] = Array(repeating: [], count: n)
    /// Least distance between two snapshots (the runtime takes one at most every
    /// `snapshotIntervalMs`, so its newest snapshot can trail the stable checkpoint),
    /// unless one is owed (`ReplicaLoop.outlivesSnapshot`).
    var snapshotSpacing: UInt64 = 1
    var restorableLows: [[UInt16: UInt64]] = Array(repeating: [:], count: n)
    var snapshotOwed = Array(repeating: false, count: n)
    /// Whether owed snapshots are taken at once, as `ReplicaLoop` does (false: only by spacing).
    var snapshotsWhenOwed = true
    /// Per (client, timestamp), each replica's reply.
    var replies: [ClientID: [UInt64: [ReplicaID: [UInt8]]]] = [:]

    init(_ kind: ProtocolKind, parameters: ReplicaParameters) {
        self.kind = kind
        self.parameters = parameters
        replicas = (0..<Self.n).map { fresh($0) }
    }

    func fresh(_ i: Int) -> Replica {
        Replica(me: ReplicaID(UInt16(i)), config: Self.config, parameters: parameters, protocol: kind,
                signer: LogReplayTests.Signer(me: ReplicaID(UInt16(i))))
    }

    /// What `ReplicaLoop.process` does with one core call's effects: log, snapshot, send.
    mutating func post(_ effects: [ReplicaEffect], from i: Int) {
        let me = ReplicaID(UInt16(i))
        for effect in effects {
            switch effect {
            case .send(let m, let to):
                guard to.index < Self.n, to != me else { continue }
                if Replica.mustPersist(m) { log(m, ReplicaLoop.sentRecord(m.encode(), to: to), at: i) }
                queue.append((i, to.index, m))
            case .broadcast(let m):
                if Replica.mustPersist(m) { log(m, ReplicaLoop.sentRecord(m.encode(), to: nil), at: i) }
                for j in 0..<Self.n where j != i { queue.append((i, j, m)) }
            case .persist(let m):
                log(m, ReplicaLoop.sentRecord(m.encode(), to: me), at: i)
            case .reply(let r):
                replies[r.client, default: [:]][r.timestamp, default: [:]][r.replica] = r.result
            case .setTimer(let t, _):
                timers[i].removeAll { $0 == t }
                timers[i].append(t)
            case .cancelTimer(let t):
                timers[i].removeAll { $0 == t }
            default: break
            }
        }
        snapshotStableCheckpoint(i)
    }

    mutating func log(_ m: WireMessage, _ record: [UInt8], at i: Int) {
        let pin = ReplicaLoop.pin(of: m)
        logs[i].append((record, pin))
        if ReplicaLoop.outlivesSnapshot(pin, restorable: restorableLows[i], window: parameters.pbft.windowSize) {
            snapshotOwed[i] = snapshotsWhenOwed
        }
        if let instance = ReplicaLoop.viewInstance(of: m) { viewRecords[i][instance] = record }
    }

    /// `ReplicaLoop.snapshotStableCheckpoint` once the stable checkpoint moved by
    /// `snapshotSpacing` or a snapshot is owed, followed by the rotation that releases records.
    mutating func snapshotStableCheckpoint(_ i: Int) {
        let replica = replicas[i]
        let stable = replica.composition.stableState.sequence
        guard stable.rawValue >= snapshotSequence[i].rawValue + snapshotSpacing || snapshotOwed[i],
              let encode = replica.checkpointStateEncoder(at: stable) else { return }
        snapshotSequence[i] = stable
        snapshotOwed[i] = false
        let proofs = replica.composition.stableProofs
        restorableLows[i] = ReplicaLoop.certifiedLows(proofs)
        snapshots[i] = CheckpointSnapshot(state: encode(), certificates: proofs).encode()
        var marks: [UInt16: UInt64] = [:]
        for (instance, seq) in replica.composition.lowWatermarks { marks[instance.rawValue] = seq.rawValue }
        marks[ReplicaLoop.executionPinKey] = stable.rawValue
        var hold = SegmentHold()
        logs[i].removeAll { entry in
            hold = SegmentHold()
            hold.add(entry.pin)
            return entry.pin == .none || (entry.pin != .permanent && hold.isReleased(by: marks))
        }
        for instance in viewRecords[i].keys.sorted() { logs[i].append((viewRecords[i][instance]!, .none)) }
    }

    mutating func run(limit: Int = 2_000_000) {
        var steps = 0
        while head < queue.count, steps < limit {
            let (from, to, m) = queue[head]
            head += 1
            steps += 1
            if held(m) { heldMessages.append((from, to, m)); continue }
            var out: [ReplicaEffect] = []
            replicas[to].handle(m, into: &out)
            post(out, from: to)
        }
        queue.removeFirst(head)
        head = 0
    }

    /// Delivers the held messages and stops holding.
    mutating func release() {
        held = { _ in false }
        queue.append(contentsOf: heldMessages)
        heldMessages = []
        run()
    }

    mutating func request(_ r: ClientRequest) {
        var out: [ReplicaEffect] = []
        replicas[r.assignedReplica.index].handle(.request(r), into: &out)
        post(out, from: r.assignedReplica.index)
        run()
    }

    /// Fires, on every replica, the timers set now that `which` selects, in the order they were set.
    mutating func fire(_ which: (ReplicaTimer) -> Bool = { _ in true }) {
        for i in 0..<Self.n {
            for t in timers[i] where which(t) && timers[i].contains(t) {
                timers[i].removeAll { $0 == t }
                var out: [ReplicaEffect] = []
                replicas[i].timerFired(t, into: &out)
                post(out, from: i)
                run()
            }
        }
    }

    /// The result f+1 replicas agree on for `(client, timestamp)`, if any.
    func agreed(_ client: ClientID, _ timestamp: UInt64) -> [UInt8]? {
        let results = Array((replies[client]?[timestamp] ?? [:]).values)
        return results.first { r in results.count { $0 == r } >= Self.config.weakQuorum }
    }

    /// kill -9 of every replica, then `ReplicaService.start` on the same data: the
    /// log replayed into a fresh core, the snapshot installed, `recover`.
    mutating func restartAll() throws {
        queue = []
        head = 0
        heldMessages = []
        timers = Array(repeating: [], count: Self.n)
        for i in 0..<Self.n {
            var replica = fresh(i)
            _ = ReplicaService.restore(&replica, from: logs[i].map(\.record))
            var out: [ReplicaEffect] = []
            if let bytes = snapshots[i] {
                let snapshot = try CheckpointSnapshot.decode(bytes)
                #expect(replica.restore(snapshot: snapshot.state, certificates: snapshot.certificates, into: &out))
            }
            replicas[i] = replica
            snapshotSequence[i] = replica.lastExecuted
            restorableLows[i] = ReplicaLoop.certifiedLows(replica.composition.stableProofs)
            snapshotOwed[i] = false
            replica.recover(into: &out)
            replicas[i] = replica
            post(out, from: i)
        }
        run()
    }
}

@Suite("A full restart from snapshot and log, cores only")
struct DiskRestartTests {
    static func put(_ k: Int, client: UInt64, at replica: Int) -> ClientRequest {
        ClientRequest(client: ClientID(client), timestamp: 1, assignedReplica: ReplicaID(UInt16(replica)),
                      operation: KeyValueOperation.put(key: Array("k\(k)".utf8), value: Array("v\(k)".utf8)).encode())
    }

    static func isCheckpoint(_ m: WireMessage) -> Bool {
        if case .consensus(_, _, .checkpoint) = m { return true }
        return false
    }

    /// `writes` puts through one coordinator's instance, a restart of every replica
    /// from snapshot and log, then the instances' own timers (DQ: the D-instances')
    /// before any checkpoint vote arrives (they are held back here; on a loaded
    /// machine they are merely late), then everything else; then every acknowledged
    /// write is read back. Returns the writes lost and the reads never answered.
    static func restartScenario(_ kind: ProtocolKind, coordinator: Int, spacing: UInt64, snapshotsWhenOwed: Bool = true)
        throws -> (lost: [Int], unanswered: [Int]) {
        let parameters = ReplicaParameters(batchSize: 1, pbft: PBFTParameters(checkpointInterval: 4, windowSize: 16))
        var cluster = DiskCluster(kind, parameters: parameters)
        cluster.snapshotSpacing = spacing
        cluster.snapshotsWhenOwed = snapshotsWhenOwed
        let writes = 30
        for k in 0..<writes { cluster.request(Self.put(k, client: UInt64(100 + k), at: coordinator)) }
        let acknowledged = (0..<writes).filter { cluster.agreed(ClientID(UInt64(100 + $0)), 1) == KeyValueResult.ok }
        #expect(acknowledged.count == writes)

        cluster.held = Self.isCheckpoint
        try cluster.restartAll()
        for _ in 0..<3 {
            cluster.fire {
                guard case .instance(let id, _) = $0 else { return false }
                return !kind.isDQ || id != .main
            }
        }
        cluster.release()
        // Clients go on writing through the same coordinator; everything else runs its course.
        for k in writes..<(writes + 4) { cluster.request(Self.put(k, client: UInt64(100 + k), at: coordinator)) }
        for _ in 0..<20 { cluster.fire() }

        var lost: [Int] = []
        var unanswered: [Int] = []
        for k in acknowledged {
            let get = ClientRequest(client: ClientID(UInt64(100 + k)), timestamp: 2, assignedReplica: ReplicaID(UInt16(coordinator)),
                                    operation: KeyValueOperation.get(key: Array("k\(k)".utf8)).encode())
            cluster.request(get)
            for _ in 0..<10 where cluster.agreed(get.client, 2) == nil { cluster.fire() }
            guard let result = cluster.agreed(get.client, 2) else { unanswered.append(k); continue }
            if result != KeyValueResult.value(Array("v\(k)".utf8)[...]) { lost.append(k) }
        }
        return (lost, unanswered)
    }

    /// The CI failure of FullRestartTests (DQPBFT lost a lane's last four
    /// acknowledged writes) with snapshots at every stable checkpoint (spacing 1): a
    /// D-instance restored at genesis while its votes lay above its old window.
    /// With snapshots trailing by a window (spacing 16, the 200 ms interval under
    /// load): the votes of any instance beyond its snapshot's window.
    @Test("every acknowledged write survives a full restart followed at once by view changes",
          arguments: [(ProtocolKind.dqpbft, 2, 1), (.dqpbft, 2, 16), (.pbft, 0, 16), (.rcc, 1, 16)] as [(ProtocolKind, Int, UInt64)])
    func acknowledgedWritesSurvive(kind: ProtocolKind, coordinator: Int, spacing: UInt64) throws {
        let (lost, unanswered) = try Self.restartScenario(kind, coordinator: coordinator, spacing: spacing)
        #expect(lost.isEmpty, "acknowledged writes lost after the full restart: \(lost)")
        #expect(unanswered.isEmpty, "reads not answered after the full restart: \(unanswered)")
    }

    /// The oracle can fail: the scenario does reach the hazard. Without the snapshot
    /// that a vote beyond its window makes due (`ReplicaLoop.outlivesSnapshot`),
    /// snapshots trailing by a window lose the D-slots that committed last.
    @Test("without owed snapshots, trailing snapshots lose acknowledged writes")
    func trailingSnapshotsLoseWrites() throws {
        let (lost, _) = try Self.restartScenario(.dqpbft, coordinator: 2, spacing: 16, snapshotsWhenOwed: false)
        #expect(!lost.isEmpty)
    }
}
