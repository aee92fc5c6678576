/// The little JSON the history files need: a strict parser for one document (RFC
/// 8259: objects, arrays, strings with escapes, numbers, true/false/null) and
/// helpers to write strings and times.
///
/// Guarantees: parsing never traps and nests at most `maxDepth` levels; any text
/// that is not one JSON document is an error naming the byte offset.
enum JSONText {
    indirect enum Value: Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])
    }

    static let maxDepth = 32

    /// Parses `bytes` as exactly one JSON value (surrounding whitespace allowed).
    static func parseDocument(_ bytes: ArraySlice<UInt8>) throws(HistoryFormatError) -> Value {
        var p = Parser(bytes: bytes)
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.endIndex else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// Appends `s` as a JSON string literal.
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// Whole nanoseconds as seconds with nine decimals (exact, no rounding).
    static func seconds(_ nanos: Int64) -> String {
        let whole = nanos / 1_000_000_000, fraction = String(nanos % 1_000_000_000)
        return "\(whole)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }

    struct Parser {
        let bytes: ArraySlice<UInt8>
        var i: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            i = bytes.startIndex
        }

        func error(_ reason: String) -> HistoryFormatError {
            HistoryFormatError(line: 0, reason: "invalid JSON at column \(i - bytes.startIndex + 1): \(reason)")
        }

        var peek: UInt8? { i < bytes.endIndex ? bytes[i] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws(HistoryFormatError) {
            guard peek == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
            i += 1
        }

        mutating func value(depth: Int) throws(HistoryFormatError) -> Value {
            guard depth < JSONText.maxDepth else { throw error("nested deeper than \(JSONText.maxDepth) levels") }
            skipSpace()
            guard let c = peek else { throw error("unexpected end of line") }
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [String: Value] = [:]
                skipSpace()
                if peek == UInt8(ascii: "}") { i += 1; return .object(fields) }
                while true {
                    skipSpace()
                    guard peek == UInt8(ascii: "\"") else { throw error("expected a field name") }
                    let name = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    guard fields.updateValue(try value(depth: depth + 1), forKey: name) == nil else {
                        throw error("duplicate field \"\(name)\"")
                    }
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    return .object(fields)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                skipSpace()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: String) throws(HistoryFormatError) {
            for u in word.utf8 {
                guard peek == u else { throw error("expected \(word)") }
                i += 1
            }
        }

        mutating func number() throws(HistoryFormatError) -> Double {
            let start = i
            func digits(_ p: inout Parser) -> Int {
                var n = 0
                while let c = p.peek, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { p.i += 1; n += 1 }
                return n
            }
            if peek == UInt8(ascii: "-") { i += 1 }
            let leadingZero = peek == UInt8(ascii: "0")
            let whole = digits(&self)
            guard whole > 0, !(leadingZero && whole > 1) else { throw error("expected a value") }
            if peek == UInt8(ascii: ".") {
                i += 1
                guard digits(&self) > 0 else { throw error("expected digits after '.'") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                i += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { throw error("expected digits in the exponent") }
            }
            guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)), d.isFinite else {
                throw error("number out of range")
            }
            return d
        }

        mutating func hex4() throws(HistoryFormatError) -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek else { throw error("unfinished \\u escape") }
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw error("bad \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        mutating func string() throws(HistoryFormatError) -> String {
            i += 1  // the opening quote
            var out: [UInt8] = []
            while true {
                guard let c = peek else { throw error("unterminated string") }
                i += 1
                switch c {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                    return s
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw error("unterminated string") }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard peek == UInt8(ascii: "\\") else { throw error("unpaired surrogate") }
                            i += 1
                            guard peek == UInt8(ascii: "u") else { throw error("unpaired surrogate") }
                            i += 1
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                            scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
                        out += Array(String(Character(u)).utf8)
                    default: throw error("bad escape")
                    }
                case 0..<0x20: throw error("control character in a string")
                default: out.append(c)
                }
            }
        }
    }
}
