import DQBFTCore

/// Who may hold one of a replica's inbound connections. A connection is first
/// *pending* (accepted, handshake not done), then a *replica* or a *client*
/// connection, each class with its own slots:
/// - pending: at most `maxPending` (they time out after the handshake timeout), plus
///   `2 × (n − 1)` pending slots only for connections from a replica's configured
///   host (an IP literal in the cluster file), so handshakes held open from other
///   addresses never keep a peer replica from starting its handshake;
/// - replicas: `2 × (n − 1)` slots reserved for the other replicas, two each (so a
///   restarted peer is admitted while its old connection is still being torn down);
///   a third authenticated connection of one replica evicts its oldest (a connection
///   left half-open by a peer's power loss never locks that peer out);
/// - clients: the rest of `maxConnections`, and at most `maxPerClientKey` per
///   client key (a key's ids route to one connection at a time anyway);
/// - per source address other than the replicas' hosts: at most `maxPerSource`
///   pending and client connections together, so one address cannot take every
///   client slot with keys it mints for free.
///
/// Guarantees: thread-safe; pending + replica + client connections never exceed
/// `maxConnections`; however many client connections (idle or not) are open, a
/// replica whose handshake succeeds gets a slot; a replica connecting from its
/// configured host always finds a pending slot unless others from that same host
/// hold them (from a shared host, an attacker holding `maxPending` handshakes open
/// delays it by at most the handshake timeout per attempt, and the peer keeps
/// retrying); `close` frees whichever slot the connection held.
public final class ConnectionAdmission: Sendable {
    public enum Slot: Hashable, Sendable {
        case pending
        case pendingFromReplicaHost
        case replica(ReplicaID)
        case client(key: [UInt8])
    }

    public let maxConnections: Int
    public let maxPending: Int
    public let maxReplicaConnections: Int
    public let maxClientConnections: Int
    public let maxPerClientKey: Int
    /// Addresses replicas connect from (their configured hosts).
    public let replicaHosts: Set<String>
    public let maxPerSource: Int

    struct Counts {
        var slots: [ObjectIdentifier: Slot] = [:]
        var pending = 0
        var pendingFromReplicaHosts = 0
        var replicas = 0
        var clients = 0
        /// Per replica, its connections, oldest first.
        var perReplica: [ReplicaID: [ObjectIdentifier]] = [:]
        var perKey: [[UInt8]: Int] = [:]
        /// Connections counted against their source address (not from replica hosts).
        var sourceOf: [ObjectIdentifier: String] = [:]
        var perSource: [String: Int] = [:]
    }
    let counts = LockedBox(Counts())

    /// `maxPending` 0 = a quarter of `maxConnections`; `maxPerSource`
    ///   0 = an eighth of `maxConnections`.
    public init(maxConnections: Int, replicaCount n: Int, maxPending: Int = 0, maxPerClientKey: Int = 4,
                maxPerSource: Int = 0, replicaHosts: Set<String> = []) {
        let replicaSlots = 2 * max(0, n - 1)
        let pending = maxPending > 0 ? maxPending : max(1, maxConnections / 4)
        precondition(maxConnections > 2 * replicaSlots + pending, "maxConnections must exceed the replica and pending slots")
        precondition(maxPerClientKey >= 1)
        self.maxConnections = maxConnections
        self.maxPending = pending
        self.maxReplicaConnections = replicaSlots
        self.maxClientConnections = maxConnections - 2 * replicaSlots - pending
        self.maxPerClientKey = maxPerClientKey
        self.replicaHosts = replicaHosts
        self.maxPerSource = maxPerSource > 0 ? maxPerSource : max(1, maxConnections / 8)
    }

    /// A connection from `remote` (its IP address) was accepted: whether it gets a
    /// pending slot (else close it).
    public func accept(_ id: ObjectIdentifier, remote: String?) -> Bool {
        counts.withLock { c in
            let counted = remote.flatMap { replicaHosts.contains($0) ? nil : $0 }
            if c.pending < maxPending {
                if let counted {
                    guard c.perSource[counted, default: 0] < maxPerSource else { return false }
                    c.perSource[counted, default: 0] += 1
                    c.sourceOf[id] = counted
                }
                c.pending += 1
                c.slots[id] = .pending
                return true
            }
            guard let remote, replicaHosts.contains(remote), c.pendingFromReplicaHosts < maxReplicaConnections else { return false }
            c.pendingFromReplicaHosts += 1
            c.slots[id] = .pendingFromReplicaHost
            return true
        }
    }

    public enum Decision: Equatable, Sendable {
        /// Keep the connection; close `evict` (an older connection of the same replica) if set.
        case admitted(evict: ObjectIdentifier?)
        /// Close the connection.
        case refused
    }

    /// The connection's handshake authenticated `peer` (a client with `clientKey`):
    /// whether it keeps a slot (its pending slot is freed either way).
    public func authenticated(_ id: ObjectIdentifier, peer: PeerIdentity, clientKey: [UInt8]?) -> Decision {
        counts.withLock { c in
            switch c.slots.removeValue(forKey: id) {
            case .pending: c.pending -= 1
            case .pendingFromReplicaHost: c.pendingFromReplicaHosts -= 1
            default: return .refused
            }
            switch peer {
            case .replica(let r):
                var evict: ObjectIdentifier?
                if c.perReplica[r, default: []].count >= 2 {
                    evict = c.perReplica[r]!.removeFirst()
                    c.slots[evict!] = nil
                    c.replicas -= 1
                }
                guard c.replicas < maxReplicaConnections else { return .refused }
                c.replicas += 1
                c.perReplica[r, default: []].append(id)
                c.slots[id] = .replica(r)
                return .admitted(evict: evict)
            case .client:
                let key = clientKey ?? []
                guard c.clients < maxClientConnections, c.perKey[key, default: 0] < maxPerClientKey else { return .refused }
                c.clients += 1
                c.perKey[key, default: 0] += 1
                c.slots[id] = .client(key: key)
                return .admitted(evict: nil)
            }
        }
    }

    /// The connection closed: frees its slot.
    public func close(_ id: ObjectIdentifier) {
        counts.withLock { c in
            if let source = c.sourceOf.removeValue(forKey: id) {
                c.perSource[source, default: 1] -= 1
                if c.perSource[source] == 0 { c.perSource[source] = nil }
            }
            switch c.slots.removeValue(forKey: id) {
            case .pending: c.pending -= 1
            case .pendingFromReplicaHost: c.pendingFromReplicaHosts -= 1
            case .replica(let r):
                c.replicas -= 1
                c.perReplica[r]?.removeAll { $0 == id }
                if c.perReplica[r]?.isEmpty == true { c.perReplica[r] = nil }
            case .client(let key):
                c.clients -= 1
                c.perKey[key, default: 1] -= 1
                if c.perKey[key] == 0 { c.perKey[key] = nil }
            case nil: break
            }
        }
    }

    /// Connections holding a slot now: (pending, replicas, clients).
    public var occupancy: (pending: Int, replicas: Int, clients: Int) {
        counts.withLock { ($0.pending + $0.pendingFromReplicaHosts, $0.replicas, $0.clients) }
    }
}
