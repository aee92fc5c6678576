import DQBFTCore
import Testing
@testable import DQBFTClient

@Suite("Client reply quorum")
struct ReplyCollectorTests {
    func reply(_ replica: Int, view: UInt64, result: [UInt8] = [0]) -> ClientReply {
        ClientReply(client: ClientID(4096), timestamp: 1, view: ViewNumber(view), replica: ReplicaID(replica), result: result)
    }

    @Test("a Byzantine replica's huge view does not become the client's view (f+1-th highest of matching replies)")
    func byzantineHugeView() {
        let collector = ReplyCollector(quorum: 2)  // n = 4, f = 1
        collector.begin(ClientID(4096), timestamp: 1)
        collector.deliver(reply(0, view: 3))
        collector.deliver(reply(3, view: 1_000_000))  // the quorum is reached with the liar's reply
        #expect(collector.highestView == ViewNumber(3))
        // Two correct replicas in view 5 move it; one liar alone never does.
        collector.begin(ClientID(4096), timestamp: 2)
        for r in [reply(3, view: 9_999_999), reply(1, view: 5), reply(2, view: 5)] {
            var r = r; r.timestamp = 2; collector.deliver(r)
        }
        #expect(collector.highestView == ViewNumber(5))
    }
}
