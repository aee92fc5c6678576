import ArgumentParser
import DQBFTClient
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

    /// A client of `cluster` for a command-line tool: the identity persisted in
    /// `keyPath` (a one-off key while another process holds it), `options` for the
    /// rest, client logs at `logLevel`. A bad key file exits with status 3; no f+1
    /// replicas reachable within `options.connectTimeout` exits with status 5.
    static func connect(_ cluster: ClusterFile, keyPath: String, options: DQBFTClient.Options,
                        label: String = "dqbft.client", logLevel: Logger.Level = .error) async throws -> DQBFTClient {
        var options = options
        do { options.identity = try ClientIdentityFile.claim(orCreateAt: keyPath).key } catch {
            throw ExitStatus.fail(ExitStatus.badInput, "--client-key: \(error)")
        }
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        do { return try await DQBFTClient.connect(configuration: cluster, options: options, logger: logger) } catch let error as DQBFTClientError {
            throw ExitStatus.fail(ExitStatus.unavailable, "\(error)")
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
