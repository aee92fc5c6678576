import ArgumentParser
import DQBFTCore
import DQBFTClient
import DQBFTNet
import Foundation
import Logging

/// `dqbft kv`: one key-value operation against a running cluster.
struct KV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put, get or delete a key in the replicated key-value store.",
        discussion: """
        Examples: dqbft kv --config c/cluster.json put color blue | get color | delete color
        Exit status: 0 done (get prints the value); 1 the key does not exist (get, delete); 3 the configuration \
        cannot be read; 5 the cluster could not be reached (the unreachable addresses are named) or did not answer \
        within --timeout.
        """,
        version: DQBFTVersion.current)

    @Option(help: "Cluster configuration file.") var config: String
    @Option(help: "Seconds before giving up on the operation.") var timeout = 10.0
    @Option(help: "Seconds to wait for f+1 replicas to be reachable.") var connectTimeout = 2.0
    @Option(help: "Client key file: this client's identity, created on first use (default: client.key next to --config). While another process uses it, a one-off key is used instead.")
    var clientKey: String?
    @Argument(help: "put KEY VALUE | get KEY | delete KEY") var words: [String]

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be in (0, 3600] seconds, got \(timeout)") }
        guard connectTimeout > 0, connectTimeout <= 600 else {
            throw ValidationError("--connect-timeout must be in (0, 600] seconds, got \(connectTimeout)")
        }
        switch (words.first, words.count) {
        case ("put", 3), ("get", 2), ("delete", 2): return
        default: throw ValidationError("expected: put KEY VALUE | get KEY | delete KEY")
        }
    }

    func run() async throws {
        let cluster = try ClusterInput.load(config)
        var options = DQBFTClient.Options()
        options.operationTimeout = .nanoseconds(Int64(timeout * 1e9))
        options.connectTimeout = .nanoseconds(Int64(connectTimeout * 1e9))
        // Connection churn is not the user's business here; failures are reported below.
        let client = try await ClusterInput.connect(cluster, keyPath: clientKey ?? ClientIdentityFile.defaultPath(forConfiguration: config),
                                                    options: options)
        let found: Bool
        do {
            switch words[0] {
            case "put":
                try await client.put(words[1], words[2])
                print("OK")
                found = true
            case "get":
                let value = try await client.get(words[1])
                print(value ?? "(not found)")
                found = value != nil
            default:
                found = try await client.delete(Array(words[1].utf8))
                print(found ? "deleted" : "(not found)")
            }
        } catch let error as DQBFTClientError {
            await client.close()
            throw ExitStatus.fail(ExitStatus.unavailable, "\(error)")
        }
        await client.close()
        if !found { throw ExitStatus.negative }
    }
}
