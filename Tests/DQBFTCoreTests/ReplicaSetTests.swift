import Testing
@testable import DQBFTCore

@Suite("Replica set")
struct ReplicaSetTests {
    static let ids = [0, 63, 64, 127, 128, 200, 300, 1023]

    @Test("an empty set contains nothing")
    func emptySet() {
        let s = ReplicaSet()
        #expect(s.isEmpty)
        #expect(s.count == 0)
        #expect(Array(s).isEmpty)
        for i in Self.ids + [5000] { #expect(!s.contains(ReplicaID(i))) }
    }

    @Test("insert, contains and count work for ids below and above 64")
    func insertAndContains() {
        var s = ReplicaSet()
        for (n, i) in Self.ids.enumerated() {
            #expect(!s.contains(ReplicaID(i)))
            let inserted = s.insert(ReplicaID(i))
            #expect(inserted)
            #expect(s.contains(ReplicaID(i)))
            #expect(s.count == n + 1)
        }
        #expect(!s.isEmpty)
        // Neighbours of inserted ids (word boundaries) are not members.
        for i in [1, 62, 65, 126, 129, 199, 201, 299, 301, 1022, 1024, 5000] { #expect(!s.contains(ReplicaID(i)), "\(i)") }
    }

    @Test("inserting the same id twice counts once and reports false the second time")
    func duplicatesCountOnce() {
        var s = ReplicaSet()
        for i in Self.ids {
            let first = s.insert(ReplicaID(i)), second = s.insert(ReplicaID(i))
            #expect(first)
            #expect(!second)
        }
        for i in Self.ids.reversed() {
            let again = s.insert(ReplicaID(i))
            #expect(!again)
        }
        #expect(s.count == Self.ids.count)
        #expect(ReplicaSet([7, 7, 7, 300, 300].map { ReplicaID($0) }).count == 2)
    }

    @Test("iteration yields members in increasing order, each once")
    func iterationIsOrdered() {
        let s = ReplicaSet([300, 0, 200, 64, 63, 300, 128, 1023, 127].map { ReplicaID($0) })
        #expect(Array(s) == Self.ids.map { ReplicaID($0) })
    }

    @Test("sets with the same members are equal regardless of insertion order")
    func equalityIgnoresOrder() {
        let a = ReplicaSet(Self.ids.map { ReplicaID($0) })
        let b = ReplicaSet(Self.ids.reversed().map { ReplicaID($0) })
        #expect(a == b)
        #expect(a != ReplicaSet(Self.ids.dropLast().map { ReplicaID($0) }))
    }

    @Test("behaves like Set<Int> for random inserts of ids 0 ..< 1024")
    func matchesSetModel() {
        var rng = SplitMix64(seed: 64)
        for _ in 0..<50 {
            var s = ReplicaSet()
            var model = Set<Int>()
            for _ in 0..<rng.int(0...300) {
                let i = rng.bool() ? rng.int(0...70) : rng.int(0...1023)
                let inserted = s.insert(ReplicaID(i)), expected = model.insert(i).inserted
                #expect(inserted == expected)
            }
            #expect(s.count == model.count)
            #expect(Array(s).map(\.index) == model.sorted())
            for i in 0..<1100 where s.contains(ReplicaID(i)) != model.contains(i) {
                Issue.record("membership of \(i) differs")
            }
        }
    }
}
