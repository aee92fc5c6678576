import DQBFTCore
import Testing
@testable import DQBFTCrypto

@Suite("Client request signatures: self-certifying ids, checked alone and inside proposals")
struct ClientSignatureTests {
    static let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
    static let verifier = MessageVerifier(config: config, signatures: ClassicCryptoTests.cluster(4).verifier,
                                          clients: Ed25519ClientVerifier())

    static func request(_ key: ClientSigningKey, lane: UInt64 = 0, timestamp: UInt64 = 1, target: Int = 0) -> ClientRequest {
        ClientRequest(client: ClientID(key.idBase.rawValue + lane), timestamp: timestamp, assignedReplica: ReplicaID(target),
                      operation: KeyValueOperation.put(key: Array("k".utf8), value: Array("v".utf8)).encode())
    }

    static func accepted(_ r: ClientRequest) -> Bool { verifier.verify(.request(r), channelPeer: nil) }

    @Test("a key owns exactly its 4096 ids; a signed request round-trips through the wire")
    func idsAndCodec() throws {
        let key = ClientSigningKey()
        #expect(key.idBase.rawValue % ClientSignature.idsPerKey == 0 && key.idBase.rawValue < 1 << 63)
        let signed = key.sign(Self.request(key, lane: 4095))
        let s = try #require(signed.signature)
        #expect(s.owns(ClientID(key.idBase.rawValue)) && s.owns(ClientID(key.idBase.rawValue + 4095)))
        #expect(!s.owns(ClientID(key.idBase.rawValue + 4096)) && !s.owns(ClientID(key.idBase.rawValue &- 1)))
        let bytes = WireMessage.request(signed).encode()
        #expect(try WireMessage.decode(bytes) == .request(signed))
        #expect(Self.accepted(signed))
    }

    @Test("unsigned, re-targeted, altered, re-epoched, foreign-id and wrong-key requests are refused")
    func forgeriesRefused() throws {
        let key = ClientSigningKey(), other = ClientSigningKey()
        let signed = key.sign(Self.request(key))
        #expect(!Self.accepted(Self.request(key)), "unsigned")
        var retargeted = signed
        retargeted.assignedReplica = ReplicaID(2)
        #expect(!Self.accepted(retargeted), "a relaying replica changed the assigned replica")
        var altered = signed
        altered.operation[altered.operation.count - 1] ^= 1
        #expect(!Self.accepted(altered))
        var replayedLater = signed
        replayedLater.timestamp += 1
        #expect(!Self.accepted(replayedLater))
        var newerEpoch = signed
        newerEpoch.epoch = 7
        #expect(!Self.accepted(newerEpoch), "a replay dressed in a newer epoch (the client table's eviction floor)")
        var signedEpoch = Self.request(key)
        signedEpoch.epoch = 7
        #expect(Self.accepted(key.sign(signedEpoch)))
        // Another key signing for ids it does not own (impersonation).
        var impersonated = Self.request(key)
        impersonated.signature = ClientSignature(publicKey: other.publicKey,
                                                 signature: Array(try other.key.signature(for: impersonated.signedBytes)))
        #expect(!Self.accepted(impersonated), "a valid signature by a key that does not own the id")
        var badKey = signed
        badKey.signature?.publicKey = other.publicKey
        #expect(!Self.accepted(badKey))
    }

    @Test("a proposal or fetched batch with one forged request is refused; honest ones pass")
    func proposalsChecked() {
        let a = ClientSigningKey(), b = ClientSigningKey()
        let honest = Batch(requests: [a.sign(Self.request(a)), b.sign(Self.request(b, lane: 7, timestamp: 3))])
        var forged = b.sign(Self.request(b, lane: 1))
        forged.operation = KeyValueOperation.delete(key: Array("k".utf8)).encode()
        let tampered = Batch(requests: [a.sign(Self.request(a)), forged])
        func proposal(_ batch: Batch) -> WireMessage {
            .consensus(from: ReplicaID(0), instance: .main,
                       .prePrepare(PrePrepare(view: ViewNumber(0), sequence: SequenceNumber(1), payload: .requests(batch))))
        }
        func fetched(_ batch: Batch) -> WireMessage { .consensus(from: ReplicaID(1), instance: .main, .payload(.requests(batch))) }
        #expect(Self.verifier.verify(proposal(honest), channelPeer: ReplicaID(0)))
        #expect(!Self.verifier.verify(proposal(tampered), channelPeer: ReplicaID(0)))
        #expect(Self.verifier.verify(fetched(honest), channelPeer: ReplicaID(1)))
        #expect(!Self.verifier.verify(fetched(tampered), channelPeer: ReplicaID(1)))
        #expect(Self.verifier.verify(proposal(.noop), channelPeer: ReplicaID(0)), "a no-op carries no request")
        // Without client authentication (the simulator), unsigned requests pass.
        let open = MessageVerifier(config: Self.config, signatures: ClassicCryptoTests.cluster(4).verifier)
        #expect(open.verify(proposal(tampered), channelPeer: ReplicaID(0)) && open.verify(.request(Self.request(a)), channelPeer: nil))
    }

    @Test("accepted signatures are remembered up to capacity; a hit needs identical bytes")
    func verifiedCache() {
        let verifier = Ed25519ClientVerifier(capacity: 2)
        let key = ClientSigningKey()
        let signed = (1...3).map { key.sign(Self.request(key, timestamp: $0)) }
        func check(_ r: ClientRequest) -> Bool {
            verifier.verify(r.signature!.signature, of: r.signedBytes, publicKey: r.signature!.publicKey)
        }
        #expect(check(signed[0]) && check(signed[0]))
        #expect(verifier.cachedCount == 1)
        var altered = signed[0]
        altered.timestamp = 9
        #expect(!check(altered), "a remembered signature does not vouch for other bytes")
        #expect(verifier.cachedCount == 1, "rejections are not remembered")
        #expect(check(signed[1]) && check(signed[2]))
        #expect(verifier.cachedCount == 2, "the oldest is evicted")
        #expect(check(signed[0]), "an evicted signature still verifies the slow way")
    }
}
