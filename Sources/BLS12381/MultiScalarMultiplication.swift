extension ProjectivePoint {
    /// Σ kᵢ·Pᵢ for public scalars (Straus / interleaved 4-bit windows: one shared
    /// doubling chain, one table of 15 multiples per point). Variable time.
    static func multiScalarMultiply(_ points: [ProjectivePoint], _ scalars: [Fr]) -> ProjectivePoint {
        precondition(points.count == scalars.count)
        let n = points.count
        if n == 0 { return .identity }
        var tables = [ProjectivePoint]()
        tables.reserveCapacity(n * 16)
        for p in points {
            tables.append(.identity)
            tables.append(p)
            var acc = p
            for _ in 2..<16 {
                acc = acc + p
                tables.append(acc)
            }
        }
        var words = [UInt64]()
        words.reserveCapacity(n * 4)
        for s in scalars {
            let l = s.canonicalLimbs
            words.append(contentsOf: [l.0, l.1, l.2, l.3])
        }
        var acc = ProjectivePoint.identity
        var started = false
        for window in stride(from: 63, through: 0, by: -1) {
            if started { acc = acc.doubled().doubled().doubled().doubled() }
            let word = window / 16
            let shift = UInt64((window % 16) * 4)
            for i in 0..<n {
                let digit = Int((words[i * 4 + word] >> shift) & 0xf)
                if digit != 0 {
                    acc = started ? acc + tables[i * 16 + digit] : tables[i * 16 + digit]
                    started = true
                }
            }
        }
        return acc
    }
}
