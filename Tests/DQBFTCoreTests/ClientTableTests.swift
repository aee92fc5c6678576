import Testing
@testable import DQBFTCore

/// The client table's bounds: its reply budget drops the oldest stored replies,
/// identically on every replica and across a state transfer.
@Suite("Client table")
struct ClientTableTests {
    static func reply(_ byte: UInt8, _ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }

    @Test("past the reply budget the oldest replies are dropped, deduplication stays, and the table's digest says so")
    func replyBudget() {
        var t = ClientTable(capacity: 10, replyBudget: 100)
        for c in 1...3 { t.record(ClientID(UInt64(c)), timestamp: 5, request: .zero, reply: Self.reply(UInt8(c), 40)) }
        #expect(t[ClientID(1)]?.replyDropped == true && t[ClientID(1)]?.reply == [])
        #expect(t[ClientID(2)]?.reply == Self.reply(2, 40) && t[ClientID(3)]?.reply == Self.reply(3, 40))
        #expect(t.storedReplyBytes == 80 && !t.executes(ClientID(1), timestamp: 5) && t.executes(ClientID(1), timestamp: 6))
        // Client 2 executes again: its new reply is the newest, so client 3's goes next.
        t.record(ClientID(2), timestamp: 6, request: .zero, reply: Self.reply(9, 30))
        t.record(ClientID(4), timestamp: 1, request: .zero, reply: Self.reply(4, 40))
        #expect(t[ClientID(3)]?.replyDropped == true && t[ClientID(2)]?.reply == Self.reply(9, 30))
        #expect(t.storedReplyBytes == 70)

        // A table without the drops has another digest; one built the same way has the same.
        var same = ClientTable(capacity: 10, replyBudget: 100)
        var unbounded = ClientTable(capacity: 10, replyBudget: 1000)
        for c in 1...3 {
            same.record(ClientID(UInt64(c)), timestamp: 5, request: .zero, reply: Self.reply(UInt8(c), 40))
            unbounded.record(ClientID(UInt64(c)), timestamp: 5, request: .zero, reply: Self.reply(UInt8(c), 40))
        }
        same.record(ClientID(2), timestamp: 6, request: .zero, reply: Self.reply(9, 30))
        unbounded.record(ClientID(2), timestamp: 6, request: .zero, reply: Self.reply(9, 30))
        same.record(ClientID(4), timestamp: 1, request: .zero, reply: Self.reply(4, 40))
        unbounded.record(ClientID(4), timestamp: 1, request: .zero, reply: Self.reply(4, 40))
        #expect(same.digest == t.digest && unbounded.digest != t.digest)
    }

    @Test("a decoded table (state transfer, snapshot) keeps the recording order and drops exactly what the original drops")
    func decodeKeepsOrder() throws {
        var t = ClientTable(capacity: 10, replyBudget: 100)
        for c in 1...3 { t.record(ClientID(UInt64(c)), timestamp: 5, request: Digest.of([UInt8(c)]), reply: Self.reply(UInt8(c), 40)) }
        var w = WireWriter(capacity: 512)
        t.encode(into: &w)
        var r = try WireReader(w.bytes)
        var copy = try ClientTable.decode(&r, capacity: 10, replyBudget: 100)
        #expect(copy.digest == t.digest && copy[ClientID(2)]?.request == Digest.of([2]))
        t.record(ClientID(5), timestamp: 1, request: .zero, reply: Self.reply(5, 40))
        copy.record(ClientID(5), timestamp: 1, request: .zero, reply: Self.reply(5, 40))
        #expect(copy[ClientID(2)]?.replyDropped == true && copy[ClientID(3)]?.replyDropped == false)
        #expect(copy.digest == t.digest)
        // A table over the receiver's budget is refused.
        var r2 = try WireReader(w.bytes)
        #expect(throws: WireError.self) { try ClientTable.decode(&r2, capacity: 10, replyBudget: 50) }
    }

    @Test("a retransmission whose reply was dropped gets no answer; one still held gets its reply", arguments: [0, 1 << 20])
    func droppedReplyIsNotAnswered(budget: Int) {
        var parameters = StateTransferTests.Bus.parameters
        parameters.maxStoredReplyBytes = budget
        var bus = StateTransferTests.Bus(.pbft)
        bus.replicas = (0..<4).map {
            Replica(me: ReplicaID(UInt16($0)), config: StateTransferTests.Bus.config, parameters: parameters, protocol: .pbft,
                    signer: DigestSigner(me: ReplicaID(UInt16($0))))
        }
        let request = ClientRequest(client: ClientID(1), timestamp: 1, operation: [1])
        var out: [ReplicaEffect] = []
        bus.replicas[0].handle(.request(request), into: &out)
        bus.post(out, from: 0)
        bus.run()
        #expect(bus.replicas[0].lastExecuted >= SequenceNumber(1))
        #expect(bus.replicas[0].clients[request.client]?.replyDropped == (budget == 0))
        out.removeAll()
        bus.replicas[0].handle(.request(request), into: &out)
        let answered = out.contains { if case .reply(let r) = $0 { r.request == request.digest } else { false } }
        #expect(answered == (budget > 0))
    }
}
