import ArgumentParser
import DQBFTCore
import DQBFTClient
import DQBFTNet
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `dqbft gateway`: HTTP/JSON access to a cluster's key-value store for programs in
/// any language.
struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the cluster's key-value store over HTTP for programs in any language.",
        discussion: """
        PUT /v1/kv/KEY (body: the value) → 200 {"ok":true}; GET /v1/kv/KEY → 200 and the value's bytes, or 404; \\
        DELETE /v1/kv/KEY → 200 {"deleted":true}, or 404. Every request needs 'Authorization: Bearer TOKEN' with the \\
        token in --token-file (created, mode 0600, on first use). The gateway is one client of the cluster: it signs \\
        every request with its own key (--client-key), waits for f+1 matching replies, and answers 503 with the \\
        reason when the cluster cannot. Example:
          curl -X PUT -H "Authorization: Bearer $(cat DIR/gateway.token)" --data blue http://127.0.0.1:8380/v1/kv/color
        """,
        version: DQBFTVersion.current)

    @Option(help: "Cluster configuration file.") var config: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8380
    @Option(help: "Bearer token file (default: gateway.token next to --config; created if missing).") var tokenFile: String?
    @Option(help: "Client key file (default: gateway.key next to --config; created if missing).") var clientKey: String?
    @Option(help: "Operations in flight at once.") var concurrency = 64
    @Option(help: "Seconds before an operation fails with 503.") var timeout = 10.0

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1...65535, got \(port)") }
        guard (1...4096).contains(concurrency) else { throw ValidationError("--concurrency must be in 1...4096, got \(concurrency)") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
    }

    func run() async throws {
        let cluster = try ClusterInput.load(config)
        let directory = (config as NSString).deletingLastPathComponent.isEmpty ? "." : (config as NSString).deletingLastPathComponent
        let token = try Self.token(at: tokenFile ?? directory + "/gateway.token")
        var options = DQBFTClient.Options()
        options.concurrency = concurrency
        options.operationTimeout = .nanoseconds(Int64(timeout * 1e9))
        options.connectTimeout = nil  // serve at once; requests wait for the replicas within their timeout
        let client = try await ClusterInput.connect(cluster, keyPath: clientKey ?? directory + "/gateway.key", options: options,
                                                    label: "dqbft.gateway", logLevel: .warning)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(GatewayHandler(client: client, token: token))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw ExitStatus.fail(ExitStatus.badInput, "cannot listen on \(host):\(port): \(error)")
        }
        say("gateway for \(cluster.protocol) n=\(cluster.n) on http://\(host):\(port)/v1/kv/<key> (token in \(tokenFile ?? directory + "/gateway.token"))")
        let stopping = LockedBox(false)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stopping.withLock { $0 = true } }
            source.resume()
            sources.append(source)
        }
        while !stopping.withLock({ $0 }) { try? await Task.sleep(nanoseconds: 200_000_000) }
        _ = sources
        try? await channel.close()
        await client.close()
        try? await group.shutdownGracefully()
    }

    /// The token in `path`, or a new random one written there (mode 0600).
    static func token(at path: String) throws -> String {
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw ExitStatus.fail(ExitStatus.badInput, "\(path): a token needs at least 16 characters") }
            return token
        }
        var rng = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ExitStatus.fail(ExitStatus.badInput, "cannot write the token file \(path)")
        }
        return token
    }
}
