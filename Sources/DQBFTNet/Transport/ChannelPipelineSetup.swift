import DQBFTCore
import Logging
import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds framing and the secure channel in front of `handler`:
    /// length-prefixed frames → handshake + per-frame HMAC → `handler`. Frames are
    /// limited to `handshakeFrameBytes` until the handshake authenticates the peer.
    func addSecureFraming(_ configuration: SecureChannelConfiguration, logger: Logger,
                          then handler: some ChannelHandler) throws {
        let limit = FrameLimit(bytes: TransportLimits.handshakeFrameBytes)
        try addHandler(ByteToMessageHandler(FrameDecoder(limit: limit)))
        try addHandler(MessageToByteHandler(FrameEncoder(maxFrameBytes: TransportLimits.maxFrameBytes)))
        try addHandler(SecureChannelHandler(configuration: configuration, logger: logger, frameLimit: limit))
        try addHandler(handler)
    }
}
