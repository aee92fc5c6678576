import DQBFTCore

/// Checks safety as the run goes: what correct replicas must agree on, and what no
/// correct replica may accept:
/// - the batch digest executed at every slot (so executed logs are prefixes of one
///   another);
/// - the state digest of every checkpoint taken (application state, client table
///   and execution frontier after the same slot), and at the end of the run the
///   state digest of every correct replica against every other that executed the
///   same number of slots (`finish`);
/// - the result of every reply a correct replica sends for a client request (or
///   that an execution proof vouches for), not only the one the client accepts;
/// - no correct replica accepts a certificate a Byzantine replica forged
///   (`Relabel`).
///
/// Guarantees: any disagreement is recorded (the first `maxViolations`) naming the
/// slot or checkpoint, the replicas, or the client and timestamp; replicas that are
/// Byzantine or crashed for good are exempt. Memory is bounded per client: replies
/// are compared within a window of the client's `replyWindow` newest answered
/// timestamps; a reply for an older timestamp (a late copy of an answer whose
/// client moved on by more than `replyWindow` requests) is not compared, and is
/// counted in `repliesOutsideWindow`.
struct SafetyChecker {
    let faulty: Set<ReplicaID>
    /// Violations kept (a broken run would otherwise record one per slot).
    static let maxViolations = 20
    /// Timestamps remembered per client for comparing replies.
    static let replyWindow = 4
    /// First digest executed at each slot by a correct replica.
    var decided: [SequenceNumber: Digest] = [:]
    /// First state digest of each checkpoint taken by a correct replica, with that replica.
    var checkpoints: [SequenceNumber: (replica: ReplicaID, digest: Digest)] = [:]
    /// Per client id (dense from 1), `replyWindow` entries at `id * replyWindow`:
    /// a timestamp answered (0: free), the first correct replica that answered it
    /// and its result.
    var replyTimestamps: [UInt64] = []
    var replyFrom: [ReplicaID] = []
    var replyResults: [[UInt8]] = []
    /// Replies for a timestamp older than every one kept for their client.
    var repliesOutsideWindow = 0
    var violations: [String] = []
    var executedSlots = 0

    init(faulty: Set<ReplicaID>) { self.faulty = faulty }

    mutating func violation(_ s: String) {
        if violations.count < Self.maxViolations { violations.append(s) }
    }

    mutating func executed(replica: ReplicaID, sequence: SequenceNumber, digest: Digest) {
        guard !faulty.contains(replica) else { return }
        executedSlots += 1
        if let d = decided[sequence] {
            if d != digest {
                let message = "slot \(sequence.rawValue): \(replica) executed batch \(digest), another correct replica \(d)"
                violation(message)
            }
        } else {
            decided[sequence] = digest
        }
    }

    /// A correct replica took a checkpoint after executing `sequence`.
    mutating func checkpointed(replica: ReplicaID, sequence: SequenceNumber, stateDigest: Digest) {
        guard !faulty.contains(replica) else { return }
        if let first = checkpoints[sequence] {
            if first.digest != stateDigest {
                let message = "checkpoint \(sequence.rawValue): \(replica) has state \(stateDigest), \(first.replica) has \(first.digest)"
                violation(message)
            }
        } else {
            checkpoints[sequence] = (replica, stateDigest)
        }
    }

    /// A correct replica accepted a certificate a Byzantine replica forged.
    mutating func forgeryAccepted(_ what: String) {
        violation(what)
    }

    /// A reply for `client`'s request `timestamp` from a correct replica (or proven
    /// by an execution proof, `replica` being its sender).
    mutating func reply(client: ClientID, timestamp: UInt64, result: [UInt8], from replica: ReplicaID) {
        let base = Int(client.rawValue) * Self.replyWindow
        if base >= replyTimestamps.count {
            let grow = base + Self.replyWindow - replyTimestamps.count
            replyTimestamps.append(contentsOf: repeatElement(0, count: grow))
            replyFrom.append(contentsOf: repeatElement(ReplicaID(0), count: grow))
            replyResults.append(contentsOf: repeatElement([], count: grow))
        }
        var oldest = base
        for k in base..<(base + Self.replyWindow) {
            if replyTimestamps[k] == timestamp {
                if replyResults[k] != result {
                    let message = "client \(client.rawValue) request \(timestamp): \(replica) replied \(Self.hex(result)), "
                        + "\(replyFrom[k]) replied \(Self.hex(replyResults[k]))"
                    violation(message)
                }
                return
            }
            if replyTimestamps[k] < replyTimestamps[oldest] { oldest = k }
        }
        guard timestamp > replyTimestamps[oldest] else {
            repliesOutsideWindow += 1
            return
        }
        replyTimestamps[oldest] = timestamp
        replyFrom[oldest] = replica
        replyResults[oldest] = result
    }

    /// At the end of the run: the state digest of each correct replica with the
    /// number of slots it executed. Replicas at the same slot must agree.
    mutating func finish(states: [(replica: ReplicaID, executed: SequenceNumber, digest: Digest)]) {
        var first: [SequenceNumber: (replica: ReplicaID, digest: Digest)] = [:]
        for s in states where !faulty.contains(s.replica) {
            if let f = first[s.executed] {
                if f.digest != s.digest {
                    let message = "end of run, \(s.executed.rawValue) slots executed: \(s.replica) has state \(s.digest), "
                        + "\(f.replica) has \(f.digest)"
                    violation(message)
                }
            } else {
                first[s.executed] = (s.replica, s.digest)
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(16).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return "0x" + shown.joined() + (bytes.count > 16 ? "…(\(bytes.count) bytes)" : "")
    }

    var ok: Bool { violations.isEmpty }
}
