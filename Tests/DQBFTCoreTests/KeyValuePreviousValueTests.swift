import Testing
@testable import DQBFTCore

/// Puts and deletes that return the previous value (etcd's `prev_kv`).
@Suite("Key-value store: previous values")
struct KeyValuePreviousValueTests {
    private func apply(_ s: inout KeyValueStore, _ op: KeyValueOperation) -> [UInt8] { s.apply(op.encode()) }
    private let a = Array("a".utf8)

    @Test("a put with returnsPrevious answers the value it replaced, or notFound")
    func putReturnsPrevious() {
        var s = KeyValueStore()
        #expect(apply(&s, .put(key: a, value: [7], returnsPrevious: true)) == KeyValueResult.notFound)
        #expect(apply(&s, .put(key: a, value: [8, 9], returnsPrevious: true)) == [0, 7])
        #expect(apply(&s, .put(key: a, value: [], returnsPrevious: true)) == [0, 8, 9])
        #expect(apply(&s, .put(key: a, value: [1])) == KeyValueResult.ok)
        #expect(apply(&s, .get(key: a)) == [0, 1])
    }

    @Test("a delete with returnsPrevious answers the value it removed, or notFound")
    func deleteReturnsPrevious() {
        var s = KeyValueStore()
        #expect(apply(&s, .delete(key: a, returnsPrevious: true)) == KeyValueResult.notFound)
        _ = apply(&s, .put(key: a, value: [5, 6]))
        #expect(apply(&s, .delete(key: a, returnsPrevious: true)) == [0, 5, 6])
        #expect(apply(&s, .get(key: a)) == KeyValueResult.notFound)
        #expect(s.count == 0)
    }

    @Test("the same writes reach the same state and digest with or without returnsPrevious")
    func flagDoesNotChangeState() {
        var plain = KeyValueStore(), flagged = KeyValueStore()
        for i in 0..<50 {
            let key = [UInt8(i % 7)], value = [UInt8(i)]
            if i % 5 == 4 {
                _ = apply(&plain, .delete(key: key))
                _ = apply(&flagged, .delete(key: key, returnsPrevious: true))
            } else {
                _ = apply(&plain, .put(key: key, value: value))
                _ = apply(&flagged, .put(key: key, value: value, returnsPrevious: true))
            }
        }
        #expect(plain.stateDigest == flagged.stateDigest)
        #expect(plain.snapshot() == flagged.snapshot())
    }

    @Test("the flag is canonical: it round-trips, and on a get or with trailing bytes it is invalid")
    func encoding() {
        let ops: [KeyValueOperation] = [.put(key: a, value: [1], returnsPrevious: true), .delete(key: a, returnsPrevious: true),
                                        .put(key: [], value: [], returnsPrevious: true)]
        for op in ops { #expect(KeyValueOperation.decode(op.encode()) == op) }
        #expect(KeyValueOperation.put(key: a, value: [1], returnsPrevious: true).encode()[0] == 0x81)
        #expect(KeyValueOperation.delete(key: a, returnsPrevious: true).encode()[0] == 0x83)
        var s = KeyValueStore()
        for bad: [UInt8] in [[0x82, 0, 1, 0x61], [0x83, 0, 1, 0x61, 0], [0x80, 0, 0], [0x84, 0, 0], [0x81, 0, 2, 0x61], [0x81, 0]] {
            #expect(KeyValueOperation.decode(bad) == nil, "\(bad)")
            #expect(s.apply(bad) == KeyValueResult.invalid, "\(bad)")
        }
    }

    @Test("random bytes with any kind byte never crash and decode canonically or are invalid")
    func randomKindBytes() {
        var rng = SplitMix64(seed: 17)
        var s = KeyValueStore()
        for _ in 0..<5_000 {
            var op = (0..<rng.int(0...12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if !op.isEmpty { op[0] = [1, 2, 3, 0x81, 0x82, 0x83, op[0]][rng.int(0...6)] }
            if op.count >= 2 { op[1] = 0 }
            if op.count >= 3 { op[2] = UInt8(rng.int(0...4)) }
            let result = s.apply(op)
            if let decoded = KeyValueOperation.decode(op) {
                #expect(decoded.encode() == op)
            } else {
                #expect(result == KeyValueResult.invalid)
            }
        }
    }
}
