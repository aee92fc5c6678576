import Foundation
import Logging

/// `--log-format json`: one JSON object per line on standard error, for log
/// collectors: `time` (ISO 8601, UTC, milliseconds), `level`, `logger`, `message`,
/// `source`, and every metadata key as a string field.
///
/// Guarantees: one line per message, never interleaved with another (one `write`
/// each); keys in a fixed order (sorted); metadata keys never shadow the fixed ones
/// (they are prefixed with `meta.` when they would).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    static let fixed: Set<String> = ["time", "level", "logger", "message", "source"]
    /// "2026-12-07T15:44:18.256Z" (ISO8601DateFormatter is documented thread-safe).
    nonisolated(unsafe) static let clock: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var fields: [String: String] = [:]
        for (k, v) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) {
            fields[Self.fixed.contains(k) ? "meta." + k : k] = "\(v)"
        }
        fields["time"] = Self.clock.string(from: Date())
        fields["level"] = level.rawValue
        fields["logger"] = label
        fields["message"] = message.description
        fields["source"] = source
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}
