/// A field over which the simplified SWU map and an isogeny can be evaluated.
protocol HashToCurveField: CurveField {
    var isSquare: Bool { get }
    func squareRoot() -> Self?
    var sgn0: Bool { get }
}

extension Fp: HashToCurveField {}
extension Fp2: HashToCurveField {}

/// The simplified Shallue–van de Woestijne–Ulas map (RFC 9380 §6.6.2) onto an
/// isogenous curve y² = x³ + A·x + B, followed by the rational isogeny map
/// (RFC 9380 §6.6.3) to the target curve.
///
/// Guarantees: for every input u the result is a point on the target curve
/// (the exceptional case tv1 = 0 is handled as in the RFC). Hashing inputs are
/// public, so the map is not constant-time.
enum SimplifiedSWU {
    /// Maps u to an affine point of y² = x³ + a·x + b. `z` is the RFC's non-square
    /// constant Z and `minusBOverA` = −b/a (precomputed by the caller).
    static func map<F: HashToCurveField>(_ u: F, a: F, b: F, z: F, minusBOverA: F) -> (x: F, y: F) {
        let zu2 = z * u.squared()
        let tv1Denominator = zu2.squared() + zu2
        let x1: F
        if tv1Denominator.isZero {
            x1 = b * (z * a).inverse()  // exceptional case of RFC 9380 §6.6.2
        } else {
            x1 = minusBOverA * (F.one + tv1Denominator.inverse())
        }
        let gx1 = (x1.squared() + a) * x1 + b
        var x = x1
        var y: F
        // squareRoot() returns nil for non-squares, which doubles as is_square(gx1).
        if let root = gx1.squareRoot() {
            y = root
        } else {
            x = zu2 * x1
            let gx2 = (x.squared() + a) * x + b
            // gx2 = Z³u⁶·gx1 is a square whenever gx1 is not.
            y = gx2.squareRoot()!
        }
        if u.sgn0 != y.sgn0 { y = -y }
        return (x, y)
    }

    /// Evaluates a polynomial (coefficients constant-term first) by Horner's rule.
    @inline(__always)
    static func horner<F: HashToCurveField>(_ coefficients: [F], _ x: F) -> F {
        var acc = coefficients[coefficients.count - 1]
        for i in stride(from: coefficients.count - 2, through: 0, by: -1) { acc = acc * x + coefficients[i] }
        return acc
    }

    /// Applies the isogeny (x, y) ↦ (xNum/xDen, y·yNum/yDen), returning projective
    /// coordinates so that no inversion is needed.
    static func isogeny<F: HashToCurveField>(x: F, y: F, xNumerator: [F], xDenominator: [F],
                                             yNumerator: [F], yDenominator: [F]) -> ProjectivePoint<F> {
        let xn = horner(xNumerator, x)
        let xd = horner(xDenominator, x)
        let yn = horner(yNumerator, x)
        let yd = horner(yDenominator, x)
        // (xn/xd, y·yn/yd) = (xn·yd : y·yn·xd : xd·yd). A zero denominator means the
        // identity (only for x in the isogeny kernel); complete formulas handle it.
        if xd.isZero || yd.isZero { return .identity }
        return ProjectivePoint(x: xn * yd, y: y * yn * xd, z: xd * yd)
    }
}
