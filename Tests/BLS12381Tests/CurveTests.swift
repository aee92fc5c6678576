import Testing
@testable import BLS12381

@Suite struct CurveTests {
    /// (k, [k]G1 compressed, [k]G2 compressed), computed with py_ecc.
    static let multiples: [(String, String, String)] = [
        ("0000000000000000000000000000000000000000000000000000000000000001", "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
        ("0000000000000000000000000000000000000000000000000000000000000002", "a572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e", "aa4edef9c1ed7f729f520e47730a124fd70662a904ba1074728114d1031e1572c6c886f6b57ec72a6178288c47c335771638533957d540a9d2370f17cc7ed5863bc0b995b8825e0ee1ea1e1e4d00dbae81f14b0bf3611b78c952aacab827a053"),
        ("0000000000000000000000000000000000000000000000000000000000000003", "89ece308f9d1f0131765212deca99697b112d61f9be9a5f1f3780a51335b3ff981747a0b2ca2179b96d2c0c9024e5224", "89380275bbc8e5dcea7dc4dd7e0550ff2ac480905396eda55062650f8d251c96eb480673937cc6d9d6a44aaa56ca66dc122915c824a0857e2ee414a3dccb23ae691ae54329781315a0c75df1c04d6d7a50a030fc866f09d516020ef82324afae"),
        ("00000000000000000000000000000000000000000000000000000000deadbeef", "acccb5bab2944a1bdc721c97f3affa035d507c78fe442a9284982bd4c27617b33f1d46e8191a1eda03d73c357752d219", "a2910866ede42789c685af186234bfe4664e270ed447d2d142a159cf0cf9bac6c3789d558ea2e24b60e48ceb8b960fa8115fd914427334b6c45a823e1e011b6b2aa513f95fd64c956128fd631857945adf8aa7b0364ceea737c0671fd939219e"),
        ("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000", "b7f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", "b3e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
        ("1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "972a59075fca0729b40b2cea5bb9685afdd219e77407e13631664c53b847cdcad45ab174a073aaa4122ad813fa094485", "a6c7468834785e7b83fcf140ddf26c348a16adcf0b3bc1fe5aa2daf7d32175257a8b83335486532f36786f271360e0590460179e06b1d17c1bc0dc9dbc27b107a52c9907e88e6856892cade7ce1ff7a09ec4caf0ea6c9f39a8c7057c5ba56695"),
    ]

    @Test func scalarMultiplesMatchReference() throws {
        for (k, c1, c2) in Self.multiples {
            let s = Fr(bigEndian: hex(k))!
            let p1 = G1Point.generator.multipliedSecret(by: s)
            let p2 = G2Point.generator.multipliedSecret(by: s)
            #expect(hex(p1.compressedBytes) == c1)
            #expect(hex(p2.compressedBytes) == c2)
            let l = s.canonicalLimbs
            #expect(G1Point.generator.multipliedPublic(by: [l.0, l.1, l.2, l.3]) == p1)
            #expect(try G1Point.decode(hex(c1)) == p1)
            #expect(try G2Point.decode(hex(c2)) == p2)
            #expect(try G1Point.decode(p1.uncompressedBytes) == p1)
            #expect(try G2Point.decode(p2.uncompressedBytes) == p2)
        }
    }

    @Test func groupLaws() {
        let g = G1Point.generator
        #expect(g + .identity == g)
        #expect(g - g == .identity)
        #expect(g + g == g.doubled())
        #expect((g + g) + g == g + (g + g))
        #expect(G1Point.identity.doubled() == .identity)
        let h = G2Point.generator
        #expect(h + h == h.doubled())
        #expect(h - h == .identity)
        #expect(g.isOnCurve && h.isOnCurve)
        #expect(g.isInSubgroup && h.isInSubgroup)
        // r·G = O
        let r: [UInt64] = [Fr.p0, Fr.p1, Fr.p2, Fr.p3]
        #expect(g.multipliedPublic(by: r) == .identity)
        #expect(h.multipliedPublic(by: r) == .identity)
        // ψ acts as [x] on G2... and ψ² − [t]ψ + [p] = 0 holds on E2; check ψ(ψ(P)) = ψ²(P).
        #expect(h.psi.psi == h.psi2)
    }

    @Test func subgroupChecksRejectTorsionPoints() {
        // A point on E1 outside G1: x = 0 gives y² = 4 → (0, 2) whose order divides the cofactor.
        let q = G1Point(affineX: .zero, affineY: Fp(2))
        #expect(q.isOnCurve)
        #expect(!q.isInSubgroup)
        #expect(q.clearingCofactor().isInSubgroup)
        // Find a point on E2 by trying x = 1, 2, ...
        var x = Fp2.one
        while true {
            if let y = (x.squared() * x + Fp2.curveB).squareRoot() {
                let p = G2Point(affineX: x, affineY: y)
                #expect(p.isOnCurve)
                #expect(!p.isInSubgroup)
                #expect(p.clearingCofactor().isInSubgroup)
                #expect(throws: BLS12381.DecodingError.notInSubgroup) { try G2Point.decode(p.compressedBytes) }
                break
            }
            x = x + .one
        }
        #expect(throws: BLS12381.DecodingError.notInSubgroup) { try G1Point.decode(q.compressedBytes) }
    }

    @Test func decodingRejectsMalformedInput() {
        let good = G1Point.generator.compressedBytes
        #expect(throws: BLS12381.DecodingError.wrongLength(expected: [48, 96], actual: 47)) { try G1Point.decode(Array(good.dropLast())) }
        var noC = good; noC[0] &= 0x7f
        #expect(throws: BLS12381.DecodingError.invalidFlags) { try G1Point.decode(noC) }
        var inf = [UInt8](repeating: 0, count: 48); inf[0] = 0xc0
        #expect((try? G1Point.decode(inf)) == G1Point.identity)
        inf[47] = 1
        #expect(throws: BLS12381.DecodingError.invalidInfinity) { try G1Point.decode(inf) }
        var infSign = [UInt8](repeating: 0, count: 48); infSign[0] = 0xe0
        #expect(throws: BLS12381.DecodingError.invalidInfinity) { try G1Point.decode(infSign) }
        var big = [UInt8](repeating: 0xff, count: 48); big[0] = 0x9f
        #expect(throws: BLS12381.DecodingError.coordinateNotInField) { try G1Point.decode(big) }
        var unc = G1Point.generator.uncompressedBytes
        unc[0] |= 0x20
        #expect(throws: BLS12381.DecodingError.invalidFlags) { try G1Point.decode(unc) }
        var offCurve = G1Point.generator.uncompressedBytes
        offCurve[95] ^= 1
        #expect(throws: BLS12381.DecodingError.notOnCurve) { try G1Point.decode(offCurve) }
        // x = 1: 1 + 4 = 5 is not a square mod p? Whichever way, decoding must not trap.
        var x1 = [UInt8](repeating: 0, count: 48); x1[0] = 0x80; x1[47] = 1
        _ = try? G1Point.decode(x1)
        var g2inf = [UInt8](repeating: 0, count: 96); g2inf[0] = 0xc0
        #expect((try? G2Point.decode(g2inf)) == G2Point.identity)
        #expect(G1Point.identity.compressedBytes == [0xc0] + [UInt8](repeating: 0, count: 47))
    }
}

@Suite struct MixedAdditionTests {
    @Test func mixedAdditionMatchesGeneralAddition() {
        let g = G2Point.generator
        let q = g.doubled().doubled() + g  // 5G, projective
        let qa = q.affine!
        for p in [g, q, -q, G2Point.identity, g.doubled()] {
            #expect(p.addingAffine(qa.x, qa.y) == p + q)
        }
        let h = G1Point.generator
        let ha = h.doubled().affine!
        #expect(h.addingAffine(ha.x, ha.y) == h + h.doubled())
        #expect(h.doubled().addingAffine(ha.x, ha.y) == h.doubled().doubled())
    }
}
