import ArgumentParser
import DQBFTCore
import DQBFTSim
import Foundation

/// `dqbft check-history FILE`: is a recorded client history linearizable?
struct CheckHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-history",
        abstract: "Check a client history (dqbft simulate --history FILE) for linearizability.",
        discussion: """
        Reads one JSON object per line with the fields client, op (put, get or delete), key, value (the tag a put \
        writes), invoke_s, complete_s (null: never completed) and result (the tag a get read or a put/delete \
        replaced; null: absent; "ok": not known). The history is split by key and each key is searched for an order \
        (Wing–Gong with Lowe's memoisation, as in Porcupine). An operation that never completed may have taken \
        effect at any time after its invocation, or never.
        Exit status: 0 linearizable, 1 not linearizable (each failing key is explained: the operation that cannot be \
        placed, the value at that point, the operations around it), 2 undecided (the search hit --max-steps on some \
        key), 3 the file cannot be read or is malformed.
        """,
        version: DQBFTVersion.current)

    @Argument(help: "History file: JSON lines, as written by dqbft simulate --history.") var file: String
    @Option(help: "Search steps allowed per key before its verdict is 'unknown'.") var maxSteps = 20_000_000
    @Option(help: "Failing keys explained in full (the rest are only counted).") var explain = 5

    func run() throws {
        guard maxSteps >= 1 else { throw ValidationError("--max-steps must be at least 1, got \(maxSteps)") }
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("check-history: cannot read \(file)\n".utf8))
            throw ExitStatus.badInput
        }
        let report: LinearizabilityReport
        do {
            let history = try HistoryOperation.parseLines([UInt8](data))
            report = try LinearizabilityChecker(maxStepsPerKey: maxSteps).check(history)
        } catch {
            FileHandle.standardError.write(Data("check-history: \(file): \(error)\n".utf8))
            throw ExitStatus.badInput
        }
        print(report.text(explaining: explain))
        switch report.verdict {
        case .linearizable: return
        case .notLinearizable: throw ExitStatus.negative
        case .unknown: throw ExitStatus.undecided
        }
    }
}
