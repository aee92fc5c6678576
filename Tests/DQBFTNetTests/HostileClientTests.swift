import DQBFTClient
import DQBFTCore
import DQBFTCrypto
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DQBFTNet

/// Attacks by clients (and would-be clients) on a 4-replica loopback cluster. Each
/// test is one attack of issue 27 and failed on the runtime before its fix.
@Suite("Hostile clients: hijacking, exhaustion, floods", .serialized, .timeLimit(.minutes(10)))
struct HostileClientTests {
    @Test("hijack: a connection claiming a victim's client ids gets none of its replies and does not cut it off")
    func replyHijack() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let victimKey = ClientSigningKey()
        let victim = try await cluster.client(operationTimeout: .seconds(5), identity: victimKey)
        try await victim.put("v", "1")
        // The attacker tells every replica it owns the victim's ids: it sends the
        // victim's id base and public key (both public) and signs the handshake
        // with its own key. (Before the fix the claim alone was enough.)
        let attackerKey = ClientSigningKey()
        var attackers: [(Channel, ForgedClientHandshake)] = []
        for i in 0..<4 { attackers.append(try await cluster.forgedClient(claiming: victimKey, signingWith: attackerKey, to: i)) }
        let refused = await eventually(3) { attackers.allSatisfy { !$0.0.isActive } }
        #expect(refused, "a replica accepted a handshake for the victim's ids signed by another key")
        let during: Void? = try? await victim.put("v", "2")
        #expect(during != nil, "the victim's put failed while the attacker was connected")
        let stolen = attackers.reduce(0) { $0 + $1.1.frames.withLock { $0 } }
        #expect(stolen == 0, "the attacker received \(stolen) frames")
        for (channel, _) in attackers { try? await channel.close() }
        try await Task.sleep(nanoseconds: 200_000_000)
        let after = try? await victim.get("v")
        #expect(after == "2", "the victim is cut off after the attacker left")
        await victim.close()
        await cluster.shutdown()
    }

    @Test("routes: a connection of another key never takes over a key's route (even with a colliding id base)")
    func routeNeverDisplaced() async throws {
        let cluster = TestCluster()
        try await cluster.start(0)
        let loop = try #require(cluster.services[0]?.state.withLock { $0?.loop })
        let victimKey = ClientSigningKey()
        func channel() async throws -> Channel { try await cluster.rawConnection(.client(ClientSigningKey(), lanes: 1), to: 0).0 }
        // A link with the victim's base but another key stands for a hash collision of the id base.
        let victim = ClientLink(channel: try await channel(), base: victimKey.idBase, lanes: 1, key: victimKey.publicKey)
        let colliding = ClientLink(channel: try await channel(), base: victimKey.idBase, lanes: 1, key: ClientSigningKey().publicKey)
        let again = ClientLink(channel: try await channel(), base: victimKey.idBase, lanes: 1, key: victimKey.publicKey)
        func route() async throws -> ClientLink? { try await loop.loop.submit { loop.route(victimKey.idBase) }.get() }
        loop.registerClient(victim)
        loop.registerClient(colliding)
        #expect(try await route() === victim, "another key took the victim's route")
        #expect(await eventually(2) { !colliding.channel.isActive }, "the colliding connection was not closed")
        loop.unregisterClient(colliding)
        #expect(try await route() === victim, "the colliding connection's close removed the victim's route")
        loop.registerClient(again)
        #expect(try await route() === again, "the key's newest connection gets its replies")
        loop.unregisterClient(again)
        #expect(try await route() === victim, "the key's older open connection gets them back")
        await cluster.shutdown()
    }

    @Test("exhaustion: idle client connections filling a replica do not keep a restarted peer out")
    func connectionExhaustion() async throws {
        let cluster = TestCluster()
        cluster.configure = { $0.maxConnections = 40 }
        try await cluster.startAll()
        var idle: [Channel] = []
        func fill(_ count: Int) async throws {
            for _ in 0..<count {
                idle.append(try await cluster.rawConnection(.client(ClientSigningKey(), lanes: 1), to: 0).0)
            }
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        try await fill(45)
        #expect(await cluster.linkEstablished(1, to: 0))
        await cluster.stop(1)
        try await Task.sleep(nanoseconds: 300_000_000)
        try await fill(5)  // take the slot replica 1 left, if any
        try await cluster.start(1)
        let reconnected = await eventually(5) { await cluster.linkEstablished(1, to: 0) }
        #expect(reconnected, "restarted replica 1 cannot reconnect to replica 0")
        for channel in idle { try? await channel.close() }
        await cluster.shutdown()
    }

    @Test("idle: a client connection with no traffic is closed; a live client and replica links are not disturbed")
    func idleClientConnectionsClosed() async throws {
        let cluster = TestCluster()
        cluster.configure = { $0.clientIdleTimeout = .milliseconds(300) }
        try await cluster.startAll()
        let abandoned = try await cluster.rawConnection(.client(ClientSigningKey(), lanes: 1), to: 0).0
        let client = try await cluster.client()
        try await client.put("k", "v1")
        let closed = await eventually(5) { !abandoned.isActive }
        #expect(closed, "an authenticated client connection idle for 5 s (timeout 300 ms) is still open")
        // The live client's connections were closed too and came back at once.
        try await client.put("k", "v2")
        #expect(try await client.get("k") == "v2")
        #expect(await cluster.linkEstablished(1, to: 0), "a replica link was closed for idleness")
        try? await abandoned.close()
        await client.close()
        await cluster.shutdown()
    }

    @Test("backpressure: 600 requests pipelined on one connection, past the verification limits, all execute")
    func pipelinedRequestsResume() async throws {
        let cluster = TestCluster()
        // A backlog of 4 for the protocol loop: that limit pauses the connection too.
        cluster.configure = { $0.maxQueuedPerConnection = 4 }
        try await cluster.startAll()
        let key = ClientSigningKey(), count = 600
        let (channel, collector) = try await cluster.rawConnection(.client(key, lanes: UInt32(count)), to: 0)
        #expect(await eventually(5) { collector.established.withLock { $0 } != nil })
        // Far more than a connection may have in verification (64) or waiting for the
        // protocol loop (4 here): reading stops and must resume, woken by the
        // verifications that finish and by the loop draining the backlog.
        for lane in 0..<count {
            let request = ClientRequest(client: ClientID(key.idBase.rawValue + UInt64(lane)), timestamp: 1,
                                        operation: Array("lane \(lane)".utf8))
            channel.write(ByteBufferAllocator().buffer(bytes: WireMessage.request(key.sign(request)).encode()), promise: nil)
        }
        channel.flush()
        func answered() -> Int {
            Set(collector.frames.withLock { $0 }.compactMap { frame -> ClientID? in
                guard case .reply(let r)? = try? WireMessage.decode(frame, limits: .default) else { return nil }
                return r.client
            }).count
        }
        let all = await eventually(30) { answered() == count }
        #expect(all, "\(answered()) of \(count) pipelined requests answered")
        try? await channel.close()
        await cluster.shutdown()
    }

    @Test("exhaustion: 16 connections of 4096 lanes each do not fill the routing table for new clients")
    func routeExhaustion() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        var wide: [Channel] = []
        for replica in 0..<4 {
            for _ in 0..<16 {
                wide.append(try await cluster.rawConnection(.client(ClientSigningKey(), lanes: Hello.maxLanes), to: replica).0)
            }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let newcomer = try await cluster.client(operationTimeout: .seconds(5))
        let put: Void? = try? await newcomer.put("new", "client")
        #expect(put != nil, "a new client is locked out of the routing table")
        await newcomer.close()
        for channel in wide { try? await channel.close() }
        await cluster.shutdown()
    }

    @Test("exhaustion: handshakes held open from another address do not keep a restarted peer out")
    func pendingHandshakeExhaustion() async throws {
        let cluster = TestCluster()
        // No per-source cap here: the replica-host pending reserve alone must hold.
        cluster.configure = { $0.maxConnections = 40; $0.handshakeTimeout = .seconds(30); $0.maxConnectionsPerSource = 40 }
        try await cluster.startAll()
        let port = cluster.cluster.replicas[0].port
        // Connections from 127.0.0.2 that never send a hello hold every slot they get.
        var held = (0..<45).compactMap { _ in rawTCPConnection(to: port, from: "127.0.0.2") }
        try await Task.sleep(nanoseconds: 300_000_000)
        await cluster.stop(1)
        try await Task.sleep(nanoseconds: 300_000_000)
        held += (0..<5).compactMap { _ in rawTCPConnection(to: port, from: "127.0.0.2") }
        try await cluster.start(1)
        let reconnected = await eventually(5) { await cluster.linkEstablished(1, to: 0) }
        #expect(reconnected, "restarted replica 1 cannot reconnect to replica 0 while 127.0.0.2 holds handshakes open")
        for fd in held { close(fd) }
        await cluster.shutdown()
    }

    @Test("flood: a client sending requests with bad signatures is disconnected; others keep their latency")
    func badSignatureFlood() async throws {
        let cluster = TestCluster()
        try await cluster.startAll()
        let honest = try await cluster.client(operationTimeout: .seconds(10))
        try await honest.put("warm", "up")
        let key = ClientSigningKey()
        let rssBefore = residentBytes() ?? 0
        let (channel, collector) = try await cluster.rawConnection(.client(key, lanes: 1), to: 0)
        #expect(await eventually(2) { collector.established.withLock { $0 } != nil })
        let flood = Task {
            let junk = ClientSignature(publicKey: key.publicKey, signature: Array(repeating: 7, count: 64))
            for t in 1...20_000 {
                var request = ClientRequest(client: key.idBase, timestamp: UInt64(t), operation: Array(repeating: 1, count: 64))
                request.signature = junk
                guard channel.isActive else { return t }
                channel.write(ByteBufferAllocator().buffer(bytes: WireMessage.request(request).encode()), promise: nil)
                if t % 256 == 0 { channel.flush(); await Task.yield() }
            }
            channel.flush()
            return 20_000
        }
        var latenciesMs: [Double] = []
        for i in 0..<5 {
            let start = Date()
            try await honest.put("k\(i)", "v")
            latenciesMs.append(Date().timeIntervalSince(start) * 1000)
        }
        let closed = await eventually(3) { !channel.isActive }
        let sent = await flood.value
        let rssGrowthMiB = Double((residentBytes() ?? 0) - rssBefore) / Double(1 << 20)
        #expect(closed, "the flooding connection is still open after \(sent) bad requests")
        #expect(rssGrowthMiB < 64, "RSS grew by \(rssGrowthMiB) MiB during the flood")
        #expect(latenciesMs.max()! < 500, "honest latencies during the flood: \(latenciesMs)")
        print("bad-signature flood: \(sent) sent before close; honest put latencies ms \(latenciesMs.map { Int($0) }); RSS +\(Int(rssGrowthMiB)) MiB")
        try? await channel.close()
        await honest.close()
        await cluster.shutdown()
    }

    @Test("memory: unauthenticated connections announcing 16 MiB frames are not buffered (RSS bound)")
    func preAuthenticationMemory() async throws {
        let cluster = TestCluster(n: 4)
        try await cluster.start(0)
        let port = cluster.cluster.replicas[0].port
        let connections = 16, junkBytes = 8 << 20
        let before = residentBytes() ?? 0
        let sockets = await Task.detached { () -> [Int32] in
            var fds: [Int32] = []
            let chunk = [UInt8](repeating: 0xEE, count: 64 << 10)
            for _ in 0..<connections {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let ok = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard ok == 0 else { close(fd); continue }
                fds.append(fd)
                let prefix: [UInt8] = [0x01, 0x00, 0x00, 0x00]  // a 16 MiB frame
                _ = send(fd, prefix, prefix.count, Int32(MSG_NOSIGNAL))
                var sent = 0
                while sent < junkBytes {
                    let n = send(fd, chunk, chunk.count, Int32(MSG_NOSIGNAL))
                    if n <= 0 { break }
                    sent += n
                }
            }
            return fds
        }.value
        try await Task.sleep(nanoseconds: 500_000_000)
        let after = residentBytes() ?? 0
        let growthMiB = Double(after - before) / Double(1 << 20)
        print("pre-authentication memory: \(connections) connections × \(junkBytes >> 20) MiB: RSS +\(Int(growthMiB)) MiB")
        #expect(growthMiB < 24, "RSS grew by \(growthMiB) MiB")
        for fd in sockets { close(fd) }
        await cluster.shutdown()
    }
}
