extension BLS12381 {
    /// A BLS public key: a point of G1 other than the identity.
    ///
    /// Guarantees: every instance has passed KeyValidate (on the curve, in the
    /// order-r subgroup, not the identity), either because it was decoded with
    /// full checks or derived from a secret key. Equality and hashing use the
    /// canonical 48-byte compressed encoding.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        let point: G1Point
        /// The 48-byte ZCash compressed encoding.
        public let compressed: [UInt8]

        init(point: G1Point) {
            self.point = point
            self.compressed = point.compressedBytes
        }

        /// Decodes a 48-byte compressed (or 96-byte uncompressed) key and runs KeyValidate.
        public init(compressed bytes: [UInt8]) throws {
            let p = try G1Point.decode(bytes)
            guard !p.isIdentity else { throw KeyError.identityPublicKey }
            self.init(point: p)
        }

        /// The sum of the keys (for FastAggregateVerify); nil for an empty list.
        public static func aggregate(_ keys: [PublicKey]) -> PublicKey? {
            guard var acc = keys.first?.point else { return nil }
            for k in keys.dropFirst() { acc = acc + k.point }
            return PublicKey(point: acc)
        }

        public static func == (a: PublicKey, b: PublicKey) -> Bool { a.compressed == b.compressed }
        public func hash(into hasher: inout Hasher) { hasher.combine(compressed) }
        public var description: String { "BLS12381.PublicKey(\(compressed.prefix(8).map { String($0, radix: 16) }.joined())…)" }
    }
}
