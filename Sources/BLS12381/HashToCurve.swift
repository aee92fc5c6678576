/// Hashing to G1 and G2 per RFC 9380 with the `BLS12381G1_XMD:SHA-256_SSWU_RO_`
/// and `BLS12381G2_XMD:SHA-256_SSWU_RO_` suites (random-oracle variants).
///
/// Guarantees: outputs are byte-identical to the RFC 9380 reference (checked
/// against its Appendix J test vectors) and always lie in the prime-order
/// subgroup. Inputs are public; the computation is not constant-time.
enum HashToCurve {
    static func hashToG1(message: [UInt8], dst: [UInt8]) -> G1Point {
        let (u0, u1) = ExpandMessage.hashToFp(message: message, dst: dst)
        return (mapToG1(u0) + mapToG1(u1)).clearingCofactor()
    }

    static func hashToG2(message: [UInt8], dst: [UInt8]) -> G2Point {
        let (u0, u1) = ExpandMessage.hashToFp2(message: message, dst: dst)
        return (mapToG2(u0) + mapToG2(u1)).clearingCofactor()
    }

    /// map_to_curve for G1 (SSWU on E1' then the 11-isogeny), before cofactor clearing.
    static func mapToG1(_ u: Fp) -> G1Point {
        let (x, y) = SimplifiedSWU.map(u, a: Iso11.a, b: Iso11.b, z: Iso11.z, minusBOverA: Iso11.minusBOverA)
        return SimplifiedSWU.isogeny(x: x, y: y, xNumerator: Iso11.xNumerator, xDenominator: Iso11.xDenominator,
                                     yNumerator: Iso11.yNumerator, yDenominator: Iso11.yDenominator)
    }

    /// map_to_curve for G2 (SSWU on E2' then the 3-isogeny), before cofactor clearing.
    static func mapToG2(_ u: Fp2) -> G2Point {
        let (x, y) = SimplifiedSWU.map(u, a: Iso3.a, b: Iso3.b, z: Iso3.z, minusBOverA: Iso3.minusBOverA)
        return SimplifiedSWU.isogeny(x: x, y: y, xNumerator: Iso3.xNumerator, xDenominator: Iso3.xDenominator,
                                     yNumerator: Iso3.yNumerator, yDenominator: Iso3.yDenominator)
    }
}

/// Constants of E2': y² = x³ + 240u·x + 1012(1 + u), Z = −(2 + u), and its 3-isogeny to E2.
enum Iso3 {
    static let a = Fp2(.zero, Fp(240))
    static let b = Fp2(Fp(1012), Fp(1012))
    static let z = Fp2(-Fp(2), -Fp(1))
    static let minusBOverA = -(b * a.inverse())
    // 3-isogeny E2' → E2 (RFC 9380 Appendix E.3), constant term first.
    static let xNumerator: [Fp2] = [
        Fp2(Fp(0x47f671c71ce05e62, 0x06dd57071206393e, 0x7c80cd2af3fd71a2, 0x048103ea9e6cd062, 0xc54516acc8d037f6, 0x13808f550920ea41), Fp(0x47f671c71ce05e62, 0x06dd57071206393e, 0x7c80cd2af3fd71a2, 0x048103ea9e6cd062, 0xc54516acc8d037f6, 0x13808f550920ea41)),
        Fp2(Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000), Fp(0x5fe55555554c71d0, 0x873fffdd236aaaa3, 0x6a6b4619b26ef918, 0x21c2888408874945, 0x2836cda7028cabc5, 0x0ac73310a7fd5abd)),
        Fp2(Fp(0x0a0c5555555971c3, 0xdb0c00101f9eaaae, 0xb1fb2f941d797997, 0xd3960742ef416e1c, 0xb70040e2c20556f4, 0x149d7861e581393b), Fp(0xaff2aaaaaaa638e8, 0x439fffee91b55551, 0xb535a30cd9377c8c, 0x90e144420443a4a2, 0x941b66d3814655e2, 0x0563998853fead5e)),
        Fp2(Fp(0x40aac71c71c725ed, 0x190955557a84e38e, 0xd817050a8f41abc3, 0xd86485d4c87f6fb1, 0x696eb479f885d059, 0x198e1a74328002d2), Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)),
    ]
    static let xDenominator: [Fp2] = [
        Fp2(Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000), Fp(0x1f3affffff13ab97, 0xf25bfc611da3ff3e, 0xca3757cb3819b208, 0x3e6427366f8cec18, 0x03977bc86095b089, 0x04f69db13f39a952)),
        Fp2(Fp(0x447600000027552e, 0xdcb8009a43480020, 0x6f7ee9ce4a6e8b59, 0xb10330b7c0a95bc6, 0x6140b1fcfb1e54b7, 0x0381be097f0bb4e1), Fp(0x7588ffffffd8557d, 0x41f3ff646e0bffdf, 0xf7b1e8d2ac426aca, 0xb3741acd32dbb6f8, 0xe9daf5b9482d581f, 0x167f53e0ba7431b8)),
        Fp2(Fp(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba, 0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493), Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)),
    ]
    static let yNumerator: [Fp2] = [
        Fp2(Fp(0x96d8f684bdfc77be, 0xb530e4f43b66d0e2, 0x184a88ff379652fd, 0x57cb23ecfae804e1, 0x0fd2e39eada3eba9, 0x08c8055e31c5d5c3), Fp(0x96d8f684bdfc77be, 0xb530e4f43b66d0e2, 0x184a88ff379652fd, 0x57cb23ecfae804e1, 0x0fd2e39eada3eba9, 0x08c8055e31c5d5c3)),
        Fp2(Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000), Fp(0xbf0a71c71c91b406, 0x4d6d55d28b7638fd, 0x9d82f98e5f205aee, 0xa27aa27b1d1a18d5, 0x02c3b2b2d2938e86, 0x0c7d13420b09807f)),
        Fp2(Fp(0xd7f9555555531c74, 0x21cffff748daaaa8, 0x5a9ad1866c9bbe46, 0x4870a2210221d251, 0x4a0db369c0a32af1, 0x02b1ccc429ff56af), Fp(0xe205aaaaaaac8e37, 0xfcdc000768795556, 0x0c96011a8a1537dd, 0x1c06a963f163406e, 0x010df44c82a881e6, 0x174f45260f808feb)),
        Fp2(Fp(0xa470bda12f67f35c, 0xc0fe38e23327b425, 0xc9d3d0f2c6f0678d, 0x1c55c9935b5a982e, 0x27f6c0e2f0746764, 0x117c5e6e28aa9054), Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)),
    ]
    static let yDenominator: [Fp2] = [
        Fp2(Fp(0x0162fffffa765adf, 0x8f7bea480083fb75, 0x561b3c2259e93611, 0x11e19fc1a9c875d5, 0xca713efc00367660, 0x03c6a03d41da1151), Fp(0x0162fffffa765adf, 0x8f7bea480083fb75, 0x561b3c2259e93611, 0x11e19fc1a9c875d5, 0xca713efc00367660, 0x03c6a03d41da1151)),
        Fp2(Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000), Fp(0x5db0fffffd3b02c5, 0xd713f52358ebfdba, 0x5ea60761a84d161a, 0xbb2c75a34ea6c44a, 0x0ac6735921c1119b, 0x0ee3d913bdacfbf6)),
        Fp2(Fp(0x66b10000003affc5, 0xcb1400e764ec0030, 0xa73e5eb56fa5d106, 0x8984c913a0fe09a9, 0x11e10afb78ad7f13, 0x05429d0e3e918f52), Fp(0x534dffffffc4aae6, 0x5397ff174c67ffcf, 0xbff273eb870b251d, 0xdaf2827152870915, 0x393a9cbaca9e2dc3, 0x14be74dbfaee5748)),
        Fp2(Fp(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba, 0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493), Fp(0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000)),
    ]}
