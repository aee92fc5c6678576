import ArgumentParser
import DQBFTClient
import DQBFTNet
import Foundation

/// `dqbft kv`: one key-value operation against a running cluster.
struct KV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put, get or delete a key in the replicated key-value store.",
        discussion: "Examples: dqbft kv --config c/cluster.json put color blue | get color | delete color")

    @Option(help: "Cluster configuration file.") var config: String
    @Option(help: "Seconds before giving up.") var timeout = 10.0
    @Option(help: "Client key file: this client's identity, created on first use (default: client.key next to --config). One process at a time per key file.")
    var clientKey: String?
    @Argument(help: "put KEY VALUE | get KEY | delete KEY") var words: [String]

    func run() async throws {
        let cluster: ClusterFile
        do { cluster = try ClusterFile.load(path: config) } catch { throw ValidationError("\(error)") }
        var options = DQBFTClient.Options()
        options.operationTimeout = .nanoseconds(Int64(timeout * 1e9))
        do {
            options.identity = try ClientIdentityFile.load(orCreateAt: clientKey ?? ClientIdentityFile.defaultPath(forConfiguration: config))
        } catch { throw ValidationError("\(error)") }
        options.firstTimestamp = ClientIdentityFile.timestampFloor()
        let client = try await DQBFTClient.connect(configuration: cluster, options: options)
        defer { Task { await client.close() } }
        do {
            switch (words.first, words.count) {
            case ("put", 3):
                try await client.put(words[1], words[2])
                print("OK")
            case ("get", 2):
                if let value = try await client.get(words[1]) { print(value) } else {
                    print("(not found)")
                    await client.close()
                    throw ExitCode(1)
                }
            case ("delete", 2):
                print(try await client.delete(Array(words[1].utf8)) ? "deleted" : "(not found)")
            default:
                throw ValidationError("expected: put KEY VALUE | get KEY | delete KEY")
            }
        } catch let error as DQBFTClientError {
            await client.close()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        await client.close()
    }
}
