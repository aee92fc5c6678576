import DQBFTCore
import Testing
@testable import DQBFTClient

@Suite("Client reply quorum")
struct ReplyCollectorTests {
    static let sent = Digest.of([1])

    func reply(_ replica: Int, view: UInt64, result: [UInt8] = [0], request: Digest = sent) -> ClientReply {
        ClientReply(client: ClientID(4096), timestamp: 1, request: request, view: ViewNumber(view), replica: ReplicaID(replica),
                    result: result)
    }

    @Test("a Byzantine replica's huge view does not become the client's view (f+1-th highest of matching replies)")
    func byzantineHugeView() {
        let collector = ReplyCollector(quorum: 2)  // n = 4, f = 1
        collector.begin(ClientID(4096), timestamp: 1, request: Self.sent)
        collector.deliver(reply(0, view: 3))
        collector.deliver(reply(3, view: 1_000_000))  // the quorum is reached with the liar's reply
        #expect(collector.highestView == ViewNumber(3))
        // Two correct replicas in view 5 move it; one liar alone never does.
        collector.begin(ClientID(4096), timestamp: 2, request: Self.sent)
        for r in [reply(3, view: 9_999_999), reply(1, view: 5), reply(2, view: 5)] {
            var r = r; r.timestamp = 2; collector.deliver(r)
        }
        #expect(collector.highestView == ViewNumber(5))
    }

    @Test("replies naming another request (a reused timestamp answered from the replicas' cache) never make a quorum")
    func otherRequestsReplies() async {
        let collector = ReplyCollector(quorum: 2)
        collector.begin(ClientID(4096), timestamp: 1, request: Self.sent)
        let old = Digest.of([2])
        for r in 0..<4 { collector.deliver(reply(r, view: 0, result: [7], request: old)) }
        collector.deliver(reply(0, view: 0, result: [8]))
        #expect(collector.state.withLock { $0.entries[ClientID(4096)]?.result } == nil)
        collector.deliver(reply(1, view: 0, result: [8]))
        #expect(await collector.wait(ClientID(4096), timeout: .seconds(1)) == .result([8]))
    }
}
