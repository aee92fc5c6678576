import NIOCore

/// Why a stream of frames was rejected. Any of these closes the connection.
public enum FramingError: Error, Equatable, CustomStringConvertible {
    /// A length prefix announced a frame larger than the limit.
    case frameTooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .frameTooLarge(let size, let limit): return "frame of \(size) bytes exceeds the limit of \(limit)"
        }
    }
}

/// The largest frame one connection's `FrameDecoder` accepts right now, shared with
/// the handler that raises it (the secure channel, once the peer is authenticated).
///
/// Guarantees: confined to the channel's event loop (the decoder and the secure
/// channel both run there); `bytes` is read afresh for every frame, so a raise takes
/// effect from the next length prefix on.
public final class FrameLimit: @unchecked Sendable {
    public var bytes: Int
    public init(bytes: Int) {
        precondition(bytes > 0 && bytes <= Int(UInt32.max))
        self.bytes = bytes
    }
}

/// Splits a TCP byte stream into frames of a 4-byte big-endian length followed by
/// that many bytes.
///
/// Guarantees: emits exactly the frames the peer wrote, however TCP split or
/// merged them; never buffers more than one maximal frame plus its prefix; a
/// prefix above the current limit (`limit.bytes`, fixed at `maxFrameBytes` unless a
/// shared `FrameLimit` is given) fails with `FramingError.frameTooLarge` before any
/// of the frame is buffered (the pipeline then closes the connection).
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    public let limit: FrameLimit
    public var maxFrameBytes: Int { limit.bytes }

    public init(maxFrameBytes: Int) { self.init(limit: FrameLimit(bytes: maxFrameBytes)) }

    public init(limit: FrameLimit) { self.limit = limit }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        let size = Int(length), maxFrameBytes = limit.bytes
        guard size <= maxFrameBytes else { throw FramingError.frameTooLarge(size: size, limit: maxFrameBytes) }
        guard buffer.readableBytes >= 4 + size else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: size) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF is simply dropped: the peer went away mid-frame.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes each outbound buffer as one frame: its 4-byte big-endian length, then its bytes.
///
/// Guarantees: the output is exactly what `FrameDecoder` splits back into the same
/// buffers; a buffer above `maxFrameBytes` is refused with an error instead of sent.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer
    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        guard data.readableBytes <= maxFrameBytes else {
            throw FramingError.frameTooLarge(size: data.readableBytes, limit: maxFrameBytes)
        }
        out.reserveCapacity(4 + data.readableBytes)
        out.writeInteger(UInt32(data.readableBytes))
        var data = data
        out.writeBuffer(&data)
    }
}
