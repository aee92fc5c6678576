import ArgumentParser
import DQBFTCore
import DQBFTCrypto
import DQBFTNet
import Foundation

/// `dqbft keygen`: a cluster configuration file and one private key file per replica.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a cluster configuration (cluster.json) and Ed25519 keys (replica-I.key, mode 0600).",
        discussion: """
        Addresses default to --host and consecutive ports from --base-port. To run replicas on several
        hosts, edit the "host"/"port" of each entry in cluster.json and copy cluster.json plus each
        replica's own key file to its host; every replica and client uses the same cluster.json.
        """,
        version: DQBFTVersion.current)

    @Option(help: "Number of replicas N.") var replicas = 4
    @Option(name: .customLong("protocol"), help: "Protocol: \(ClusterFile.supportedProtocols.sorted().joined(separator: ", ")).")
    var protocolName = "pbft"
    @Option(help: "Fault model: byzantine (the only one the runtime runs so far: hybrid protocols run in the simulator).")
    var faultModel = "byzantine"
    @Option(help: "Host of every replica.") var host = "127.0.0.1"
    @Option(help: "Comma-separated host of each replica, in id order (overrides --host), e.g. 10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4.")
    var hosts: String?
    @Option(help: "Port of replica 0; replica I listens on base-port + I.") var basePort = 7000
    @Option(help: "HTTP port (/metrics, /livez, /readyz, /status) of replica 0, recorded in cluster.json; replica I uses metrics-base-port + I (0: none recorded).")
    var metricsBasePort = Cluster.defaultMetricsBasePort
    @Option(name: [.customLong("dir"), .customLong("out")], help: "Directory for cluster.json and the key files (the same --dir as 'dqbft cluster'; --out is an alias).")
    var out: String
    @Flag(help: "Overwrite an existing configuration.") var force = false
    @Flag(help: "Do not require client signatures: faster, but a Byzantine replica can then issue requests in any client's name.")
    var unsignedClients = false

    func validate() throws {
        guard let model = FaultModel(rawValue: faultModel) else { throw ValidationError("--fault-model must be byzantine, got '\(faultModel)'") }
        guard model == .byzantine else {
            throw ValidationError("--fault-model hybrid: the runtime does not run the hybrid protocols (hybster, linearhybster, dqhybster, "
                                  + "destiny) yet; run them with 'dqbft simulate --protocol destiny'")
        }
        guard ClusterFile.supportedProtocols.contains(protocolName) else {
            throw ValidationError("--protocol \(protocolName): the runtime runs \(ClusterFile.supportedProtocols.sorted().joined(separator: ", "))"
                                  + (ProtocolKind(rawValue: protocolName) != nil ? "; \(protocolName) runs in the simulator only" : ""))
        }
        try Self.checkReplicaCount(replicas)
        guard (1...65535).contains(basePort), basePort + replicas - 1 <= 65535 else {
            throw ValidationError("--base-port must leave room for \(replicas) consecutive ports below 65536, got \(basePort)")
        }
        guard metricsBasePort == 0 || ((1...65535).contains(metricsBasePort) && metricsBasePort + replicas - 1 <= 65535) else {
            throw ValidationError("--metrics-base-port must be 0 or leave room for \(replicas) ports below 65536, got \(metricsBasePort)")
        }
        if let hosts {
            let list = hosts.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if list.count != replicas || list.contains(where: \.isEmpty) {
                throw ValidationError("--hosts needs \(replicas) non-empty comma-separated hosts, got \(list.count)")
            }
        }
    }

    func run() throws {
        let hostList = hosts.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let written = try Self.generate(protocolName: protocolName, replicas: replicas, faultModel: .byzantine, host: host,
                                        basePort: basePort, directory: out, force: force, clientSignatures: !unsignedClients,
                                        hosts: hostList, metricsBasePort: metricsBasePort > 0 ? metricsBasePort : nil)
        print("wrote \(written.configPath) (n=\(written.file.n), f=\(written.file.f), protocol=\(written.file.protocol))")
        print("wrote \(replicas) private keys: \(out)/replica-<id>.key (mode 0600)")
    }

    /// A runtime cluster tolerates at least one fault: N = 3f+1 ≥ 4.
    static func checkReplicaCount(_ n: Int) throws {
        guard n >= 4, n < 1024 else {
            throw ValidationError("--replicas must be in 4..<1024 (N = 3f+1 replicas tolerate f Byzantine faults; "
                                  + "\(n) would tolerate \(max(0, (n - 1) / 3)))")
        }
    }

    static func keyPath(directory: String, id: Int) -> String { directory + "/replica-\(id).key" }

    static func generate(protocolName: String, replicas: Int, faultModel: FaultModel, host: String, basePort: Int,
                         directory: String, force: Bool, tuning: ClusterFile.Tuning? = nil,
                         clientSignatures: Bool = true, hosts: [String]? = nil,
                         metricsBasePort: Int? = nil) throws -> (file: ClusterFile, configPath: String) {
        let configPath = directory + "/cluster.json"
        if FileManager.default.fileExists(atPath: configPath) && !force {
            throw ValidationError("\(configPath) exists; pass --force to overwrite")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var (file, keys) = ClusterFile.generate(protocol: protocolName, replicas: replicas, faultModel: faultModel,
                                                host: host, basePort: basePort, tuning: tuning,
                                                clientSignatures: clientSignatures)
        if let hosts { for i in 0..<replicas { file.replicas[i].host = hosts[i] } }
        if let metricsBasePort { for i in 0..<replicas { file.replicas[i].metricsPort = metricsBasePort + i } }
        do { _ = try file.validated() } catch { throw ValidationError("\(error)") }
        for (i, key) in keys.enumerated() { try KeyFiles.writePrivateKey(key, to: keyPath(directory: directory, id: i)) }
        try file.write(to: configPath)
        return (file, configPath)
    }
}
