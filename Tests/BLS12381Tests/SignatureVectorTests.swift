import Foundation
import Testing
@testable import BLS12381

/// Every case of Vectors/bls12381-pop-vectors.json (generated with py-ecc,
/// ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_).
@Suite struct SignatureVectorTests {
    struct File: Decodable, Sendable {
        struct Sign: Decodable, Sendable { let sk, msg, pk, sig: String; let valid: Bool }
        struct Aggregate: Decodable, Sendable {
            let msg: String; let pks, sigs: [String]; let aggregate: String
            let fast_aggregate_verify: Bool
        }
        struct KeyGen: Decodable, Sendable { let ikm, sk, pk: String }
        struct Negative: Decodable, Sendable { let pk, msg, sig: String; let valid: Bool; let why: String }
        let ciphersuite: String
        let sign: [Sign]
        let aggregate: [Aggregate]
        let keygen: [KeyGen]
        let verify_negative: [Negative]
    }

    static let vectors: File = {
        let url = Bundle.module.url(forResource: "bls12381-pop-vectors", withExtension: "json", subdirectory: "Vectors")
            ?? Bundle.module.url(forResource: "bls12381-pop-vectors", withExtension: "json")!
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }()

    @Test func ciphersuite() {
        #expect(Self.vectors.ciphersuite == "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")
    }

    @Test func keyGen() throws {
        let cases = Self.vectors.keygen
        #expect(!cases.isEmpty)
        for c in cases {
            let sk = try BLS12381.SecretKey.keyGen(ikm: hex(c.ikm))
            #expect(hex(sk.bytes) == c.sk)
            #expect(hex(sk.publicKey.compressed) == c.pk)
        }
    }

    @Test func sign() throws {
        let cases = Self.vectors.sign
        #expect(!cases.isEmpty)
        for c in cases {
            let sk = try BLS12381.SecretKey(bytes: hex(c.sk))
            let msg = hex(c.msg)
            #expect(hex(sk.publicKey.compressed) == c.pk)
            let sig = sk.sign(msg)
            #expect(hex(sig.compressed) == c.sig)
            let valid = c.valid
            #expect(BLS12381.verify(publicKey: hex(c.pk), message: msg, signature: hex(c.sig)) == valid)
        }
    }

    @Test func aggregate() throws {
        let cases = Self.vectors.aggregate
        #expect(!cases.isEmpty)
        for c in cases {
            let pks = try (c.pks).map { try BLS12381.PublicKey(compressed: hex($0)) }
            let sigs = try (c.sigs).map { try BLS12381.Signature(compressed: hex($0)) }
            let agg = BLS12381.Signature.aggregate(sigs)!
            #expect(hex(agg.compressed) == c.aggregate)
            let expected = c.fast_aggregate_verify
            #expect(BLS12381.fastAggregateVerify(publicKeys: pks, message: hex(c.msg), signature: agg) == expected)
        }
    }

    @Test func verifyNegative() {
        let cases = Self.vectors.verify_negative
        #expect(!cases.isEmpty)
        for c in cases {
            let ok = BLS12381.verify(publicKey: hex(c.pk), message: hex(c.msg),
                                     signature: hex(c.sig))
            #expect(ok == (c.valid), "\(c.why)")
        }
    }

    @Test func proofOfPossession() throws {
        let sk = try BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: 7, count: 32))
        let other = try BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: 8, count: 32))
        let proof = sk.proveProofOfPossession()
        #expect(BLS12381.verifyProofOfPossession(publicKey: sk.publicKey, proof: proof))
        #expect(!BLS12381.verifyProofOfPossession(publicKey: other.publicKey, proof: proof))
        // A PoP is not a signature over the key bytes under the message DST.
        #expect(!BLS12381.verify(publicKey: sk.publicKey, message: sk.publicKey.compressed, signature: proof))
        #expect(throws: BLS12381.KeyError.inputKeyingMaterialTooShort) { try BLS12381.SecretKey.keyGen(ikm: [1, 2, 3]) }
        #expect(throws: BLS12381.KeyError.invalidSecretKey) { try BLS12381.SecretKey(bytes: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: BLS12381.KeyError.identityPublicKey) {
            try BLS12381.PublicKey(compressed: [0xc0] + [UInt8](repeating: 0, count: 47))
        }
    }

    @Test func aggregateVerifyDistinctMessages() throws {
        let keys = try (0..<3).map { i in try BLS12381.SecretKey.keyGen(ikm: [UInt8](repeating: UInt8(i + 1), count: 32)) }
        let msgs: [[UInt8]] = [[1], [2], [3]]
        let sig = BLS12381.Signature.aggregate(zip(keys, msgs).map { $0.sign($1) })!
        #expect(BLS12381.aggregateVerify(publicKeys: keys.map(\.publicKey), messages: msgs, signature: sig))
        #expect(!BLS12381.aggregateVerify(publicKeys: keys.map(\.publicKey), messages: [[1], [2], [4]], signature: sig))
    }
}
