/// An immutable, ordered batch of client requests: the payload one proposal carries.
///
/// A reference type on purpose: the simulator hands the *same* batch to every
/// recipient, and the digest and encoded size are computed once at construction.
/// Guarantees: `digest` is SHA-256 of the batch's canonical encoding, so two batches
/// with equal digests hold the same requests in the same order.
public final class Batch: Hashable, Sendable, CustomStringConvertible {
    public let requests: [ClientRequest]
    /// SHA-256 of the canonical encoding.
    public let digest: Digest
    /// Size of the canonical encoding in bytes.
    public let encodedSize: Int

    public init(requests: [ClientRequest]) {
        self.requests = requests
        var w = WireWriter(capacity: Batch.encodedSize(of: requests))
        Batch.encode(requests, into: &w)
        self.encodedSize = w.bytes.count
        self.digest = Digest.of(w.bytes)
    }

    /// The empty batch a new primary proposes for slots nobody prepared (a no-op).
    public static let noop = Batch(requests: [])

    public var isNoop: Bool { requests.isEmpty }

    static func encodedSize(of requests: [ClientRequest]) -> Int {
        requests.reduce(4) { $0 + $1.encodedSize }
    }

    static func encode(_ requests: [ClientRequest], into w: inout WireWriter) {
        w.write(UInt32(requests.count))
        for r in requests { w.write(r) }
    }

    public static func == (a: Batch, b: Batch) -> Bool { a === b || a.digest == b.digest }
    public func hash(into h: inout Hasher) { h.combine(digest) }
    public var description: String { "Batch(\(requests.count) req, \(digest))" }
}
