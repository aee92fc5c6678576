import Logging
import NIOCore

/// Limits of every connection.
public enum TransportLimits {
    /// Largest frame accepted on the wire: the core's largest message plus the MAC tag.
    public static let maxFrameBytes = (16 << 20) + 64
}

extension ChannelPipeline.SynchronousOperations {
    /// Adds framing and the secure channel in front of `handler`:
    /// length-prefixed frames → handshake + per-frame HMAC → `handler`.
    func addSecureFraming(_ configuration: SecureChannelConfiguration, logger: Logger,
                          then handler: some ChannelHandler) throws {
        try addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: TransportLimits.maxFrameBytes)))
        try addHandler(MessageToByteHandler(FrameEncoder(maxFrameBytes: TransportLimits.maxFrameBytes)))
        try addHandler(SecureChannelHandler(configuration: configuration, logger: logger))
        try addHandler(handler)
    }
}
