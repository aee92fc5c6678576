/// A set of replica ids as a bitmap: O(1) insert and membership, and counting
/// distinct voters is a population count. Holds ids below 64 without allocating.
///
/// Guarantees: inserting the same replica twice counts once, so a Byzantine
/// replica repeating a vote can never inflate a quorum.
public struct ReplicaSet: Hashable, Sendable, Sequence {
    var low: UInt64 = 0
    var high: [UInt64] = []

    public init() {}

    public init(_ ids: some Sequence<ReplicaID>) {
        for id in ids { insert(id) }
    }

    /// Inserts `id`; returns true if it was not present.
    @discardableResult
    public mutating func insert(_ id: ReplicaID) -> Bool {
        let i = id.index
        if i < 64 {
            let bit = UInt64(1) << UInt64(i)
            if low & bit != 0 { return false }
            low |= bit
            return true
        }
        let word = i / 64 - 1
        while high.count <= word { high.append(0) }
        let bit = UInt64(1) << UInt64(i % 64)
        if high[word] & bit != 0 { return false }
        high[word] |= bit
        return true
    }

    public func contains(_ id: ReplicaID) -> Bool {
        let i = id.index
        if i < 64 { return low & (UInt64(1) << UInt64(i)) != 0 }
        let word = i / 64 - 1
        return word < high.count && high[word] & (UInt64(1) << UInt64(i % 64)) != 0
    }

    public var count: Int { high.reduce(low.nonzeroBitCount) { $0 + $1.nonzeroBitCount } }
    public var isEmpty: Bool { count == 0 }

    public func makeIterator() -> some IteratorProtocol<ReplicaID> {
        var words = [low] + high
        var w = 0
        return AnyIterator<ReplicaID> {
            while w < words.count {
                if words[w] != 0 {
                    let bit = words[w].trailingZeroBitCount
                    words[w] &= words[w] - 1
                    return ReplicaID(w * 64 + bit)
                }
                w += 1
            }
            return nil
        }
    }
}
