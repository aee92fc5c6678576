import Testing
@testable import DQBFTCore

/// A reply names the request it answers, so a client that reused a timestamp for
/// another command is never handed the cached result of the first.
@Suite("Replies name their request")
struct ReplyDigestTests {
    @Test("a retransmission with the same timestamp but another operation is answered with the executed request's digest",
          arguments: [ProtocolKind.pbft, .dqpbft])
    func reusedTimestamp(_ kind: ProtocolKind) {
        var bus = StateTransferTests.Bus(kind)
        let first = ClientRequest(client: ClientID(1), timestamp: 1, operation: [1])
        var out: [ReplicaEffect] = []
        bus.replicas[0].handle(.request(first), into: &out)
        bus.post(out, from: 0)
        bus.run()
        #expect(bus.replicas[0].clients[ClientID(1)]?.request == first.digest)

        let reused = ClientRequest(client: ClientID(1), timestamp: 1, operation: [2])
        #expect(reused.digest != first.digest)
        out.removeAll()
        bus.replicas[0].handle(.request(reused), into: &out)
        let replies = out.compactMap { if case .reply(let r) = $0 { r } else { nil } }
        #expect(replies.count == 1 && replies.allSatisfy { $0.request == first.digest && $0.timestamp == 1 })
        // The digest leaves out the assigned replica: a retransmission to another coordinator matches.
        var moved = first
        moved.assignedReplica = ReplicaID(2)
        #expect(moved.digest == first.digest)
    }
}
