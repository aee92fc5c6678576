import Foundation

extension DecodingError {
    /// One line a person can act on: which field, where, and what was wrong
    /// ("missing field 'f'", "field 'replicas[2].port': expected Int, found a string").
    ///
    /// Guarantees: names the coding path of the failure whenever the decoder gave one.
    public var readable: String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch self {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))': expected \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))': expected \(type), found null"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? context.debugDescription
            return at.isEmpty ? "not valid JSON: \(detail)" : "field '\(at)': \(detail)"
        @unknown default:
            return "\(self)"
        }
    }
}
