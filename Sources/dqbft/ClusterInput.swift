import ArgumentParser
import DQBFTNet
import Foundation
import Logging

/// Reading what an operator passes to the runtime commands: the cluster file and
/// the log level.
///
/// Guarantees: a bad input ends the command before any work starts, with a message
/// that names the flag and the file or value (exit status 3 for a file, 64 for a flag).
enum ClusterInput {
    /// The validated cluster configuration at `path` (given with `flag`).
    static func load(_ path: String, flag: String = "--config") throws -> ClusterFile {
        do { return try ClusterFile.load(path: path) } catch {
            throw ExitStatus.fail(ExitStatus.badInput, "\(flag) \(path): \(error)")
        }
    }

    static let logLevels = Logger.Level.allCases.map(\.rawValue)

    /// The log level named `name`, or a usage error listing the valid ones.
    static func logLevel(_ name: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw ValidationError("--log-level must be one of \(logLevels.joined(separator: ", ")); got '\(name)'")
        }
        return level
    }
}
