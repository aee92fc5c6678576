/// Why a frame could not be decoded. Decoding never traps: every malformed input
/// maps to one of these.
public enum WireError: Error, Hashable, Sendable {
    /// The frame ended before a field was complete.
    case truncated(needed: Int, remaining: Int)
    /// The frame is larger than the configured limit.
    case frameTooLarge(size: Int, limit: Int)
    /// A length or count field exceeds a configured limit or the bytes left.
    case lengthOutOfRange(field: String, value: UInt64, limit: Int)
    /// The version byte is not one this build understands.
    case unsupportedVersion(UInt8)
    /// A message kind or enum tag is unknown.
    case unknownTag(field: String, value: UInt8)
    /// A field holds a value that cannot occur (e.g. a replica id ≥ N).
    case invalidValue(field: String)
    /// Bytes were left over after the message was decoded.
    case trailingBytes(Int)
}

/// Bounds a decoder enforces on hostile input.
///
/// Guarantees: a decoder never allocates more than `maxFrameBytes` in total for
/// one frame, because every count is checked against the bytes that remain.
public struct WireLimits: Hashable, Sendable {
    public var maxFrameBytes: Int
    public var maxRequestsPerBatch: Int
    public var maxOperationBytes: Int
    public var maxReplicas: Int

    public init(maxFrameBytes: Int = 16 << 20, maxRequestsPerBatch: Int = 65_536,
                maxOperationBytes: Int = 1 << 20, maxReplicas: Int = 1024) {
        self.maxFrameBytes = maxFrameBytes
        self.maxRequestsPerBatch = maxRequestsPerBatch
        self.maxOperationBytes = maxOperationBytes
        self.maxReplicas = maxReplicas
    }

    public static let `default` = WireLimits()
}
