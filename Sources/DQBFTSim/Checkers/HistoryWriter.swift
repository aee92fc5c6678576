import DQBFTCore
import Foundation

/// Streams one JSON line per completed client operation, for an external
/// linearizability checker: client, op, key, value, invoke_s, complete_s, result.
final class HistoryWriter {
    let handle: FileHandle
    var buffer = ""

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw SimulationError.invalidArgument("--history: cannot create \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func record(client: ClientID, key: [UInt8], tag: String, invoke: SimTime, complete: SimTime, result: [UInt8]) {
        let keyText = String(decoding: key, as: UTF8.self)
        let resultText = result == [0] ? "ok" : result.map { String(format: "%02x", $0) }.joined()
        buffer += "{\"client\":\(client.rawValue),\"op\":\"put\",\"key\":\"\(keyText)\",\"value\":\"\(tag)\","
            + "\"invoke_s\":\(String(format: "%.6f", Double(invoke) / 1e9)),\"complete_s\":\(String(format: "%.6f", Double(complete) / 1e9)),"
            + "\"result\":\"\(resultText)\"}\n"
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    func flush() {
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    func close() throws {
        flush()
        try handle.close()
    }
}
