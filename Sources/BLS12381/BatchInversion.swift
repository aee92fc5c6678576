/// A field whose non-zero elements can be inverted (`Fp`, `Fp2`, `Fr`).
protocol InvertibleField: Equatable {
    static var one: Self { get }
    static func * (a: Self, b: Self) -> Self
    func inverse() -> Self
}

extension Fr: InvertibleField {}

/// The inverses of `values` for the price of one field inversion and 3(n−1)
/// multiplications (Montgomery's trick).
///
/// Guarantees: `result[i] * values[i] == 1` for every i when every input is
/// non-zero (a zero input makes every result zero). Variable time in n only.
func batchInverted<F: InvertibleField>(_ values: [F]) -> [F] {
    guard !values.isEmpty else { return [] }
    var prefix = [F]()
    prefix.reserveCapacity(values.count)
    var acc = F.one
    for v in values {
        prefix.append(acc)
        acc = acc * v
    }
    var inv = acc.inverse()
    var out = prefix
    for i in stride(from: values.count - 1, through: 0, by: -1) {
        out[i] = inv * prefix[i]
        inv = inv * values[i]
    }
    return out
}
