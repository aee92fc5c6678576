import DQBFTCore
import DQBFTCrypto
import Foundation
import Crypto

/// Errors loading or validating a cluster configuration file.
public enum ClusterFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unreadable(let s): return "cannot read cluster configuration: \(s)"
        case .invalid(let s): return "invalid cluster configuration: \(s)"
        }
    }
}

/// The cluster configuration file shared by replicas and clients (JSON): the
/// protocol, fault model, N and f, each replica's address and Ed25519 public key,
/// and optional protocol tuning.
///
/// Guarantees: `validated()` rejects files whose ids are not exactly `0 ..< N`,
/// whose f is impossible for N under the fault model, whose keys do not parse or
/// repeat, whose addresses repeat, whose tuning is out of range (`Tuning.bounds`:
/// every duration finite and in `1 µs ... 1 day`, checkpoint interval, window and
/// batch size bounded so no arithmetic on them can overflow), or whose protocol
/// this build cannot run — before any process starts with it, with a message that
/// names the offending field. `parameters` of a validated file never traps.
public struct ClusterFile: Codable, Sendable, Equatable {
    public struct ReplicaEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var host: String
        public var port: Int
        /// Hex of the 32-byte Ed25519 public key.
        public var publicKey: String
        /// Port of the replica's HTTP endpoint (`/metrics`, `/livez`, `/readyz`,
        /// `/status`) on `host`; absent: none configured (`dqbft status` then needs
        /// `--metrics-base-port`).
        public var metricsPort: Int?
        public init(id: Int, host: String, port: Int, publicKey: String, metricsPort: Int? = nil) {
            self.id = id; self.host = host; self.port = port; self.publicKey = publicKey; self.metricsPort = metricsPort
        }
    }

    /// Protocol tuning; every field is optional and defaults to the core's defaults.
    public struct Tuning: Codable, Sendable, Equatable {
        public var batchSize: Int?
        public var batchTimeoutMs: Double?
        public var requestTimeoutMs: Double?
        public var stateRetryMs: Double?
        public var checkpointInterval: UInt64?
        public var windowSize: UInt64?
        public var progressTimeoutMs: Double?
        public var viewChangeTimeoutMs: Double?
        /// Clients the client table admits, and bytes of replies it keeps for
        /// retransmissions (`ClientTable`); the same on every replica (replicated state).
        public var maxClients: Int?
        public var maxStoredReplyBytes: Int?
        /// Requests executed that an entry of a full client table must go without
        /// before a new client may evict it (default: `maxClients`).
        public var clientEvictionAge: UInt64?
        public init() {}

        /// Accepted ranges: durations in milliseconds, the rest in slots or requests.
        public enum Bounds {
            public static let durationMs: ClosedRange<Double> = 0.001 ... 86_400_000
            public static let checkpointInterval: ClosedRange<UInt64> = 1 ... 1 << 20
            public static let windowSize: ClosedRange<UInt64> = 2 ... 1 << 22
            public static let batchSize: ClosedRange<Int> = 1 ... WireLimits.default.maxRequestsPerBatch
            public static let maxClients: ClosedRange<Int> = 1 ... 1 << 26
            public static let maxStoredReplyBytes: ClosedRange<Int> = 0 ... 1 << 36
            public static let clientEvictionAge: ClosedRange<UInt64> = 1 ... 1 << 48
        }

        /// The first out-of-range field, described; nil if all are in range.
        func problem() -> String? {
            let durations: [(String, Double?)] = [
                ("batchTimeoutMs", batchTimeoutMs), ("requestTimeoutMs", requestTimeoutMs), ("stateRetryMs", stateRetryMs),
                ("progressTimeoutMs", progressTimeoutMs), ("viewChangeTimeoutMs", viewChangeTimeoutMs)]
            for case let (name, value?) in durations where !Bounds.durationMs.contains(value) {
                return "tuning.\(name) = \(value) is outside 0.001 ... 86400000 ms (1 µs to one day)"
            }
            if let v = checkpointInterval, !Bounds.checkpointInterval.contains(v) {
                return "tuning.checkpointInterval = \(v) is outside \(Bounds.checkpointInterval)"
            }
            if let v = windowSize, !Bounds.windowSize.contains(v) {
                return "tuning.windowSize = \(v) is outside \(Bounds.windowSize)"
            }
            if let v = batchSize, !Bounds.batchSize.contains(v) {
                return "tuning.batchSize = \(v) is outside \(Bounds.batchSize)"
            }
            if let v = maxClients, !Bounds.maxClients.contains(v) {
                return "tuning.maxClients = \(v) is outside \(Bounds.maxClients)"
            }
            if let v = maxStoredReplyBytes, !Bounds.maxStoredReplyBytes.contains(v) {
                return "tuning.maxStoredReplyBytes = \(v) is outside \(Bounds.maxStoredReplyBytes) (64 GiB)"
            }
            if let v = clientEvictionAge, !Bounds.clientEvictionAge.contains(v) {
                return "tuning.clientEvictionAge = \(v) is outside \(Bounds.clientEvictionAge)"
            }
            let interval = checkpointInterval ?? 64, window = windowSize ?? 256
            if window < 2 * interval {
                return "tuning.windowSize (\(window)) must be ≥ 2 × tuning.checkpointInterval (\(interval))"
            }
            return nil
        }
    }

    /// Protocols this runtime can host: those of the Byzantine fault model. The
    /// hybrid ones need a trusted subsystem and threshold keys per replica, which
    /// the runtime does not host yet (the simulator runs them).
    public static let supportedProtocols: Set<String> = Set(ProtocolKind.allCases.filter { $0.faultModel == .byzantine }.map(\.rawValue))

    /// The protocol as the core names it (call only on a validated file).
    public var protocolKind: ProtocolKind { ProtocolKind(rawValue: self.protocol) ?? .pbft }

    public var `protocol`: String
    public var faultModel: FaultModel
    public var n: Int
    public var f: Int
    public var replicas: [ReplicaEntry]
    public var tuning: Tuning?
    /// Whether every client request must carry its client's Ed25519 signature
    /// (absent: yes). `false` trusts whoever connects and every replica that relays
    /// a request — a Byzantine replica can then issue requests in any client's
    /// name; it saves one signature check per request on every replica.
    public var clientSignatures: Bool?

    /// Whether replicas require signed client requests.
    public var requiresClientSignatures: Bool { clientSignatures ?? true }
    /// Whether every connection (replica–replica and client–replica) encrypts its
    /// frames with ChaCha20-Poly1305 after the handshake (absent: yes). `false`
    /// only authenticates them (HMAC-SHA256): requests, replies and state travel in clear.
    public var encryption: Bool?

    /// Whether connections encrypt their frames.
    public var encryptsFrames: Bool { encryption ?? true }

    public init(protocol name: String, faultModel: FaultModel, n: Int, f: Int, replicas: [ReplicaEntry], tuning: Tuning? = nil,
                clientSignatures: Bool = true) {
        self.protocol = name; self.faultModel = faultModel; self.n = n; self.f = f
        self.replicas = replicas; self.tuning = tuning; self.clientSignatures = clientSignatures
    }

    public static func load(path: String) throws(ClusterFileError) -> ClusterFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        let file: ClusterFile
        do { file = try JSONDecoder().decode(ClusterFile.self, from: data) } catch {
            throw .invalid("\(path): \((error as? DecodingError)?.readable ?? "\(error)")")
        }
        return try file.validated()
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func validated() throws(ClusterFileError) -> ClusterFile {
        guard let kind = ProtocolKind(rawValue: self.protocol), Self.supportedProtocols.contains(self.protocol) else {
            let simulatorOnly = ProtocolKind(rawValue: self.protocol) != nil ? " (\(self.protocol) runs in `dqbft simulate` only)" : ""
            throw .invalid("protocol \(self.protocol) is not supported by the runtime\(simulatorOnly); "
                           + "supported: \(Self.supportedProtocols.sorted().joined(separator: ", "))")
        }
        guard n >= 1, n < 1024, replicas.count == n else { throw .invalid("n=\(n) but \(replicas.count) replicas listed") }
        guard replicas.map(\.id) == Array(0..<n) else { throw .invalid("replica ids must be 0..<\(n) in order") }
        guard faultModel == kind.faultModel else { throw .invalid("\(kind) assumes the \(kind.faultModel) fault model") }
        guard f >= 0, f <= ClusterConfiguration.maxFaults(replicas: n, model: faultModel) else {
            throw .invalid("f=\(f) is too large for n=\(n) under \(faultModel)")
        }
        var keys: [String: Int] = [:], addresses: [String: Int] = [:]
        for r in replicas {
            guard (1...65535).contains(r.port), !r.host.isEmpty else { throw .invalid("replica \(r.id): bad address") }
            guard let key = KeyFiles.publicKey(hex: r.publicKey) else { throw .invalid("replica \(r.id): bad publicKey") }
            let canonical = KeyFiles.encode(key)
            if let other = keys[canonical] { throw .invalid("replicas \(other) and \(r.id) have the same publicKey") }
            keys[canonical] = r.id
            let address = "\(r.host.lowercased()):\(r.port)"
            if let other = addresses[address] { throw .invalid("replicas \(other) and \(r.id) have the same address \(address)") }
            addresses[address] = r.id
            if let m = r.metricsPort {
                guard (1...65535).contains(m) else { throw .invalid("replica \(r.id): metricsPort \(m) is outside 1...65535") }
                let metrics = "\(r.host.lowercased()):\(m)"
                if let other = addresses[metrics] {
                    throw .invalid("replica \(r.id): metricsPort \(m) is also the address of replica \(other)'s \(other == r.id ? "protocol port" : "port")")
                }
                addresses[metrics] = r.id
            }
        }
        if let problem = tuning?.problem() { throw .invalid(problem) }
        return self
    }

    public var configuration: ClusterConfiguration { ClusterConfiguration(replicas: n, faultModel: faultModel, f: f) }

    /// The verifier of every replica's signatures (call only on a validated file).
    public var verifier: Ed25519Verifier {
        Ed25519Verifier(publicKeys: replicas.compactMap { KeyFiles.publicKey(hex: $0.publicKey) })
    }

    /// The verifier replicas run on every message before their core sees it.
    public var messageVerifier: MessageVerifier {
        MessageVerifier(config: configuration, signatures: verifier,
                        clients: requiresClientSignatures ? Ed25519ClientVerifier() : nil)
    }

    /// Replica parameters: the core's defaults overridden by `tuning`.
    public var parameters: ReplicaParameters {
        let t = tuning ?? Tuning()
        let d = ReplicaParameters()
        let dp = d.pbft
        func ns(_ ms: Double?, _ fallback: UInt64) -> UInt64 { ms.map { UInt64(max(0, $0) * 1e6) } ?? fallback }
        var parameters = ReplicaParameters(
            batchSize: t.batchSize ?? d.batchSize,
            batchTimeoutNanos: ns(t.batchTimeoutMs, d.batchTimeoutNanos),
            requestTimeoutNanos: ns(t.requestTimeoutMs, d.requestTimeoutNanos),
            stateRetryNanos: ns(t.stateRetryMs, d.stateRetryNanos),
            maxClients: t.maxClients ?? d.maxClients, maxPendingRequests: max(d.maxPendingRequests, t.batchSize ?? 0),
            pbft: PBFTParameters(checkpointInterval: t.checkpointInterval ?? dp.checkpointInterval,
                                 windowSize: t.windowSize ?? dp.windowSize,
                                 progressTimeoutNanos: ns(t.progressTimeoutMs, dp.progressTimeoutNanos),
                                 viewChangeTimeoutNanos: ns(t.viewChangeTimeoutMs, dp.viewChangeTimeoutNanos),
                                 fetchRetryNanos: dp.fetchRetryNanos),
            dq: d.dq)
        parameters.maxStoredReplyBytes = t.maxStoredReplyBytes ?? d.maxStoredReplyBytes
        parameters.clientEvictionAge = t.clientEvictionAge
        return parameters
    }

    /// A fresh cluster on one host with consecutive ports and new keys; returns the
    /// file and the private keys (index = replica id).
    public static func generate(protocol name: String, replicas n: Int, faultModel: FaultModel = .byzantine,
                                host: String = "127.0.0.1", basePort: Int = 7000, tuning: Tuning? = nil,
                                clientSignatures: Bool = true)
        -> (ClusterFile, [Curve25519.Signing.PrivateKey]) {
        let keys = (0..<n).map { _ in Curve25519.Signing.PrivateKey() }
        let entries = (0..<n).map { ReplicaEntry(id: $0, host: host, port: basePort + $0, publicKey: KeyFiles.encode(keys[$0].publicKey)) }
        let f = ClusterConfiguration.maxFaults(replicas: n, model: faultModel)
        return (ClusterFile(protocol: name, faultModel: faultModel, n: n, f: f, replicas: entries, tuning: tuning,
                             clientSignatures: clientSignatures), keys)
    }
}
