import ArgumentParser
import Foundation

/// The exit statuses every `dqbft` command uses, so scripts can tell a wrong answer
/// from a broken command line or an unreachable cluster.
///
/// Guarantees: each status means the same thing in every command; a command that
/// exits non-zero has printed why on standard error first.
enum ExitStatus {
    /// A negative answer: a safety violation or failed run (simulate, sweep, twins),
    /// a non-linearizable history (check-history), a key that does not exist (kv).
    static let negative = ExitCode(1)
    /// No answer within the limits asked for (check-history: the search limit).
    static let undecided = ExitCode(2)
    /// An input file that cannot be read or does not parse (configuration, costs,
    /// history).
    static let badInput = ExitCode(3)
    /// A simulated run that stalled after its faults healed (`--allow-stall`: 0).
    static let stalled = ExitCode(4)
    /// The cluster could not be reached, or did not answer in time (kv, bench).
    static let unavailable = ExitCode(5)

    /// The text for `--help`.
    static let help = """
        Exit status: 0 success; 1 a negative answer (a safety violation or a failed run; a non-linearizable \
        history; kv: the key does not exist); 2 undecided (check-history's search limit); 3 an input file that \
        cannot be read or parsed; 4 a simulated run that stalled (simulate --allow-stall: 0); 5 the cluster \
        could not be reached or did not answer; 64 a bad command line.
        """

    /// Prints `message` on standard error and returns `status` to throw.
    static func fail(_ status: ExitCode, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return status
    }
}
