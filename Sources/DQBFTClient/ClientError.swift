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
    /// `connect` could not reach f+1 replicas within its timeout; lists the
    /// replicas it could not reach ("replica 2 at 10.0.0.3:7002").
    case unavailable(unreachable: [String])
    /// f+1 replicas refused the command for the reason given (their client table
    /// is full of clients active within its eviction age); it did not execute.
    case refused(String)

    public var description: String {
        switch self {
        case .timeout(let n): return "no reply quorum after \(n) attempts"
        case .closed: return "client is closed"
        case .invalidOperation: return "the replicas rejected the operation as invalid"
        case .unexpectedResult(let r): return "unexpected result \(r.prefix(16))"
        case .refused(let why): return "refused: \(why); the operation did not execute"
        case .unavailable(let down):
            return "cluster unavailable: could not reach \(down.joined(separator: ", "))"
        }
    }
}
