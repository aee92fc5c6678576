import Crypto

extension BLS12381 {
    /// A BLS secret key: a scalar SK with 0 < SK < r.
    ///
    /// Guarantees: the scalar is never zero; deriving the public key, signing
    /// and proving possession use constant-time scalar multiplication, so their
    /// control flow and memory accesses do not depend on the key. `description`
    /// never reveals the key.
    public struct SecretKey: Sendable, CustomStringConvertible {
        let scalar: Fr

        init(scalar: Fr) {
            precondition(!scalar.isZero, "secret keys are non-zero")
            self.scalar = scalar
        }

        /// KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3 (HKDF-SHA-256, salt
        /// "BLS-SIG-KEYGEN-SALT-" re-hashed on every attempt, L = 48).
        public static func keyGen(ikm: [UInt8], keyInfo: [UInt8] = []) throws(KeyError) -> SecretKey {
            guard ikm.count >= 32 else { throw .inputKeyingMaterialTooShort }
            var salt = Array("BLS-SIG-KEYGEN-SALT-".utf8)
            while true {
                salt = Array(SHA256.hash(data: salt))
                let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: ikm + [0]), salt: salt)
                let okm = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: keyInfo + [0, 48], outputByteCount: 48)
                let bytes = okm.withUnsafeBytes { Array($0) }
                let sk = Fr(reducingBigEndian: bytes)
                if !sk.isZero { return SecretKey(scalar: sk) }
            }
        }

        /// Decodes a 32-byte big-endian scalar; rejects 0 and values ≥ r.
        public init(bytes: [UInt8]) throws(KeyError) {
            guard let s = Fr(bigEndian: bytes), !s.isZero else { throw .invalidSecretKey }
            self.scalar = s
        }

        /// The 32-byte big-endian encoding (I2OSP(SK, 32)).
        public var bytes: [UInt8] { scalar.bigEndianBytes }

        /// SkToPk: SK·G1.
        public var publicKey: PublicKey {
            PublicKey(point: G1Point.generator.multipliedSecret(by: scalar))
        }

        /// CoreSign with the POP ciphersuite's signature DST.
        public func sign(_ message: [UInt8]) -> Signature {
            Signature(point: HashToCurve.hashToG2(message: message, dst: BLS12381.signatureDST).multipliedSecret(by: scalar))
        }

        /// PopProve: a signature over the compressed public key under the POP DST.
        public func proveProofOfPossession() -> Signature {
            let pk = publicKey.compressed
            return Signature(point: HashToCurve.hashToG2(message: pk, dst: BLS12381.proofOfPossessionDST).multipliedSecret(by: scalar))
        }

        public var description: String { "BLS12381.SecretKey(<redacted>)" }
    }
}
