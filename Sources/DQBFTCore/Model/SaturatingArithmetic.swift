// Arithmetic on views, slots and counts that never traps.
//
// Views and sequence numbers come from messages, and a message may carry any
// 64-bit value. Correct replicas never come near the top of the range (2^64 slots
// or views), so these helpers agree with plain `+` and `*` on every value a
// correct run produces; they only keep forged or corrupted input from trapping.

extension SequenceNumber {
    /// The highest slot a stable checkpoint or a new view may start from (2^62). A
    /// cluster ordering a million slots a second would need 146,000 years to get
    /// there, so a certificate above it is forged; refusing it keeps every window,
    /// next proposal and count far below the top of the range, where `+` would trap
    /// and `advanced(by:)` would wrap around to slot 0.
    public static let highestStart = SequenceNumber(1 << 62)

    /// The slot `count` slots after this one, or `UInt64.max` if that lies beyond
    /// the largest sequence number (never traps, never wraps around to low slots).
    @inlinable public func adding(slots count: UInt64) -> SequenceNumber {
        let (sum, overflow) = rawValue.addingReportingOverflow(count)
        return SequenceNumber(overflow ? .max : sum)
    }
}

extension UInt64 {
    /// `self * factor`, or `UInt64.max` if the product does not fit.
    func saturatingMultiplied(by factor: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        return overflow ? .max : product
    }

    /// `self * factor`, or nil if the product does not fit.
    func multipliedIfExact(by factor: UInt64) -> UInt64? {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
