/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected), the checksum of log records.
///
/// Guarantees: the standard CRC-32C (`checksum("123456789") == 0xE3069283`);
/// detects every burst error up to 32 bits, so a torn or bit-rotted record is
/// caught with probability 1 − 2⁻³².
public enum CRC32C {
    static let table: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            tables[0][i] = c
        }
        for i in 0..<256 {
            for t in 1..<8 { tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][Int(tables[t - 1][i] & 0xFF)] }
        }
        return tables
    }()

    /// Continues a checksum (`crc` of the bytes before) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        var i = 0
        let n = bytes.count
        let t = table
        // Slicing-by-8: eight bytes per step.
        while n - i >= 8 {
            let lo = c ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            c = t[7][Int(lo & 0xFF)] ^ t[6][Int((lo >> 8) & 0xFF)] ^ t[5][Int((lo >> 16) & 0xFF)] ^ t[4][Int(lo >> 24)]
                ^ t[3][Int(bytes[i + 4])] ^ t[2][Int(bytes[i + 5])] ^ t[1][Int(bytes[i + 6])] ^ t[0][Int(bytes[i + 7])]
            i += 8
        }
        while i < n {
            c = t[0][Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
            i += 1
        }
        return ~c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }
}
