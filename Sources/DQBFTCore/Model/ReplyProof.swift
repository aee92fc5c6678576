/// Proof that f+1 replicas executed a request with a given result (Linear Hybster's
/// ExecProof): the replies of one execution slot form a Merkle tree; f+1 replicas
/// signed `(sequence, root)` with shares of the execution key π, combined into one
/// signature; `path` links this reply's leaf to the root.
///
/// Guarantees: `statement(for:)` is the only thing the signature covers, and a leaf
/// binds client, timestamp, the request's digest and result, so a valid proof for one reply cannot be
/// reused for another.
public struct ReplyProof: Hashable, Sendable {
    public var sequence: SequenceNumber
    public var root: Digest
    public var index: UInt32
    public var path: [Digest]
    public var signature: [UInt8]
    public init(sequence: SequenceNumber, root: Digest, index: UInt32, path: [Digest], signature: [UInt8]) {
        self.sequence = sequence; self.root = root; self.index = index; self.path = path; self.signature = signature
    }
    var encodedSize: Int { 8 + 32 + 4 + 4 + 32 * path.count + 4 + signature.count }

    /// The message execution shares sign: the slot and the root of its replies.
    public static func statement(sequence: SequenceNumber, root: Digest) -> Digest {
        var w = WireWriter(capacity: 41)
        w.write(UInt8(0xE1)); w.write(sequence); w.write(root)
        return Digest.of(w.bytes)
    }

    /// The leaf of one reply: what every correct replica computes identically.
    public static func leaf(client: ClientID, timestamp: UInt64, request: Digest, result: [UInt8]) -> Digest {
        var w = WireWriter(capacity: 53 + result.count)
        w.write(UInt8(0xE2)); w.write(client); w.write(timestamp); w.write(request); w.write(result)
        return Digest.of(w.bytes)
    }
}

/// A binary SHA-256 Merkle tree (an odd node is paired with itself).
///
/// Guarantees: `root(leaf:index:path:)` recomputes `root(of:)` exactly when `path`
/// is `path(of:index:)` for the same leaves; inner nodes are domain-separated
/// from leaves.
public enum MerkleTree {
    public static func root(of leaves: [Digest]) -> Digest { levels(of: leaves).last?.first ?? .zero }

    /// Every level of the tree, leaves first, root last (compute once, then take
    /// each leaf's path in O(log n)).
    public static func levels(of leaves: [Digest]) -> [[Digest]] {
        guard !leaves.isEmpty else { return [] }
        var out = [leaves]
        while out[out.count - 1].count > 1 { out.append(up(out[out.count - 1])) }
        return out
    }

    public static func path(of leaves: [Digest], index: Int) -> [Digest] { path(levels: levels(of: leaves), index: index) }

    public static func path(levels: [[Digest]], index: Int) -> [Digest] {
        var i = index, out: [Digest] = []
        for level in levels.dropLast() {
            let sibling = i ^ 1
            out.append(sibling < level.count ? level[sibling] : level[i])
            i /= 2
        }
        return out
    }

    public static func root(leaf: Digest, index: Int, path: [Digest]) -> Digest {
        var node = leaf, i = index
        for sibling in path {
            node = i % 2 == 0 ? join(node, sibling) : join(sibling, node)
            i /= 2
        }
        return node
    }

    static func up(_ level: [Digest]) -> [Digest] {
        stride(from: 0, to: level.count, by: 2).map { join(level[$0], $0 + 1 < level.count ? level[$0 + 1] : level[$0]) }
    }

    static func join(_ a: Digest, _ b: Digest) -> Digest { Digest.joined(0x01, a, b) }
}
