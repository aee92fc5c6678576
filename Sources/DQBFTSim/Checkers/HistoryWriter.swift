import DQBFTCore
import Foundation

/// Records the client operations of a run, for a linearizability checker: streams
/// one JSON line per operation to a file (`SimulationOptions.historyPath`, the
/// format of `HistoryOperation.jsonLine`) and/or keeps them in memory
/// (`SimulationOptions.recordHistory`, read back as `Simulation.history`).
///
/// Guarantees: every operation a client completed is recorded once, when it
/// completes, with the result the client accepted; `finish` then records each
/// client's outstanding operation as pending (`complete_s` null), so a read of a
/// value whose put never completed can be explained.
final class HistoryWriter {
    let handle: FileHandle?
    var buffer = ""
    /// The operations so far, when kept in memory.
    var operations: [HistoryOperation]?

    init(path: String?, inMemory: Bool) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw SimulationError.invalidArgument("--history: cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            handle = nil
        }
        if inMemory { operations = [] }
    }

    func record(_ operation: HistoryOperation) {
        operations?.append(operation)
        guard handle != nil else { return }
        buffer += operation.jsonLine
        buffer += "\n"
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    /// What a client accepted as the result of `kind`, in history terms: the tag of
    /// the value read or replaced (`Workload.tag(of:)`), absent for `notFound`,
    /// `.unknown` for the "ok" of a put that did not ask for the previous value and
    /// `.present` for that of such a delete. Any other status (an invalid operation)
    /// becomes a value no put wrote, "!status<N>", so a checker rejects it.
    static func outcome(of result: [UInt8], kind: HistoryOperation.Kind, returnsPrevious: Bool) -> HistoryOperation.Outcome {
        switch (result.first, kind) {
        case (0, .put) where !returnsPrevious: return result.count == 1 ? .unknown : .value("!unexpected")
        case (0, .delete) where !returnsPrevious: return result.count == 1 ? .present : .value("!unexpected")
        case (0, _): return .value(Workload.tag(of: result[1...]))
        case (1, _) where result.count == 1: return .absent
        default: return .value("!status\(result.first.map { String($0) } ?? "-empty")")
        }
    }

    func flush() {
        guard let handle, !buffer.isEmpty else { return }
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    func close() throws {
        flush()
        try handle?.close()
    }
}
