import DQBFTCore
import Logging
import NIOCore

/// Limits of every connection.
public enum TransportLimits {
    /// Largest frame accepted on the wire: the core's largest message plus the MAC tag.
    public static let maxFrameBytes = (16 << 20) + 64
    /// Largest frame accepted before the peer is authenticated: a hello (at most
    /// `Hello.clientSize` bytes) or an authenticator (a 64-byte signature). Until the
    /// handshake completes a connection buffers at most this much.
    public static let handshakeFrameBytes = 256
    /// Largest frame accepted from an authenticated client: one request (an
    /// operation of at most `WireLimits.maxOperationBytes`, its header and its
    /// signature) plus the MAC tag. Clients send nothing else.
    public static let maxClientFrameBytes = WireLimits.default.maxOperationBytes + 4096
}
