import Crypto
import DQBFTCore
import DQBFTCrypto
import Logging
import NIOCore

/// How one end of a channel identifies itself and what it accepts from the other end.
public struct SecureChannelConfiguration: Sendable {
    public enum LocalIdentity: Sendable {
        case replica(Ed25519Signer)
        /// A client: the key that owns its ids (and signs its handshake) and how
        /// many of those ids (`1 ... ClientSignature.idsPerKey`) this connection uses.
        case client(ClientSigningKey, lanes: UInt32)
    }

    public var local: LocalIdentity
    /// The side that dialled (it expects `expectedPeer`).
    public var isInitiator: Bool
    /// The replica the initiator dialled; the handshake fails if someone else answers.
    public var expectedPeer: ReplicaID?
    /// Whether unauthenticated clients may connect (replica listeners: yes).
    public var acceptsClients: Bool
    public var verifier: Ed25519Verifier
    public var replicaCount: Int
    public var handshakeTimeout: TimeAmount
    /// Most outbound messages buffered while the handshake is in progress.
    public var maxBufferedWrites: Int
    /// Where "closing connection" warnings go through (nil: every one is logged).
    public var warnings: LogRateLimiter?
    /// Whether frames are encrypted (ChaCha20-Poly1305) as well as authenticated;
    /// both ends must agree (`ClusterFile.encryptsFrames`).
    public var encryptsFrames = false

    public init(local: LocalIdentity, isInitiator: Bool, expectedPeer: ReplicaID?, acceptsClients: Bool,
                verifier: Ed25519Verifier, replicaCount: Int, handshakeTimeout: TimeAmount = .seconds(5),
                maxBufferedWrites: Int = 4096) {
        self.local = local; self.isInitiator = isInitiator; self.expectedPeer = expectedPeer
        self.acceptsClients = acceptsClients; self.verifier = verifier; self.replicaCount = replicaCount
        self.handshakeTimeout = handshakeTimeout; self.maxBufferedWrites = maxBufferedWrites
    }
}

/// Fired inbound (as a user event) once the handshake has authenticated the peer.
public struct SecureChannelEstablished: Sendable {
    public let peer: PeerIdentity
    /// A client peer's Ed25519 public key (it signed the handshake with it); nil for replicas.
    public var clientKey: [UInt8]? = nil
}

/// Why a secure channel was torn down.
public enum SecureChannelError: Error, Equatable {
    case malformedHello
    case unexpectedPeer(PeerIdentity)
    case badSignature(PeerIdentity)
    case badMAC(PeerIdentity)
    case handshakeTimeout
    case notEstablished
}

/// Authenticates a framed channel, then every frame on it.
///
/// Handshake: each side sends a `Hello` (identity, 32-byte nonce, ephemeral X25519
/// key; a client adds its Ed25519 public key, which determines its id base), then an
/// authenticator: the Ed25519 signature of the hash of both hellos (bound to the
/// signer's position, initiator or responder) — by the replica's key, or by the
/// client's key. Both derive one HMAC key per direction by HKDF from the X25519
/// shared secret, salted with the transcript.
///
/// Guarantees: no application frame passes before the peer's identity is proven
/// (replicas: their configured key; clients: the key that owns the ids they claim,
/// so nobody can claim another client's ids to receive its replies) and the keys
/// agreed; while the handshake is in progress the frame decoder accepts only
/// `TransportLimits.handshakeFrameBytes` per frame (`frameLimit`), raised once the
/// peer is authenticated (clients: `maxClientFrameBytes`); afterwards every inbound frame carries a valid
/// HMAC-SHA256 over (frame counter, bytes) — or, with `encryptsFrames`, is a
/// ChaCha20-Poly1305 sealed box under the frame counter — so frames cannot be forged, replayed,
/// reordered or dropped; any failure, or no handshake within the timeout, closes
/// the channel. Outbound writes before the handshake are buffered (bounded).
public final class SecureChannelHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    enum State {
        case awaitingHello
        case awaitingAuth(peer: Hello, transcript: HandshakeTranscript, send: FrameProtection, receive: FrameProtection)
        case established(peer: PeerIdentity, send: FrameProtection, receive: FrameProtection)
        case failed
    }

    let configuration: SecureChannelConfiguration
    let logger: Logger
    let ephemeral = Curve25519.KeyAgreement.PrivateKey()
    let myHello: Hello
    var state = State.awaitingHello
    var helloSent = false
    var sendCounter: UInt64 = 0
    var receiveCounter: UInt64 = 0
    var buffered: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    var timeout: Scheduled<Void>?
    /// The frame decoder's limit, raised once the peer is authenticated (nil: fixed).
    let frameLimit: FrameLimit?

    public init(configuration: SecureChannelConfiguration, logger: Logger, frameLimit: FrameLimit? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.frameLimit = frameLimit
        let identity: PeerIdentity
        var clientKey: [UInt8]?
        switch configuration.local {
        case .replica(let signer): identity = .replica(signer.me)
        case .client(let key, let lanes):
            identity = .client(base: key.idBase, lanes: lanes)
            clientKey = key.publicKey
        }
        var nonce = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255, using: &rng) }
        myHello = Hello(identity: identity, nonce: nonce, ephemeralKey: Array(ephemeral.publicKey.rawRepresentation),
                        clientKey: clientKey)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func start(context: ChannelHandlerContext) {
        guard !helloSent else { return }
        helloSent = true
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            channel.pipeline.fireErrorCaught(SecureChannelError.handshakeTimeout)
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: myHello.encode())), promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        let pending = buffered
        buffered = []
        for (_, promise) in pending { promise?.fail(SecureChannelError.notEstablished) }
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch state {
        case .established(let peer, _, let receive):
            guard let message = receive.open(frame, counter: receiveCounter) else { return fail(context, .badMAC(peer)) }
            receiveCounter &+= 1
            context.fireChannelRead(wrapInboundOut(message))
        case .awaitingHello:
            guard let peer = Hello.decode(Array(frame.readableBytesView), replicaCount: configuration.replicaCount),
                  let peerKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer.ephemeralKey),
                  let shared = try? ephemeral.sharedSecretFromKeyAgreement(with: peerKey)
            else { return fail(context, .malformedHello) }
            guard accepts(peer.identity) else { return fail(context, .unexpectedPeer(peer.identity)) }
            let initiator = configuration.isInitiator ? myHello : peer
            let responder = configuration.isInitiator ? peer : myHello
            let transcript = HandshakeTranscript(initiator: initiator, responder: responder)
            let keys = FrameProtection.directional(encrypt: configuration.encryptsFrames, sharedSecret: shared,
                                                   transcriptHash: transcript.hash)
            let (send, receive) = configuration.isInitiator
                ? (keys.initiatorToResponder, keys.responderToInitiator)
                : (keys.responderToInitiator, keys.initiatorToResponder)
            state = .awaitingAuth(peer: peer, transcript: transcript, send: send, receive: receive)
            let signed = transcript.signedBytes(asInitiator: configuration.isInitiator)
            let auth: [UInt8]
            switch configuration.local {
            case .replica(let signer): auth = signer.sign(signed)
            case .client(let key, _): auth = key.signature(for: signed)
            }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: auth)), promise: nil)
        case .awaitingAuth(let peer, let transcript, let send, let receive):
            let auth = Array(frame.readableBytesView)
            switch peer.identity {
            case .replica(let r):
                guard configuration.verifier.verify(auth, of: transcript.signedBytes(asInitiator: !configuration.isInitiator), by: r)
                else { return fail(context, .badSignature(peer.identity)) }
            case .client:
                guard let key = peer.clientKey,
                      let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key),
                      publicKey.isValidSignature(auth, for: transcript.signedBytes(asInitiator: !configuration.isInitiator))
                else { return fail(context, .badSignature(peer.identity)) }
            }
            timeout?.cancel()
            state = .established(peer: peer.identity, send: send, receive: receive)
            if case .client = peer.identity {
                frameLimit?.bytes = TransportLimits.maxClientFrameBytes
            } else {
                frameLimit?.bytes = TransportLimits.maxFrameBytes
            }
            context.fireUserInboundEventTriggered(SecureChannelEstablished(peer: peer.identity, clientKey: peer.clientKey))
            let pending = buffered
            buffered = []
            for (message, promise) in pending { context.write(wrapOutboundOut(seal(message, with: send)), promise: promise) }
            if !pending.isEmpty { context.flush() }
        case .failed:
            return
        }
    }

    func accepts(_ peer: PeerIdentity) -> Bool {
        switch peer {
        case .replica(let r):
            if case .replica(let signer) = configuration.local, signer.me == r { return false }
            if let expected = configuration.expectedPeer { return r == expected }
            return configuration.isInitiator == false
        case .client:
            return configuration.acceptsClients && !configuration.isInitiator
        }
    }

    func fail(_ context: ChannelHandlerContext, _ error: SecureChannelError) {
        context.fireErrorCaught(error)
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if case .failed = state { return }
        state = .failed
        let metadata: Logger.Metadata = ["remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "error": "\(error)"]
        if let warnings = configuration.warnings {
            warnings.warning("closing connection", metadata: metadata, logger: logger)
        } else {
            logger.warning("closing connection", metadata: metadata)
        }
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    func seal(_ message: ByteBuffer, with protection: FrameProtection) -> ByteBuffer {
        defer { sendCounter &+= 1 }
        return protection.seal(message, counter: sendCounter)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        switch state {
        case .established(_, let send, _):
            context.write(wrapOutboundOut(seal(message, with: send)), promise: promise)
        case .failed:
            promise?.fail(SecureChannelError.notEstablished)
        case .awaitingHello, .awaitingAuth:
            guard buffered.count < configuration.maxBufferedWrites else {
                promise?.fail(SecureChannelError.notEstablished)
                return
            }
            buffered.append((message, promise))
        }
    }
}
