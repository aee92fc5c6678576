import DQBFTCore

/// How a Byzantine replica deviates. Implemented as wrappers around an honest core:
/// they rewrite or drop what the honest core asks to send.
public enum ByzantineBehaviour: Hashable, Sendable, CustomStringConvertible {
    /// Sends nothing at all.
    case silent
    /// As primary, sends conflicting proposals to the two halves of the replicas;
    /// as backup, sends conflicting votes to the two halves.
    case equivocate
    /// Drops every message to the listed replicas (default: the upper half).
    case dropTo([ReplicaID])
    /// Delays everything it sends by `delayNanos` (just under the timeouts).
    case slow(delayNanos: UInt64)
    /// As a coordinator or primary, sends each proposal only to a quorum (itself
    /// and the 2f lowest other replicas), withholding it from the rest.
    case withhold
    /// As the DQ O-primary, colludes with coordinator `partner`: every O-proposal
    /// also orders a slot of `partner`'s D-instance that was never disseminated.
    case collude(partner: ReplicaID)
    /// Hybrid protocols: sends commit, NEW-VIEW and execution shares that do not
    /// verify (optimistic aggregation must fall back and name it).
    case badShares
    /// Hybrid protocols, as a collector: broadcasts aggregates that do not verify
    /// and replies to clients with forged execution proofs.
    case lyingCollector
    /// Hybrid protocols, as a collector: combines but never sends the commit and
    /// execution certificates (replicas and clients must turn to another collector).
    case withholdProofs
    /// Hybrid protocols: passes off other replicas' view changes, commit shares,
    /// NEW-VIEW acknowledgements and execution shares as its own (`Relabel`).
    case relabel
    /// Sends small mutations of its own messages (views and sequence numbers one or
    /// far off, flipped digest bits, changed counter values and certificates), now
    /// and then twice or to another replica too, from a generator seeded by the run's
    /// seed (see `Fuzz`).
    case fuzz

    public static func parse(_ s: String, replicas: Int) throws -> ByzantineBehaviour {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "silent": return .silent
        case "equivocate": return .equivocate
        case "withhold": return .withhold
        case "bad-shares": return .badShares
        case "lying-collector": return .lyingCollector
        case "withhold-proofs": return .withholdProofs
        case "relabel": return .relabel
        case "fuzz": return .fuzz
        case "collude":
            guard parts.count > 1, let p = Int(parts[1]), p >= 0, p < replicas else {
                throw SimulationError.invalidArgument("collude needs a partner replica: collude=ID")
            }
            return .collude(partner: ReplicaID(p))
        case "slow": return .slow(delayNanos: parts.count > 1 ? UInt64((Double(parts[1]) ?? 0.3) * 1e9) : 300_000_000)
        case "drop-to":
            if parts.count > 1 {
                let ids = try parts[1].split(separator: "/").map { p -> ReplicaID in
                    guard let v = Int(p), v >= 0, v < replicas else { throw SimulationError.invalidArgument("bad replica id \(p) in drop-to") }
                    return ReplicaID(v)
                }
                return .dropTo(ids)
            }
            return .dropTo((replicas / 2 ..< replicas).map { ReplicaID($0) })
        default:
            throw SimulationError.invalidArgument(
                "unknown Byzantine behaviour '\(s)' (silent, equivocate, drop-to[=A/B], slow[=SECONDS], withhold, collude=ID, "
                    + "bad-shares, lying-collector, withhold-proofs, relabel, fuzz)")
        }
    }

    public var description: String {
        switch self {
        case .silent: return "silent"
        case .equivocate: return "equivocate"
        case .dropTo(let ids): return "drop-to=" + ids.map { String($0.rawValue) }.joined(separator: "/")
        case .slow(let ns): return "slow=\(Double(ns) / 1e9)"
        case .withhold: return "withhold"
        case .collude(let p): return "collude=\(p.rawValue)"
        case .badShares: return "bad-shares"
        case .lyingCollector: return "lying-collector"
        case .withholdProofs: return "withhold-proofs"
        case .relabel: return "relabel"
        case .fuzz: return "fuzz"
        }
    }
}

/// One injected fault at a virtual time.
public enum Fault: Hashable, Sendable {
    /// The replica's process stops: it receives, sends and times nothing. What it
    /// comes back with depends on what follows (`restart` or `resume`).
    case crash(ReplicaID)
    /// A crashed replica starts again as a real process does, from nothing but its
    /// durable log: a core built from genesis re-learns the messages it sent
    /// (`Replica.restore(sent:)`), hybrid replicas keep their sealed trusted
    /// subsystem (its counters), and the executed state comes from peers by state
    /// transfer. Everything else it held in memory is lost.
    case restart(ReplicaID)
    /// A crashed replica carries on with its memory intact, as if it had been
    /// paused (`--pause ID@T-T2`): not what a real crash does.
    case resume(ReplicaID)
    /// Splits the replicas into groups that cannot talk across; clients reach all.
    case partition([[ReplicaID]])
    case heal
    /// Multiplies a replica's CPU costs (1 = normal speed).
    case slowCPU(ReplicaID, factor: Double)
    /// Restarts a crashed replica (as `restart`) from a rolled-back copy of its
    /// trusted-counter state; the trusted subsystem detects it and refuses to
    /// certify anything.
    case restartRolledBack(ReplicaID)
}

/// Everything that goes wrong in a run, fixed before it starts.
///
/// Guarantees: `healTime` is when the last transient fault ends; replicas that are
/// Byzantine or crashed without restart count against f.
public struct FaultSchedule: Hashable, Sendable {
    public var events: [(time: SimTime, fault: Fault)] = []
    public var byzantine: [ReplicaID: ByzantineBehaviour] = [:]
    public var lossProbability: Double = 0
    public var jitterNanos: UInt64 = 0

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.events.map { "\($0.time)\($0.fault)" } == b.events.map { "\($0.time)\($0.fault)" } && a.byzantine == b.byzantine
            && a.lossProbability == b.lossProbability && a.jitterNanos == b.jitterNanos
    }
    public func hash(into h: inout Hasher) { h.combine(events.count); h.combine(lossProbability) }

    /// When the last crash-restart, partition or slowdown has ended.
    public var healTime: SimTime {
        var t: SimTime = 0
        var down: Set<ReplicaID> = []
        for (time, fault) in events.sorted(by: { $0.time < $1.time }) {
            switch fault {
            case .crash(let r): down.insert(r)
            case .restart(let r), .resume(let r), .restartRolledBack(let r): down.remove(r); t = max(t, time)
            case .heal: t = max(t, time)
            case .partition, .slowCPU: t = max(t, time)
            }
        }
        return t
    }

    /// Replicas that are faulty for the whole run's checks: Byzantine ones, those
    /// that crash and never come back, and those restarted from a rolled-back
    /// trusted subsystem (it refuses every certification from then on, whatever
    /// follows: a pause that ends later does not make such a replica correct).
    public var permanentlyFaulty: Set<ReplicaID> {
        var down: Set<ReplicaID> = []
        var rolledBack: Set<ReplicaID> = []
        for (_, fault) in events.sorted(by: { $0.time < $1.time }) {
            if case .crash(let r) = fault { down.insert(r) }
            if case .restart(let r) = fault { down.remove(r) }
            if case .resume(let r) = fault { down.remove(r) }
            if case .restartRolledBack(let r) = fault { rolledBack.insert(r) }
        }
        return down.union(rolledBack).union(byzantine.keys)
    }
}
