/// The arithmetic a short-Weierstrass base field must provide for
/// `ProjectivePoint`. Implemented by `Fp` (G1) and `Fp2` (G2).
protocol CurveField: InvertibleField, Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func == (a: Self, b: Self) -> Bool
    static func select(_ a: Self, _ b: Self, _ choice: Bool) -> Self
    func squared() -> Self
    func inverse() -> Self
    var isZero: Bool { get }
    /// Multiplication by 3·b, where the curve is y² = x³ + b.
    func mulByCurveB3() -> Self
    /// The constant b of y² = x³ + b.
    static var curveB: Self { get }
}

extension Fp: CurveField {
    func mulByCurveB3() -> Fp {
        let x4 = doubled().doubled()
        return x4.doubled() + x4  // 12·x (b = 4)
    }
    static let curveB = Fp(4)
}

extension Fp2: CurveField {
    func mulByCurveB3() -> Fp2 {
        let x4 = doubled().doubled()
        return (x4.doubled() + x4).mulByNonresidue()  // 12(1+u)·x (b = 4(1+u))
    }
    static let curveB = Fp2(Fp(4), Fp(4))
}

/// A point of y² = x³ + b over `F` in homogeneous projective coordinates
/// (x = X/Z, y = Y/Z; the identity is (0 : 1 : 0)).
///
/// Guarantees: addition and doubling use the complete formulas of
/// Renes–Costello–Batina (2016, a = 0), so they are correct for every input
/// pair (including equal points, inverses and the identity) and run the same
/// instruction sequence for all of them. Equality is projective equality.
struct ProjectivePoint<F: CurveField>: Sendable, Equatable {
    var x: F
    var y: F
    var z: F

    @inline(__always)
    init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }

    static var identity: ProjectivePoint { ProjectivePoint(x: .zero, y: .one, z: .zero) }

    /// The affine point (x, y) (not checked to be on the curve).
    init(affineX: F, affineY: F) { self.init(x: affineX, y: affineY, z: .one) }

    var isIdentity: Bool { z.isZero }

    /// Complete addition (RCB16, Algorithm 7).
    static func + (p: ProjectivePoint, q: ProjectivePoint) -> ProjectivePoint {
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t2 = p.z * q.z
        var t3 = (p.x + p.y) * (q.x + q.y)
        var t4 = t0 + t1
        t3 = t3 - t4
        t4 = (p.y + p.z) * (q.y + q.z)
        var x3 = t1 + t2
        t4 = t4 - x3
        x3 = (p.x + p.z) * (q.x + q.z)
        var y3 = t0 + t2
        y3 = x3 - y3
        x3 = t0 + t0
        t0 = x3 + t0
        t2 = t2.mulByCurveB3()
        var z3 = t1 + t2
        t1 = t1 - t2
        y3 = y3.mulByCurveB3()
        x3 = t4 * y3
        t2 = t3 * t1
        x3 = t2 - x3
        y3 = y3 * t0
        t1 = t1 * z3
        y3 = t1 + y3
        t0 = t0 * t3
        z3 = z3 * t4
        z3 = z3 + t0
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    /// Mixed addition with an affine point (RCB16, Algorithm 8): complete for every
    /// projective `p` and every affine (qx, qy) on the curve (the affine operand cannot be
    /// the identity). One multiplication cheaper than the general addition.
    func addingAffine(_ qx: F, _ qy: F) -> ProjectivePoint {
        var t0 = x * qx
        var t1 = y * qy
        var t3 = (qx + qy) * (x + y)
        var t4 = t0 + t1
        t3 = t3 - t4
        t4 = qy * z + y
        var y3 = qx * z + x
        var x3 = t0 + t0
        t0 = x3 + t0
        var t2 = z.mulByCurveB3()
        var z3 = t1 + t2
        t1 = t1 - t2
        y3 = y3.mulByCurveB3()
        x3 = t4 * y3
        t2 = t3 * t1
        x3 = t2 - x3
        y3 = y3 * t0
        t1 = t1 * z3
        y3 = t1 + y3
        t0 = t0 * t3
        z3 = z3 * t4
        z3 = z3 + t0
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    /// Complete doubling (RCB16, Algorithm 9).
    func doubled() -> ProjectivePoint {
        var t0 = y.squared()
        var z3 = t0 + t0
        z3 = z3 + z3
        z3 = z3 + z3
        var t1 = y * z
        var t2 = z.squared()
        t2 = t2.mulByCurveB3()
        var x3 = t2 * z3
        var y3 = t0 + t2
        z3 = t1 * z3
        t1 = t2 + t2
        t2 = t1 + t2
        t0 = t0 - t2
        y3 = t0 * y3
        y3 = x3 + y3
        t1 = x * y
        x3 = t0 * t1
        x3 = x3 + x3
        return ProjectivePoint(x: x3, y: y3, z: z3)
    }

    static prefix func - (p: ProjectivePoint) -> ProjectivePoint { ProjectivePoint(x: p.x, y: -p.y, z: p.z) }

    static func - (p: ProjectivePoint, q: ProjectivePoint) -> ProjectivePoint { p + (-q) }

    /// Projective equality (X1·Z2 = X2·Z1 and Y1·Z2 = Y2·Z1).
    static func == (p: ProjectivePoint, q: ProjectivePoint) -> Bool {
        (p.x * q.z == q.x * p.z) && (p.y * q.z == q.y * p.z)
    }

    static func select(_ a: ProjectivePoint, _ b: ProjectivePoint, _ choice: Bool) -> ProjectivePoint {
        ProjectivePoint(x: F.select(a.x, b.x, choice), y: F.select(a.y, b.y, choice), z: F.select(a.z, b.z, choice))
    }

    /// Affine coordinates, or nil for the identity.
    var affine: (x: F, y: F)? {
        if isIdentity { return nil }
        if z == F.one { return (x, y) }  // decoded points and generators are already affine
        let zi = z.inverse()
        return (x * zi, y * zi)
    }

    /// The same point with Z = 1 (the identity stays (0 : 1 : 0)).
    var normalized: ProjectivePoint {
        guard let a = affine else { return .identity }
        return ProjectivePoint(affineX: a.x, affineY: a.y)
    }

    /// Whether Y²Z = X³ + bZ³ (true for the identity).
    var isOnCurve: Bool {
        let lhs = y.squared() * z
        let rhs = x.squared() * x + F.curveB * z.squared() * z
        return lhs == rhs
    }

    /// Multiplication by a public scalar (little-endian words); variable time.
    func multipliedPublic(by scalar: [UInt64]) -> ProjectivePoint {
        var acc = ProjectivePoint.identity
        var started = false
        for word in scalar.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                if started { acc = acc.doubled() }
                if (word >> UInt64(bit)) & 1 == 1 {
                    acc = started ? acc + self : self
                    started = true
                }
            }
        }
        return acc
    }

    /// Multiplication by the public 64-bit constant |x| = 0xd201000000010000.
    func multipliedByAbsX() -> ProjectivePoint {
        var acc = self
        for bit in stride(from: 62, through: 0, by: -1) {
            acc = acc.doubled()
            if (BLSParameter.absX >> UInt64(bit)) & 1 == 1 { acc = acc + self }
        }
        return acc
    }

    /// Multiplication by a secret scalar in constant time: fixed 4-bit windows
    /// over all 256 bits, table entries chosen by a full masked scan, and complete
    /// formulas, so the instruction and memory-access sequence never depends on the scalar.
    func multipliedSecret(by scalar: Fr) -> ProjectivePoint {
        let limbs = scalar.canonicalLimbs
        let words = [limbs.0, limbs.1, limbs.2, limbs.3]
        return withUnsafeTemporaryAllocation(of: ProjectivePoint.self, capacity: 16) { table in
            table.initialize(repeating: .identity)
            table[1] = self
            for i in 2..<16 { table[i] = table[i - 1] + self }
            var acc = ProjectivePoint.identity
            for window in stride(from: 63, through: 0, by: -1) {
                acc = acc.doubled().doubled().doubled().doubled()
                let digit = Int((words[window / 16] >> UInt64((window % 16) * 4)) & 0xf)
                var chosen = ProjectivePoint.identity
                for i in 0..<16 { chosen = .select(chosen, table[i], i == digit) }
                acc = acc + chosen
            }
            return acc
        }
    }
}
