import Crypto
import DQBFTCore
import Foundation
import Testing
@testable import DQBFTCrypto

@Suite("Classic crypto: Ed25519 replica signatures, channel MACs, key files")
struct ClassicCryptoTests {
    static func cluster(_ n: Int) -> (signers: [Ed25519Signer], verifier: Ed25519Verifier) {
        let keys = (0..<n).map { _ in Curve25519.Signing.PrivateKey() }
        return (keys.enumerated().map { Ed25519Signer(me: ReplicaID($0.offset), privateKey: $0.element) },
                Ed25519Verifier(publicKeys: keys.map(\.publicKey)))
    }

    @Test("a replica's signature verifies for it and for nobody else")
    func signatureBindsSigner() {
        let (signers, verifier) = Self.cluster(4)
        let message = Array("checkpoint 64".utf8)
        let signature = signers[1].sign(message)
        #expect(signature.count == verifier.signatureSize)
        #expect(verifier.verify(signature, of: message, by: ReplicaID(1)))
        #expect(!verifier.verify(signature, of: message, by: ReplicaID(2)))
        #expect(!verifier.verify(signature, of: message + [0], by: ReplicaID(1)))
        #expect(!verifier.verify(signature, of: message, by: ReplicaID(9)), "unknown replica")
        #expect(!verifier.verify(Array(signature.dropLast()), of: message, by: ReplicaID(1)), "short signature")
        var flipped = signature
        flipped[5] ^= 1
        #expect(!verifier.verify(flipped, of: message, by: ReplicaID(1)))
    }

    @Test("the core's message verifier accepts real signed checkpoints and rejects forged ones")
    func messageVerifierWithEd25519() {
        let (signers, verifier) = Self.cluster(4)
        let config = ClusterConfiguration(replicas: 4, faultModel: .byzantine)
        let mv = MessageVerifier(config: config, signatures: verifier)
        var c = SignedCheckpoint(sender: ReplicaID(2), sequence: SequenceNumber(64), stateDigest: Digest.of([1, 2, 3]), signature: [])
        c.signature = signers[2].sign(c.signedBytes(instance: .main))
        #expect(mv.verify(.consensus(from: ReplicaID(2), instance: .main, .checkpoint(c)), channelPeer: ReplicaID(2)))
        var forged = c
        forged.signature = signers[3].sign(c.signedBytes(instance: .main))
        #expect(!mv.verify(.consensus(from: ReplicaID(2), instance: .main, .checkpoint(forged)), channelPeer: ReplicaID(2)))
    }

    @Test("channel MACs bind key, counter and bytes")
    func channelMAC() {
        let mac = ChannelMAC(key: SymmetricKey(size: .bits256))
        let other = ChannelMAC(key: SymmetricKey(size: .bits256))
        let bytes: [UInt8] = [1, 2, 3, 4]
        let tag = mac.tag(counter: 7, bytes)
        #expect(tag.count == ChannelMAC.tagByteCount)
        #expect(mac.isValid(tag: tag, counter: 7, bytes))
        #expect(!mac.isValid(tag: tag, counter: 8, bytes), "replayed at another position")
        #expect(!mac.isValid(tag: tag, counter: 7, [1, 2, 3, 5]))
        #expect(!other.isValid(tag: tag, counter: 7, bytes))
        #expect(!mac.isValid(tag: Array(tag.prefix(16)), counter: 7, bytes))
    }

    @Test("both ends of an X25519 exchange derive the same directional keys, and the directions differ")
    func directionalKeys() throws {
        let a = Curve25519.KeyAgreement.PrivateKey(), b = Curve25519.KeyAgreement.PrivateKey()
        let transcript = Array(SHA256.hash(data: [9, 9, 9]))
        let ka = ChannelMAC.directionalKeys(sharedSecret: try a.sharedSecretFromKeyAgreement(with: b.publicKey), transcriptHash: transcript)
        let kb = ChannelMAC.directionalKeys(sharedSecret: try b.sharedSecretFromKeyAgreement(with: a.publicKey), transcriptHash: transcript)
        let bytes: [UInt8] = [42]
        #expect(kb.initiatorToResponder.isValid(tag: ka.initiatorToResponder.tag(counter: 0, bytes), counter: 0, bytes))
        #expect(!kb.responderToInitiator.isValid(tag: ka.initiatorToResponder.tag(counter: 0, bytes), counter: 0, bytes))
    }

    @Test("keys round-trip through hex and private key files are mode 0600")
    func keyFiles() throws {
        let key = Curve25519.Signing.PrivateKey()
        #expect(KeyFiles.publicKey(hex: KeyFiles.encode(key.publicKey))?.rawRepresentation == key.publicKey.rawRepresentation)
        #expect(KeyFiles.publicKey(hex: "zz") == nil)
        #expect(KeyFiles.publicKey(hex: String(repeating: "ab", count: 31)) == nil)
        #expect(KeyFiles.bytes(hex: "0aFF") == [10, 255])
        let path = NSTemporaryDirectory() + "dqbft-key-\(UInt64.random(in: 0...UInt64.max)).key"
        defer { unlink(path) }
        try KeyFiles.writePrivateKey(key, to: path)
        #expect(try KeyFiles.readPrivateKey(at: path).rawRepresentation == key.rawRepresentation)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(throws: KeyFileError.self) { try KeyFiles.readPrivateKey(at: path + ".missing") }
    }
}
