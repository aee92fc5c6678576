/// A replica's deterministic answer, in place of a result, to a request the client
/// table would not take: every correct replica refuses the same request at the same
/// point of execution with the same bytes, so a client can match f+1 refusals (or
/// check one proven refusal) as it matches results.
///
/// A refusal travels as an ordinary `ClientReply` whose `request` is
/// `ClientRefusal.replyDigest` — a digest no command has (commands hash under
/// another domain byte, see `ClientRequest.digest`) — and whose `result` is
/// `encoded`. A refused request never executes later: the floor only rises, and a
/// client that comes back does so with a newer timestamp.
///
/// Guarantees: `init(result:)` decodes exactly what `encoded` produces and nothing
/// else.
public enum ClientRefusal: Hashable, Sendable {
    /// The client holds no entry (it was evicted, or is new) and its request's
    /// `epoch` is below the table's floor: re-sign the command with a new timestamp
    /// and an epoch of at least `floor`.
    case staleEpoch(floor: UInt64)
    /// The table is full and every entry executed within the eviction age: try later.
    case tableFull

    /// The `request` digest of every refusal reply.
    public static let replyDigest = Digest.of([UInt8(0xE4)] + Array("client-refusal".utf8))

    public var encoded: [UInt8] {
        var w = WireWriter(capacity: 9)
        switch self {
        case .staleEpoch(let floor): w.write(UInt8(1)); w.write(floor)
        case .tableFull: w.write(UInt8(2))
        }
        return w.bytes
    }

    /// The refusal a reply's `result` carries, if the reply names `replyDigest`.
    public init?(result: [UInt8]) {
        guard let r = try? WireReader(result) else { return nil }
        var reader = r
        switch try? reader.readUInt8() {
        case 1:
            guard let floor = try? reader.readUInt64(), reader.remaining == 0 else { return nil }
            self = .staleEpoch(floor: floor)
        case 2:
            guard reader.remaining == 0 else { return nil }
            self = .tableFull
        default: return nil
        }
    }
}
