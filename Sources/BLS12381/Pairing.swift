/// The optimal ate pairing e: G1 × G2 → GT ⊂ GF(p¹²)*.
///
/// Guarantees: `pairing` and `multiPairing` are bilinear and non-degenerate on
/// G1 × G2 and agree with each other (`multiPairing` shares one Miller-loop
/// squaring chain and a single final exponentiation). The value returned is the
/// reduced ate pairing raised to the fixed power 3 (the hard part uses the
/// Hayashida–Hayasaka–Teruya decomposition of 3·Φ₁₂(p)/r); since gcd(3, r) = 1
/// this is itself a non-degenerate bilinear pairing, and all equality checks in
/// this package only compare pairing values with each other or with 1.
/// Pairing inputs are public; the code is not constant-time.
enum Pairing {
    /// A line value `l0 + l1·v + l4·v·w` (already evaluated at the G1 point).
    struct Line {
        var l0: Fp2, l1: Fp2, l4: Fp2
    }

    /// Doubles `t` (homogeneous projective on the twist) and returns the tangent line at P.
    static func doublingStep(_ t: inout G2Point, px: Fp, py: Fp) -> Line {
        let xx = t.x.squared()
        let b = t.y.squared()
        let zz = t.z.squared()
        let e = zz.mulByCurveB3()            // 3b'Z²
        let h = (t.y + t.z).squared() - b - zz  // 2YZ
        let threeE = e + e + e
        let xy = t.x * t.y
        let x3 = (xy + xy) * (b - threeE)
        let bPlus = b + threeE
        let ee = e.squared()
        let twelveEE = (ee + ee + ee).doubled().doubled()
        let y3 = bPlus.squared() - twelveEE
        let z3 = (b * h).doubled().doubled()
        t = G2Point(x: x3, y: y3, z: z3)
        return Line(l0: e - b, l1: (xx + xx + xx) * px, l4: -(h * py))
    }

    /// Adds the affine twist point (qx, qy) to `t` and returns the chord line at P.
    static func additionStep(_ t: inout G2Point, qx: Fp2, qy: Fp2, px: Fp, py: Fp) -> Line {
        let theta = t.y - qy * t.z
        let lambda = t.x - qx * t.z
        let c = theta.squared()
        let d = lambda.squared()
        let e = d * lambda
        let f = t.z * c
        let g = t.x * d
        let h = e + f - g.doubled()
        let x3 = lambda * h
        let y3 = theta * (g - h) - e * t.y
        let z3 = t.z * e
        t = G2Point(x: x3, y: y3, z: z3)
        return Line(l0: theta * qx - lambda * qy, l1: -(theta * px), l4: lambda * py)
    }

    /// Miller loop f_{|x|,Q}(P) over all pairs, conjugated for the negative x.
    /// Pairs containing the identity are skipped (they contribute 1).
    static func millerLoop(_ pairs: [(G1Point, G2Point)]) -> Fp12 {
        var ps: [(Fp, Fp)] = []
        var qs: [(Fp2, Fp2)] = []
        for (p, q) in pairs {
            guard let pa = p.affine, let qa = q.affine else { continue }
            ps.append((pa.x, pa.y))
            qs.append((qa.x, qa.y))
        }
        if ps.isEmpty { return .one }
        var ts = qs.map { G2Point(affineX: $0.0, affineY: $0.1) }
        var f = Fp12.one
        var first = true
        for bit in stride(from: 62, through: 0, by: -1) {
            if !first { f = f.squared() }
            first = false
            for i in 0..<ts.count {
                let l = doublingStep(&ts[i], px: ps[i].0, py: ps[i].1)
                f = f.mulBy014(l.l0, l.l1, l.l4)
            }
            if (BLSParameter.absX >> UInt64(bit)) & 1 == 1 {
                for i in 0..<ts.count {
                    let l = additionStep(&ts[i], qx: qs[i].0, qy: qs[i].1, px: ps[i].0, py: ps[i].1)
                    f = f.mulBy014(l.l0, l.l1, l.l4)
                }
            }
        }
        return f.conjugate()
    }

    /// Final exponentiation f^(3(p¹²−1)/r).
    static func finalExponentiation(_ f: Fp12) -> Fp12 {
        // Easy part: f^((p⁶−1)(p²+1)) lands in the cyclotomic subgroup.
        var t = f.conjugate() * f.inverse()
        t = t.frobenius(2) * t
        // Hard part: 3Φ₁₂(p)/r = (x−1)²(x+p)(x²+p²−1) + 3.
        var a = t.cyclotomicPowerByX() * t.conjugate()        // t^(x−1)
        a = a.cyclotomicPowerByX() * a.conjugate()            // t^((x−1)²)
        let b = a.cyclotomicPowerByX() * a.frobenius(1)       // ·(x+p)
        let c = b.cyclotomicPowerByX().cyclotomicPowerByX() * b.frobenius(2) * b.conjugate()  // ·(x²+p²−1)
        return c * t.cyclotomicSquared() * t
    }

    /// e(P, Q).
    static func pairing(_ p: G1Point, _ q: G2Point) -> Fp12 {
        finalExponentiation(millerLoop([(p, q)]))
    }

    /// ∏ e(Pᵢ, Qᵢ) with a single final exponentiation.
    static func multiPairing(_ pairs: [(G1Point, G2Point)]) -> Fp12 {
        finalExponentiation(millerLoop(pairs))
    }
}
