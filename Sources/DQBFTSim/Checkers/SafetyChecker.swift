import DQBFTCore

/// Checks safety as the run goes: every correct replica executes the same batch
/// at every slot (so their executed logs are prefixes of one another), and every
/// correct replica returns the same result for the same client request; and no
/// correct replica accepts a certificate a Byzantine replica forged (`Relabel`).
///
/// Guarantees: any disagreement is recorded with the slot or request and the
/// replicas involved; faulty replicas (Byzantine or crashed for good) are exempt.
struct SafetyChecker {
    let faulty: Set<ReplicaID>
    /// First digest executed at each slot by a correct replica.
    var decided: [SequenceNumber: Digest] = [:]
    /// Result of the newest request of each client, as first seen from a correct
    /// replica, by client id (dense from 1; timestamp 0: none seen yet).
    var results: [(timestamp: UInt64, result: [UInt8])] = []
    var violations: [String] = []
    var executedSlots = 0

    init(faulty: Set<ReplicaID>) { self.faulty = faulty }

    mutating func executed(replica: ReplicaID, sequence: SequenceNumber, digest: Digest) {
        guard !faulty.contains(replica) else { return }
        executedSlots += 1
        if let d = decided[sequence] {
            if d != digest, violations.count < 20 {
                violations.append("slot \(sequence.rawValue): \(replica) executed \(digest), another correct replica \(d)")
            }
        } else {
            decided[sequence] = digest
        }
    }

    mutating func reply(client: ClientID, timestamp: UInt64, result: [UInt8]) {
        let id = Int(client.rawValue)
        if id >= results.count { results.append(contentsOf: repeatElement((timestamp: UInt64(0), result: [UInt8]()), count: id + 1 - results.count)) }
        if results[id].timestamp == timestamp {
            if results[id].result != result, violations.count < 20 {
                violations.append("client \(client) request \(timestamp): correct replicas replied differently")
            }
        } else {
            results[id] = (timestamp, result)
        }
    }

    /// A correct replica accepted a certificate a Byzantine replica forged.
    mutating func forgeryAccepted(_ what: String) {
        if violations.count < 20 { violations.append(what) }
    }

    var ok: Bool { violations.isEmpty }
}
