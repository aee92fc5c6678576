import Testing

@testable import DQBFTSim

/// Hand-made key-value histories with a known answer. Times are milliseconds;
/// `nil` as the completion means the operation never completed.
private func put(_ client: UInt64, _ value: String, prev: HistoryOperation.Outcome = .unknown,
                 _ invoke: Int64, _ complete: Int64?, key: String = "x") -> HistoryOperation {
    HistoryOperation(client: client, kind: .put, key: key, value: value, invokeNanos: invoke * 1_000_000,
                     completeNanos: complete.map { $0 * 1_000_000 }, result: prev)
}

private func get(_ client: UInt64, _ read: HistoryOperation.Outcome, _ invoke: Int64, _ complete: Int64?,
                 key: String = "x") -> HistoryOperation {
    HistoryOperation(client: client, kind: .get, key: key, invokeNanos: invoke * 1_000_000,
                     completeNanos: complete.map { $0 * 1_000_000 }, result: read)
}

private func delete(_ client: UInt64, prev: HistoryOperation.Outcome, _ invoke: Int64, _ complete: Int64?,
                    key: String = "x") -> HistoryOperation {
    HistoryOperation(client: client, kind: .delete, key: key, invokeNanos: invoke * 1_000_000,
                     completeNanos: complete.map { $0 * 1_000_000 }, result: prev)
}

private func verdict(_ history: [HistoryOperation]) throws -> LinearizabilityReport.Verdict {
    try LinearizabilityChecker().check(history).verdict
}

@Suite("Linearizability checker")
struct LinearizabilityCheckerTests {
    @Test("a stale read after a completed overwrite fails")
    func staleRead() throws {
        let h = [put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 20, 30), get(3, .value("v1"), 40, 50)]
        #expect(try verdict(h) == .notLinearizable)
        // The same read while the overwrite is still in flight is fine.
        let overlapping = [put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 20, 45), get(3, .value("v1"), 40, 50)]
        #expect(try verdict(overlapping) == .linearizable)
    }

    @Test("a lost write fails: a later put or get does not see a completed put")
    func lostWrite() throws {
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .absent, 20, 30)]) == .notLinearizable)
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), get(2, .absent, 20, 30)]) == .notLinearizable)
        // Two overlapping puts cannot both have found the key absent.
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .absent, 5, 15)]) == .notLinearizable)
    }

    @Test("a read of a value no put wrote fails, and names it")
    func readOfNeverWrittenValue() throws {
        let report = try LinearizabilityChecker().check([put(1, "v1", 0, 10), get(2, .value("v9"), 20, 30)])
        #expect(report.verdict == .notLinearizable)
        #expect(report.failures.first?.explanation.contains("v9") == true)
        // A value written to another key does not count.
        #expect(try verdict([put(1, "v1", 0, 10, key: "y"), get(2, .value("v1"), 20, 30)]) == .notLinearizable)
    }

    @Test("a read of a value before its put was invoked fails")
    func readFromTheFuture() throws {
        #expect(try verdict([get(1, .value("v1"), 0, 10), put(2, "v1", prev: .absent, 20, 30)]) == .notLinearizable)
        #expect(try verdict([get(1, .value("v1"), 0, 10), put(2, "v1", 20, nil)]) == .notLinearizable)
    }

    @Test("a put returning the wrong previous value fails")
    func wrongPreviousValue() throws {
        let h = [put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 20, 30), put(3, "v3", prev: .value("v1"), 40, 50)]
        #expect(try verdict(h) == .notLinearizable)
        let right = [put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 20, 30), put(3, "v3", prev: .value("v2"), 40, 50)]
        #expect(try verdict(right) == .linearizable)
    }

    @Test("a read after a completed delete fails; a delete's previous value is checked")
    func deleteThenRead() throws {
        let h = [put(1, "v1", prev: .absent, 0, 10), delete(2, prev: .value("v1"), 20, 30), get(3, .value("v1"), 40, 50)]
        #expect(try verdict(h) == .notLinearizable)
        let absent = [put(1, "v1", prev: .absent, 0, 10), delete(2, prev: .value("v1"), 20, 30), get(3, .absent, 40, 50)]
        #expect(try verdict(absent) == .linearizable)
        #expect(try verdict([put(1, "v1", 0, 10), delete(2, prev: .absent, 20, 30)]) == .notLinearizable)
        #expect(try verdict([delete(2, prev: .present, 0, 10)]) == .notLinearizable)
        #expect(try verdict([put(1, "v1", 0, 10), delete(2, prev: .present, 20, 30), delete(3, prev: .absent, 40, 50)]) == .linearizable)
    }

    @Test("overlapping operations may take effect in either order")
    func concurrentEitherOrder() throws {
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 5, 15)]) == .linearizable)
        #expect(try verdict([put(1, "v1", prev: .value("v2"), 0, 10), put(2, "v2", prev: .absent, 5, 15)]) == .linearizable)
        // A read overlapping an overwrite may see either value, and a later read
        // must then agree with the order the first one implies.
        let base = [put(1, "v1", prev: .absent, 0, 10), put(2, "v2", prev: .value("v1"), 20, 40)]
        #expect(try verdict(base + [get(3, .value("v1"), 25, 30)]) == .linearizable)
        #expect(try verdict(base + [get(3, .value("v2"), 25, 30)]) == .linearizable)
        #expect(try verdict(base + [get(3, .value("v2"), 25, 30), get(4, .value("v1"), 31, 35)]) == .notLinearizable)
        // Three writers, each previous value the one before in some order.
        let three = [put(1, "a", prev: .value("c"), 0, 100), put(2, "b", prev: .absent, 10, 90), put(3, "c", prev: .value("b"), 20, 80)]
        #expect(try verdict(three) == .linearizable)
    }

    @Test("a put that never completed may explain a later read, or never take effect")
    func pendingOperations() throws {
        #expect(try verdict([put(1, "v1", 0, nil), get(2, .value("v1"), 50, 60)]) == .linearizable)
        #expect(try verdict([put(1, "v1", 0, nil), get(2, .absent, 50, 60)]) == .linearizable)
        // ...but not both ways round.
        #expect(try verdict([put(1, "v1", 0, nil), get(2, .value("v1"), 50, 60), get(3, .absent, 70, 80)]) == .notLinearizable)
        // A pending delete may take effect too; a pending get is irrelevant.
        let deleted = [put(1, "v1", prev: .absent, 0, 10), delete(2, prev: .unknown, 20, nil), get(3, .absent, 30, 40),
                       get(4, .value("v7"), 50, nil)]
        #expect(try verdict(deleted) == .linearizable)
        // Two pending deletes, each needed once; one is not enough.
        let twice = [put(1, "v1", prev: .absent, 0, 10), delete(2, prev: .unknown, 15, nil), delete(3, prev: .unknown, 16, nil),
                     get(4, .absent, 20, 30), put(5, "v2", prev: .absent, 40, 50), get(6, .absent, 60, 70)]
        #expect(try verdict(twice) == .linearizable)
        #expect(try verdict(twice.filter { $0.client != 3 }) == .notLinearizable)
        // An unobserved pending put still counts where a delete only saw "some value".
        let someValue = [put(1, "v1", prev: .absent, 0, 10), delete(2, prev: .value("v1"), 20, 30), put(3, "v2", 25, nil),
                         delete(4, prev: .present, 40, 50)]
        #expect(try verdict(someValue) == .linearizable)
        #expect(try verdict(someValue.filter { $0.client != 3 }) == .notLinearizable)
    }

    @Test("a value written twice may be read again after it was overwritten")
    func valueWrittenTwice() throws {
        let h = [put(1, "v", prev: .absent, 0, 10), put(2, "w", prev: .value("v"), 20, 30), get(3, .value("v"), 25, 70),
                 put(4, "v", prev: .value("w"), 40, 50), get(5, .value("v"), 60, 80)]
        #expect(try verdict(h) == .linearizable)
        #expect(try verdict(h.filter { $0.client != 4 }) == .notLinearizable)
    }

    @Test("equal instants are concurrent, except a client's own next operation")
    func equalInstants() throws {
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), get(2, .absent, 10, 20)]) == .linearizable)
        #expect(try verdict([put(1, "v1", prev: .absent, 0, 10), get(1, .absent, 10, 20)]) == .notLinearizable)
    }

    @Test("keys are independent; the failing key is named with the operations involved")
    func explanationNamesKeyAndOperations() throws {
        let h = [put(1, "a1", prev: .absent, 0, 10, key: "a"), get(2, .value("a1"), 20, 30, key: "a"),
                 put(1, "b1", prev: .absent, 0, 10, key: "b"), put(2, "b2", prev: .value("b1"), 20, 30, key: "b"),
                 get(3, .value("b1"), 40, 50, key: "b")]
        let report = try LinearizabilityChecker().check(h)
        #expect(report.verdict == .notLinearizable)
        #expect(report.failures.map(\.key) == ["b"])
        let text = try #require(report.failures.first).explanation
        #expect(text.contains("key \"b\""))
        #expect(text.contains("client 3: get → b1"))
        #expect(text.contains("b2"))
    }

    @Test("the search gives up with 'unknown' at its step bound instead of running on")
    func stepBound() throws {
        // Many overlapping puts whose previous values chain in one order only: the
        // search must try orders, and one step is not enough.
        var h: [HistoryOperation] = []
        for i in 0..<12 { h.append(put(UInt64(i), "v\(i)", prev: i == 0 ? .absent : .value("v\(i - 1)"), 0, 100)) }
        h.reverse()
        #expect(try LinearizabilityChecker(maxStepsPerKey: 3).check(h).verdict == .unknown)
        #expect(try LinearizabilityChecker().check(h).verdict == .linearizable)
    }

    @Test("a completion before its invocation is malformed, not a verdict")
    func malformed() {
        #expect(throws: HistoryFormatError.self) { try LinearizabilityChecker().check([put(1, "v1", 10, 5)]) }
    }
}
