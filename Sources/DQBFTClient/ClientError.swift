/// Why a client operation failed.
public enum DQBFTClientError: Error, Equatable, CustomStringConvertible {
    /// No f+1 matching replies arrived before the operation's deadline.
    case timeout(attempts: Int)
    /// The client was closed (or never connected).
    case closed
    /// The replicas answered that the operation was malformed.
    case invalidOperation
    /// A reply could not be interpreted as a key-value result.
    case unexpectedResult([UInt8])

    public var description: String {
        switch self {
        case .timeout(let n): return "no reply quorum after \(n) attempts"
        case .closed: return "client is closed"
        case .invalidOperation: return "the replicas rejected the operation as invalid"
        case .unexpectedResult(let r): return "unexpected result \(r.prefix(16))"
        }
    }
}
