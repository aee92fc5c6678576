import Testing
@testable import DQBFTCore

/// Whole-entry eviction from a full client table: only entries idle past the
/// eviction age go, the floor rises above them, a replay of an evicted client's old
/// request is refused, and every replica refuses and evicts identically.
@Suite("Client table eviction")
struct ClientEvictionTests {
    static let a = ClientID(1), b = ClientID(2), c = ClientID(3)

    static func record(_ t: inout ClientTable, _ client: ClientID, _ timestamp: UInt64) {
        #expect(t.admission(client, timestamp: timestamp, epoch: t.floor) == .execute)
        t.record(client, timestamp: timestamp, request: Digest.of([UInt8(client.rawValue), UInt8(timestamp)]), reply: [1])
    }

    @Test("a full table evicts the entry idle longest, only past the eviction age, and refuses what an evicted client signed before")
    func evictsIdleEntries() {
        var t = ClientTable(capacity: 2, replyBudget: 1000, evictionAge: 2)
        Self.record(&t, Self.a, 1)  // recording 1
        Self.record(&t, Self.b, 1)  // recording 2
        // a went one recording without executing: too recent to evict.
        #expect(t.admission(Self.c, timestamp: 1, epoch: 0) == .refuse(.tableFull))
        Self.record(&t, Self.b, 2)  // recording 3: a is now two recordings idle
        #expect(t.admission(Self.c, timestamp: 1, epoch: 0) == .execute)
        Self.record(&t, Self.c, 1)
        #expect(t[Self.a] == nil && t.count == 2 && t.floor == 2)
        // A replay of a's old request, and a's new one still naming epoch 0: refused for good.
        #expect(t.admission(Self.a, timestamp: 1, epoch: 0) == .refuse(.staleEpoch(floor: 2)))
        #expect(t.admission(Self.a, timestamp: 9, epoch: 1) == .refuse(.staleEpoch(floor: 2)))
        // Re-signed with the floor: admitted once another entry is idle long enough.
        #expect(t.admission(Self.a, timestamp: 9, epoch: 2) == .refuse(.tableFull))
        Self.record(&t, Self.c, 2)
        Self.record(&t, Self.c, 3)  // b last recorded at 3, now 5
        Self.record(&t, Self.a, 9)
        #expect(t[Self.b] == nil && t.floor == 4 && t[Self.a]?.timestamp == 9)
        // Known clients are never refused for their epoch.
        #expect(t.admission(Self.c, timestamp: 4, epoch: 0) == .execute)
    }

    @Test("the floor is part of the digest and the encoding; a table that never evicted encodes as before")
    func floorIsReplicatedState() throws {
        var evicting = ClientTable(capacity: 2, replyBudget: 1000, evictionAge: 1)
        var roomy = ClientTable(capacity: 3, replyBudget: 1000, evictionAge: 1)
        for client in [Self.a, Self.b, Self.c] {
            Self.record(&evicting, client, 1)
            Self.record(&roomy, client, 1)
        }
        #expect(evicting.floor == 2 && roomy.floor == 0 && evicting.count == 2 && evicting[Self.a] == nil)
        var w = WireWriter(capacity: 256)
        evicting.encode(into: &w)
        var r = try WireReader(w.bytes)
        var copy = try ClientTable.decode(&r, capacity: 2, replyBudget: 1000, evictionAge: 1)
        #expect(copy.floor == 2 && copy.digest == evicting.digest)
        // The same entries and count without the floor: another digest.
        var bytes = w.bytes
        bytes[0] &= 0x7F
        bytes.removeSubrange(8..<16)
        var r2 = try WireReader(bytes)
        var unfloored = try ClientTable.decode(&r2, capacity: 2, replyBudget: 1000, evictionAge: 1)
        #expect(unfloored.floor == 0 && unfloored.count == 2 && unfloored.digest != evicting.digest)
        var plain = WireWriter(capacity: 256)
        roomy.encode(into: &plain)
        #expect(Array(plain.bytes.prefix(8)) == [0, 0, 0, 0, 0, 0, 0, 3])  // the recording count, no flag
    }

    @Test("every replica refuses a replayed request of an evicted client with the same floor, and executes its re-signed one")
    func replicasAgree() {
        var parameters = StateTransferTests.Bus.parameters
        parameters.maxClients = 2
        parameters.clientEvictionAge = 2
        var bus = StateTransferTests.Bus(.pbft)
        bus.replicas = (0..<4).map { StateTransferTests.Bus.fresh($0, .pbft, parameters: parameters) }
        func submit(_ request: ClientRequest) -> [ClientReply] {
            bus.replies.removeAll()
            var out: [ReplicaEffect] = []
            bus.replicas[0].handle(.request(request), into: &out)
            bus.post(out, from: 0)
            bus.run()
            return bus.replies.map(\.reply).filter { $0.client == request.client && $0.timestamp == request.timestamp }
        }
        let first = ClientRequest(client: Self.a, timestamp: 1, operation: [1])
        #expect(submit(first).count == 4)
        _ = submit(ClientRequest(client: Self.b, timestamp: 1, operation: [2]))
        _ = submit(ClientRequest(client: Self.b, timestamp: 2, operation: [2]))
        let cReplies = submit(ClientRequest(client: Self.c, timestamp: 1, operation: [3]))
        #expect(cReplies.count == 4 && cReplies.allSatisfy { $0.request != ClientRefusal.replyDigest })
        let replayed = submit(first)
        #expect(replayed.count == 4, "every replica answers the replay")
        #expect(replayed.allSatisfy { $0.request == ClientRefusal.replyDigest
                                      && ClientRefusal(result: $0.result) == .staleEpoch(floor: 2) })
        let digests = Set((0..<4).map { i -> Digest in var table = bus.replicas[i].clients; return table.digest })
        #expect(digests.count == 1 && bus.replicas[0].clients[Self.a] == nil)
    }

    @Test("refusals decode only from their own encoding")
    func refusalEncoding() {
        for refusal in [ClientRefusal.tableFull, .staleEpoch(floor: 0), .staleEpoch(floor: .max)] {
            #expect(ClientRefusal(result: refusal.encoded) == refusal)
        }
        #expect(ClientRefusal(result: []) == nil && ClientRefusal(result: [2, 0]) == nil && ClientRefusal(result: [1, 0]) == nil)
    }
}
