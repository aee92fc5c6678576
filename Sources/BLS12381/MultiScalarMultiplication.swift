extension ProjectivePoint {
    /// Signed radix-32 digits d₀…d₅₁ in [−16, 16] with k = Σ dᵢ·32ⁱ (k < 2^256).
    static func signedRadix32Digits(_ k: Fr) -> [Int8] {
        let l = k.canonicalLimbs
        let words = [l.0, l.1, l.2, l.3]
        func bits(_ at: Int) -> Int {
            let w = at / 64, s = at % 64
            var v = words[w] >> UInt64(s)
            if s > 59, w + 1 < 4 { v |= words[w + 1] << UInt64(64 - s) }
            return Int(v & 31)
        }
        var digits = [Int8](repeating: 0, count: 52)
        var carry = 0
        for i in 0..<52 {
            let w = (i * 5 < 256 ? bits(i * 5) : 0) + carry
            if w >= 16 {
                digits[i] = Int8(w - 32)
                carry = 1
            } else {
                digits[i] = Int8(w)
                carry = 0
            }
        }
        return digits
    }

    /// Σ kᵢ·Pᵢ for public scalars: interleaved (Straus) signed 5-bit windows with
    /// one shared doubling chain and a table of 16 multiples per point. Variable time.
    static func multiScalarMultiply(_ points: [ProjectivePoint], _ scalars: [Fr]) -> ProjectivePoint {
        precondition(points.count == scalars.count)
        let n = points.count
        if n == 0 { return .identity }
        var tables = [ProjectivePoint]()
        tables.reserveCapacity(n * 17)
        for p in points {
            tables.append(.identity)
            tables.append(p)
            var acc = p
            let isAffine = p.z == F.one  // decoded points: use the cheaper mixed addition
            for _ in 2...16 {
                acc = isAffine ? acc.addingAffine(p.x, p.y) : acc + p
                tables.append(acc)
            }
        }
        let digits = scalars.map(signedRadix32Digits)
        var acc = ProjectivePoint.identity
        var started = false
        for window in stride(from: 51, through: 0, by: -1) {
            if started { acc = acc.doubled().doubled().doubled().doubled().doubled() }
            for i in 0..<n {
                let d = Int(digits[i][window])
                if d == 0 { continue }
                let entry = d > 0 ? tables[i * 17 + d] : -tables[i * 17 - d]
                acc = started ? acc + entry : entry
                started = true
            }
        }
        return acc
    }
}
