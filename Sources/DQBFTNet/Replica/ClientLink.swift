import DQBFTCore
import NIOCore

/// The replica's handle on one client connection, used to route replies by client id.
///
/// Guarantees: `key` signed the connection's handshake and `base` is the id base it
/// owns (`ClientSignature.idBase(of: key)`); replies are written in the order given; a reply to a connection
/// that is closed or whose socket buffer is full (not writable) is dropped and
/// counted — the client retries, and replicas answer retries from their reply cache.
final class ClientLink: @unchecked Sendable {
    let channel: Channel
    let base: ClientID
    let lanes: UInt32
    /// The client's Ed25519 public key, proven in the handshake.
    let key: [UInt8]

    init(channel: Channel, base: ClientID, lanes: UInt32, key: [UInt8]) {
        self.channel = channel; self.base = base; self.lanes = lanes; self.key = key
    }

    func owns(_ client: ClientID) -> Bool {
        client.rawValue >= base.rawValue && client.rawValue - base.rawValue < UInt64(lanes)
    }

    /// Writes `frames`; calls `dropped` (on the channel's loop) with how many were not written.
    func write(_ frames: [ByteBuffer], dropped: @escaping @Sendable (Int) -> Void) {
        let channel = self.channel
        let write = {
            guard channel.isActive, channel.isWritable else { dropped(frames.count); return }
            for f in frames { channel.write(f, promise: nil) }
            channel.flush()
        }
        if channel.eventLoop.inEventLoop { write() } else { channel.eventLoop.execute(write) }
    }
}
