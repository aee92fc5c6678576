extension BLS12381 {
    /// CoreVerify: e(PK, H(m)) == e(G1, σ), evaluated as one multi-pairing.
    static func coreVerify(_ pk: G1Point, message: [UInt8], dst: [UInt8], signature: G2Point) -> Bool {
        if pk.isIdentity { return false }
        let h = HashToCurve.hashToG2(message: message, dst: dst)
        return Pairing.multiPairing([(pk, h), (-G1Point.generator, signature)]).isOne
    }

    /// Verify for the POP ciphersuite. The key was validated when it was constructed.
    public static func verify(publicKey: PublicKey, message: [UInt8], signature: Signature) -> Bool {
        coreVerify(publicKey.point, message: message, dst: signatureDST, signature: signature.point)
    }

    /// Verify from encodings: returns false for any key or signature that fails to decode or validate.
    public static func verify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard let pk = try? PublicKey(compressed: publicKey), let sig = try? Signature(compressed: signature) else { return false }
        return verify(publicKey: pk, message: message, signature: sig)
    }

    /// FastAggregateVerify: all signers signed the same message. Requires that every key
    /// has a verified proof of possession (rogue-key protection). False for an empty key list.
    public static func fastAggregateVerify(publicKeys: [PublicKey], message: [UInt8], signature: Signature) -> Bool {
        guard let aggregate = PublicKey.aggregate(publicKeys) else { return false }
        return coreVerify(aggregate.point, message: message, dst: signatureDST, signature: signature.point)
    }

    /// AggregateVerify for distinct signers and (possibly) distinct messages, with one final exponentiation.
    public static func aggregateVerify(publicKeys: [PublicKey], messages: [[UInt8]], signature: Signature) -> Bool {
        guard !publicKeys.isEmpty, publicKeys.count == messages.count else { return false }
        var pairs: [(G1Point, G2Point)] = []
        pairs.reserveCapacity(publicKeys.count + 1)
        for (pk, m) in zip(publicKeys, messages) {
            pairs.append((pk.point, HashToCurve.hashToG2(message: m, dst: signatureDST)))
        }
        pairs.append((-G1Point.generator, signature.point))
        return Pairing.multiPairing(pairs).isOne
    }

    /// PopVerify: checks a proof of possession for `publicKey`.
    public static func verifyProofOfPossession(publicKey: PublicKey, proof: Signature) -> Bool {
        coreVerify(publicKey.point, message: publicKey.compressed, dst: proofOfPossessionDST, signature: proof.point)
    }
}
