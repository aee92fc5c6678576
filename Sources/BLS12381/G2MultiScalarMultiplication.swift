/// Multi-scalar multiplication on G2 for public inputs, built on the endomorphism ψ
/// and a bucket (Pippenger) method whose bucket sums use batched affine additions.
///
/// On G2, ψ acts as multiplication by the BLS parameter x = −|x|, so [|x|]P = −ψ(P).
/// Because r = x⁴ − x² + 1 < |x|⁴, every scalar k < r has four base-|x| digits
/// dᵢ < 2^64, and k·P = Σ dᵢ·Qᵢ with Qᵢ = (−ψ)ⁱ(P). An n-point MSM with 255-bit scalars
/// becomes a 4n-point MSM with 64-bit scalars. Each digit is recoded into signed
/// c-bit windows; every (window, |digit|) pair is a bucket collecting ±Qᵢ. All
/// buckets of all windows are summed together by pairwise affine additions, one
/// level at a time, each level sharing a single field inversion (Montgomery's trick).
/// The buckets are then weighted with running sums and the windows joined by
/// doublings, using the complete projective formulas.
///
/// Guarantees: the result equals Σ kᵢ·Pᵢ for every input whose points lie in G2
/// (identity points and zero scalars included; equal or opposite points meeting in
/// a bucket are handled exactly). Variable time: only for public points and scalars.
enum G2MultiScalarMultiplication {
    /// An affine point other than the identity.
    struct Affine: Equatable {
        var x: Fp2
        var y: Fp2
        var negated: Affine { Affine(x: x, y: -y) }
    }

    /// Σ kᵢ·Pᵢ; all points must lie in G2.
    static func multiply(_ points: [G2Point], _ scalars: [Fr], windowBits: Int? = nil) -> G2Point {
        precondition(points.count == scalars.count)
        let bases = normalize(points)
        var terms = [(Affine, UInt64)]()
        terms.reserveCapacity(4 * points.count)
        for (base, scalar) in zip(bases, scalars) {
            guard let p = base else { continue }
            let digits = baseAbsXDigits(scalar)
            var q = p
            for i in 0..<4 {
                if digits[i] != 0 { terms.append((q, digits[i])) }
                if i < 3 { q = minusPsi(q) }
            }
        }
        if terms.isEmpty { return .identity }
        let c = windowBits ?? defaultWindowBits(terms.count)
        return bucketSum(terms, windowBits: c)
    }

    /// The window width that measured best for this many 64-bit terms.
    static func defaultWindowBits(_ terms: Int) -> Int {
        switch terms {
        case ..<8: return 3
        case ..<48: return 4
        case ..<400: return 5
        case ..<1500: return 6
        default: return 7
        }
    }

    /// k = d₀ + d₁|x| + d₂|x|² + d₃|x|³ with every dᵢ < |x| < 2^64 (k < r < |x|⁴).
    static func baseAbsXDigits(_ k: Fr) -> [UInt64] {
        let l = k.canonicalLimbs
        var words = [l.0, l.1, l.2, l.3]
        var digits = [UInt64]()
        for _ in 0..<3 {
            var remainder: UInt64 = 0
            for i in stride(from: 3, through: 0, by: -1) {
                (words[i], remainder) = BLSParameter.absX.dividingFullWidth((remainder, words[i]))
            }
            digits.append(remainder)
        }
        // What is left is k / |x|³ < |x|, a single word.
        digits.append(words[0])
        return digits
    }

    /// −ψ of an affine point ([|x|]P for P in G2).
    static func minusPsi(_ p: Affine) -> Affine {
        Affine(x: p.x.conjugate() * G2Point.psiX, y: -(p.y.conjugate() * G2Point.psiY))
    }

    /// Affine forms of the points (nil for the identity), with one shared inversion.
    static func normalize(_ points: [G2Point]) -> [Affine?] {
        let zs = points.map { $0.isIdentity || $0.z == .one ? Fp2.one : $0.z }
        // Decoded shares are already affine: then no inversion at all.
        let inverses = zs.allSatisfy { $0 == .one } ? zs : batchInverted(zs)
        return zip(points, inverses).map { p, zi in
            if p.isIdentity { return nil }
            if p.z == .one { return Affine(x: p.x, y: p.y) }
            return Affine(x: p.x * zi, y: p.y * zi)
        }
    }

    /// Signed c-bit digits of a 64-bit value, least significant first, each in
    /// [−2^(c−1)+1, 2^(c−1)], with d = Σ digitᵢ·2^(c·i).
    static func signedWindows(_ d: UInt64, windowBits c: Int) -> [Int] {
        let count = (64 + c) / c  // covers 65 bits, so the last carry is absorbed
        let mask = (UInt64(1) << UInt64(c)) - 1
        let half = 1 << (c - 1)
        var out = [Int](repeating: 0, count: count)
        var carry = 0
        for w in 0..<count {
            let shift = c * w
            let bits = shift < 64 ? Int((d >> UInt64(shift)) & mask) : 0
            let v = bits + carry
            if v > half {
                out[w] = v - (1 << c)
                carry = 1
            } else {
                out[w] = v
                carry = 0
            }
        }
        return out
    }

    /// Σ dᵢ·Qᵢ for affine Qᵢ and 64-bit dᵢ (bucket method).
    static func bucketSum(_ terms: [(Affine, UInt64)], windowBits c: Int) -> G2Point {
        let windows = (64 + c) / c
        let half = 1 << (c - 1)
        var buckets = [[Affine]](repeating: [], count: windows * half)
        for (q, d) in terms {
            let digits = signedWindows(d, windowBits: c)
            for (w, digit) in digits.enumerated() where digit != 0 {
                buckets[w * half + abs(digit) - 1].append(digit > 0 ? q : q.negated)
            }
        }
        let sums = sumBuckets(buckets)
        var result = G2Point.identity
        var started = false
        for w in stride(from: windows - 1, through: 0, by: -1) {
            if started { for _ in 0..<c { result = result.doubled() } }
            // Σ b·B_b as the sum of the running sums B_half + … + B_b.
            var running = G2Point.identity
            var runningStarted = false
            var windowSum = G2Point.identity
            var windowStarted = false
            for b in stride(from: half, through: 1, by: -1) {
                if let s = sums[w * half + b - 1] {
                    running = runningStarted ? running.addingAffine(s.x, s.y) : G2Point(affineX: s.x, affineY: s.y)
                    runningStarted = true
                }
                if runningStarted {
                    windowSum = windowStarted ? windowSum + running : running
                    windowStarted = true
                }
            }
            if windowStarted {
                result = started ? result + windowSum : windowSum
                started = true
            }
        }
        return result
    }

    /// The sum of each list (nil when it is empty or sums to the identity), by rounds of
    /// pairwise affine additions across all lists, each round with one batched inversion.
    static func sumBuckets(_ lists: [[Affine]]) -> [Affine?] {
        var lists = lists
        while true {
            // Pair up the entries of every list with at least two.
            var pairs = [(list: Int, a: Affine, b: Affine)]()
            var next = [[Affine]](repeating: [], count: lists.count)
            for (i, list) in lists.enumerated() {
                if list.count < 2 {
                    next[i] = list
                    continue
                }
                var k = 0
                while k + 1 < list.count {
                    pairs.append((i, list[k], list[k + 1]))
                    k += 2
                }
                if k < list.count { next[i].append(list[k]) }
            }
            if pairs.isEmpty { break }
            // Denominators: x₂ − x₁ for additions, 2y₁ for doublings; opposite points
            // cancel and need none.
            var denominators = [Fp2]()
            var kinds = [Int8]()  // 0: add, 1: double, 2: cancels
            denominators.reserveCapacity(pairs.count)
            kinds.reserveCapacity(pairs.count)
            for (_, a, b) in pairs {
                if a.x != b.x {
                    denominators.append(b.x - a.x)
                    kinds.append(0)
                } else if a.y == b.y && !a.y.isZero {
                    denominators.append(a.y.doubled())
                    kinds.append(1)
                } else {
                    kinds.append(2)
                }
            }
            let inverses = batchInverted(denominators)
            var j = 0
            for (k, pair) in pairs.enumerated() {
                let (list, a, b) = pair
                let lambda: Fp2
                switch kinds[k] {
                case 0:
                    lambda = (b.y - a.y) * inverses[j]
                case 1:
                    let xx = a.x.squared()
                    lambda = (xx + xx + xx) * inverses[j]
                default:
                    continue
                }
                j += 1
                let x3 = lambda.squared() - a.x - b.x
                let y3 = lambda * (a.x - x3) - a.y
                next[list].append(Affine(x: x3, y: y3))
            }
            lists = next
        }
        return lists.map { $0.first }
    }
}
