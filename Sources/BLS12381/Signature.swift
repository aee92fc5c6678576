extension BLS12381 {
    /// A BLS signature (or aggregate signature): a point of G2.
    ///
    /// Guarantees: decoded signatures are on the curve and in the order-r
    /// subgroup (the identity is a valid encoding but never verifies against a
    /// valid key). Equality and hashing use the 96-byte compressed encoding.
    public struct Signature: Sendable, Hashable, CustomStringConvertible {
        let point: G2Point
        /// The 96-byte ZCash compressed encoding.
        public let compressed: [UInt8]

        init(point: G2Point) {
            self.point = point
            self.compressed = point.compressedBytes
        }

        /// Decodes a 96-byte compressed (or 192-byte uncompressed) signature with subgroup check.
        public init(compressed bytes: [UInt8]) throws {
            self.init(point: try G2Point.decode(bytes))
        }

        /// Aggregate: the sum of the signatures; nil for an empty list.
        public static func aggregate(_ signatures: [Signature]) -> Signature? {
            guard var acc = signatures.first?.point else { return nil }
            for s in signatures.dropFirst() { acc = acc + s.point }
            return Signature(point: acc)
        }

        public static func == (a: Signature, b: Signature) -> Bool { a.compressed == b.compressed }
        public func hash(into hasher: inout Hasher) { hasher.combine(compressed) }
        public var description: String { "BLS12381.Signature(\(compressed.prefix(8).map { String($0, radix: 16) }.joined())…)" }
    }
}
