import DQBFTCore
import NIOCore
import Testing
@testable import DQBFTNet

@Suite("Connection admission and log rate limiting")
struct ConnectionAdmissionTests {
    final class Token {}

    @Test("slots: clients never take replica slots; a replica's third connection evicts its oldest; 4 per client key")
    func slots() {
        let admission = ConnectionAdmission(maxConnections: 40, replicaCount: 4, replicaHosts: ["10.0.0.1"])
        #expect(admission.maxPending == 10 && admission.maxReplicaConnections == 6 && admission.maxClientConnections == 18)
        var tokens: [Token] = []
        func id() -> ObjectIdentifier { tokens.append(Token()); return ObjectIdentifier(tokens.last!) }
        // 18 client keys fill the client slots; the 19th is refused.
        var admitted = 0
        for k in 0..<19 {
            let c = id()
            #expect(admission.accept(c, remote: "192.0.2.\(k)"))
            if admission.authenticated(c, peer: .client(base: ClientID(UInt64(k) << 12), lanes: 1), clientKey: [UInt8(k)]) != .refused {
                admitted += 1
            }
        }
        #expect(admitted == 18)
        // One key: at most 4 connections (after freeing room).
        let fresh = ConnectionAdmission(maxConnections: 40, replicaCount: 4)
        var perKey = 0
        for _ in 0..<6 {
            let c = id()
            _ = fresh.accept(c, remote: nil)
            if fresh.authenticated(c, peer: .client(base: ClientID(0), lanes: 1), clientKey: [7]) != .refused { perKey += 1 }
        }
        #expect(perKey == 4)
        // Replicas still get in while clients hold every client slot.
        let r1 = id(), r2 = id(), r3 = id()
        for r in [r1, r2, r3] { #expect(admission.accept(r, remote: "10.0.0.1")) }
        #expect(admission.authenticated(r1, peer: .replica(ReplicaID(1)), clientKey: nil) == .admitted(evict: nil))
        #expect(admission.authenticated(r2, peer: .replica(ReplicaID(1)), clientKey: nil) == .admitted(evict: nil))
        #expect(admission.authenticated(r3, peer: .replica(ReplicaID(1)), clientKey: nil) == .admitted(evict: r1))
        // Pending slots: 10 for anyone, then 6 more only from replica hosts.
        let pending = ConnectionAdmission(maxConnections: 40, replicaCount: 4, replicaHosts: ["10.0.0.1"])
        #expect((0..<12).filter { pending.accept(id(), remote: "192.0.2.\($0)") }.count == 10)
        #expect((0..<8).filter { _ in pending.accept(id(), remote: "10.0.0.1") }.count == 6)
        #expect(!pending.accept(id(), remote: "10.0.0.1"))
        #expect(pending.occupancy.pending == 16)
        // One source address: at most maxPerSource (5 of 40) pending + client connections.
        let perSource = ConnectionAdmission(maxConnections: 40, replicaCount: 4, replicaHosts: ["10.0.0.1"])
        #expect(perSource.maxPerSource == 5)
        let fromOne = (0..<8).map { _ in id() }
        #expect(fromOne.filter { perSource.accept($0, remote: "192.0.2.9") }.count == 5)
        perSource.close(fromOne[0])
        #expect(perSource.accept(id(), remote: "192.0.2.9"), "a closed connection frees its source's count")
        #expect((0..<4).filter { _ in perSource.accept(id(), remote: "192.0.2.10") }.count == 4)
    }

    @Test("at most `burst` warnings per interval; the suppressed ones are counted in the next")
    func rateLimit() {
        let limiter = LogRateLimiter(burst: 3, interval: .seconds(10))
        let start = NIODeadline.now()
        let first = (0..<100).map { limiter.admit(now: start + .milliseconds(Int64($0))) }
        #expect(first.filter(\.log).count == 3)
        let next = limiter.admit(now: start + .seconds(11))
        #expect(next.log && next.suppressed == 97)
    }
}
