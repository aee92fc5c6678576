import CounterExample
import DQBFTClient
import DQBFTCore
import Foundation
import Testing
@testable import DQBFTNet

/// A cluster hosting a state machine other than the key-value store (the
/// `CounterExample` target), end to end over TCP, through a replica's restart.
@Suite("Your own state machine on a real cluster", .serialized, .timeLimit(.minutes(10)))
struct OwnStateMachineTests {
    @Test("counters replicate, and a restarted replica catches up by state transfer")
    func counters() async throws {
        let c = TestCluster(n: 4, protocol: "dqpbft")
        c.app = { Counters() }
        defer { Task { await c.shutdown() } }
        for i in 0..<4 { try await c.start(i) }
        let client = try await c.client()
        func run(_ op: String) async throws -> String {
            String(decoding: try await client.submit(operation: Array(op.utf8)), as: UTF8.self)
        }
        #expect(try await run("add apples 3") == "3")
        #expect(try await run("add apples -1") == "2")
        #expect(try await run("read pears") == "0")
        #expect(try await run("multiply apples 2").hasPrefix("error:"))
        await c.stop(3)
        for _ in 0..<20 { _ = try await run("add apples 1") }  // past a few checkpoints (interval 8)
        try await c.start(3)
        #expect(try await run("read apples") == "22")
        await client.close()
        var statuses = await c.statuses()
        for _ in 0..<50 where Set(statuses.compactMap { $0?.stateDigest }).count != 1 {
            try await Task.sleep(nanoseconds: 100_000_000)
            statuses = await c.statuses()
        }
        #expect(Set(statuses.compactMap { $0?.stateDigest }).count == 1, "\(statuses)")
    }

    @Test("Counters: snapshot and restore round-trip; malformed snapshots are refused")
    func snapshots() throws {
        var a = Counters()
        _ = a.apply(Array("add x 5".utf8))
        _ = a.apply(Array("add y -7".utf8))
        var b = Counters()
        try b.restore(from: a.snapshot())
        #expect(b.values == a.values && b.stateDigest == a.stateDigest)
        for bad in ["x=1", "x=one\n", "y=1\nx=2\n", "=3\n"] {
            #expect(throws: WireError.self) { try b.restore(from: Array(bad.utf8)) }
        }
    }
}
