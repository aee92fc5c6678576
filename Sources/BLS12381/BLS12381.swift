/// Namespace for the BLS12-381 pairing-friendly curve and the BLS signature
/// scheme built on it (ciphersuite `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`).
///
/// Everything under this namespace is pure Swift. Public keys live in G1
/// (48-byte compressed encoding) and signatures in G2 (96-byte compressed
/// encoding), matching the IETF BLS signature draft and the ZCash encoding.
public enum BLS12381 {
    /// Domain separation tag for message signatures.
    public static let signatureDST = Array("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".utf8)
    /// Domain separation tag for proofs of possession.
    public static let proofOfPossessionDST = Array("BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".utf8)

    /// Why a secret key could not be created.
    ///
    /// Guarantees: thrown instead of producing a zero or out-of-range key.
    public enum KeyError: Error, Equatable, Sendable {
        /// KeyGen requires at least 32 bytes of input keying material.
        case inputKeyingMaterialTooShort
        /// The encoding is not 32 bytes, or the scalar is zero or not below r.
        case invalidSecretKey
        /// The public key is the identity point (fails KeyValidate).
        case identityPublicKey
    }
}
