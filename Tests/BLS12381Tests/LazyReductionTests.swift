import Testing
@testable import BLS12381

/// The lazy-reduction arithmetic (`FpLoose`, `FpWide`, the row-wise Montgomery
/// product and the lazily reduced `Fp2` product and square) against reference formulas.
@Suite struct LazyReductionTests {
    static let pMinusOne = -Fp.one
    /// 0, 1, 2, p − 1, p − 2, R mod p (as a canonical value), 2^380 and (p − 1)/2.
    static var edgeValues: [Fp] {
        [.zero, .one, Fp(2), pMinusOne, pMinusOne - .one,
         Fp(canonical: Fp.one.l0, Fp.one.l1, Fp.one.l2, Fp.one.l3, Fp.one.l4, Fp.one.l5)!,
         Fp(canonical: 0, 0, 0, 0, 0, 1 << 60)!,
         Fp(canonical: 0xdcff7fffffffd555, 0x0f55ffff58a9ffff, 0xb39869507b587b12,
            0xb23ba5c279c2895f, 0x258dd3db21a5d66b, 0x0d0088f51cbff34d)!]
    }

    static func randomValues(_ count: Int, seed: UInt64) -> [Fp] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in Fp.random(using: &g) } + edgeValues
    }

    /// a·k by repeated doubling and addition of canonical values (no multiplication).
    static func multipliedByAdditions(_ a: Fp, _ k: UInt64) -> Fp {
        var acc = Fp.zero, base = a, k = k
        while k > 0 {
            if k & 1 == 1 { acc = acc + base }
            base = base + base
            k >>= 1
        }
        return acc
    }

    @Test func montgomeryProductMatchesAdditionChains() {
        var g = SplitMix64(seed: 11)
        for a in Self.randomValues(40, seed: 10) {
            for k in [0, 1, 2, 3, 0xffff_ffff, UInt64.max, g.next()] {
                #expect(a * Fp(k) == Self.multipliedByAdditions(a, k))
            }
        }
    }

    @Test func fusedProductEqualsWideProductThenReduction() {
        let values = Self.randomValues(60, seed: 12)
        // Loose operands too: a + b (below 2p) and a − b + p, including 2p − 2.
        var g = SplitMix64(seed: 13)
        for a in values {
            let b = values[Int(g.next() % UInt64(values.count))]
            let c = values[Int(g.next() % UInt64(values.count))]
            let operands = [FpLoose(a), FpLoose.sum(a, b), FpLoose.difference(a, c), FpLoose.sum(Self.pMinusOne, Self.pMinusOne)]
            for x in operands {
                for y in operands {
                    let fused = Fp.montgomeryProduct(x.raw, y.raw)
                    #expect(fused == FpWide.product(x, y).montgomeryReduced())
                }
            }
            // Loose operands give the same result as their reduced forms.
            #expect(Fp.montgomeryProduct(FpLoose.sum(a, b).raw, c) == (a + b) * c)
            #expect(Fp.montgomeryProduct(FpLoose.difference(a, b).raw, c) == (a - b) * c)
        }
    }

    @Test func wideSubtractionWrapsAroundPR() {
        let values = Self.randomValues(30, seed: 14)
        for (a, b) in zip(values, values.reversed()) {
            let ta = FpWide.product(FpLoose(a), FpLoose(a))
            let tb = FpWide.product(FpLoose(b), FpLoose(b))
            // a² − b² whichever is larger.
            #expect(ta.subtractingWrappingAroundPR(tb).montgomeryReduced() == a * a - b * b)
            #expect(tb.subtractingWrappingAroundPR(ta).montgomeryReduced() == b * b - a * a)
        }
    }

    @Test func lazyFp2ProductMatchesTextbookKaratsuba() {
        let values = Self.randomValues(30, seed: 15)
        var g = SplitMix64(seed: 16)
        var elements = [Fp2]()
        for a in values { elements.append(Fp2(a, values[Int(g.next() % UInt64(values.count))])) }
        for e0 in Self.edgeValues { for e1 in Self.edgeValues { elements.append(Fp2(e0, e1)) } }
        for a in elements {
            let b = elements[Int(g.next() % UInt64(elements.count))]
            #expect(a * b == Fp2.schoolbookKaratsubaProduct(a, b))
            #expect(a * a == Fp2.schoolbookKaratsubaProduct(a, a))
            #expect(a.squared() == a.schoolbookSquared())
            // Against the definition (a0 + a1 u)(b0 + b1 u) with u² = −1.
            #expect(a * b == Fp2(a.c0 * b.c0 - a.c1 * b.c1, a.c0 * b.c1 + a.c1 * b.c0))
        }
    }
}
