import DQBFTCore
import Testing
@testable import DQBFTNet

@Suite("Cluster configuration files")
struct ClusterFileTests {
    static func message(_ body: () throws(ClusterFileError) -> ClusterFile) -> String? {
        do { _ = try body(); return nil } catch { return error.description }
    }

    @Test("every protocol the runtime hosts generates a configuration that validates", arguments: ["pbft", "dqpbft", "rcc"])
    func generatedValidates(_ name: String) throws {
        let (file, keys) = ClusterFile.generate(protocol: name, replicas: 4)
        #expect(keys.count == 4)
        let valid = try file.validated()
        #expect(valid.n == 4 && valid.f == 1)
    }

    @Test("a hybrid protocol is refused with a pointer to the simulator, an unknown one with the supported list")
    func unsupportedProtocols() {
        let hybrid = Self.message { () throws(ClusterFileError) in
            try ClusterFile.generate(protocol: "destiny", replicas: 3, faultModel: .hybrid).0.validated()
        }
        #expect(hybrid?.contains("dqbft simulate") == true, "\(hybrid ?? "accepted")")
        let unknown = Self.message { () throws(ClusterFileError) in
            try ClusterFile.generate(protocol: "paxos", replicas: 3).0.validated()
        }
        #expect(unknown?.contains("supported: dqpbft, pbft, rcc") == true, "\(unknown ?? "accepted")")
        #expect(ClusterFile.supportedProtocols == ["pbft", "dqpbft", "rcc"])
    }

    static func tuned(_ edit: (inout ClusterFile.Tuning) -> Void) -> ClusterFile {
        var tuning = ClusterFile.Tuning()
        edit(&tuning)
        return ClusterFile.generate(protocol: "pbft", replicas: 4, tuning: tuning).0
    }

    @Test("absurd tuning values are refused with the field's name, not a crash")
    func absurdTuning() {
        let cases: [(String, ClusterFile)] = [
            ("checkpointInterval", Self.tuned { $0.checkpointInterval = 1 << 63 }),
            ("requestTimeoutMs", Self.tuned { $0.requestTimeoutMs = 1e300 }),
            ("requestTimeoutMs", Self.tuned { $0.requestTimeoutMs = 0 }),
            ("viewChangeTimeoutMs", Self.tuned { $0.viewChangeTimeoutMs = .nan }),
            ("progressTimeoutMs", Self.tuned { $0.progressTimeoutMs = -5 }),
            ("batchTimeoutMs", Self.tuned { $0.batchTimeoutMs = .infinity }),
            ("windowSize", Self.tuned { $0.windowSize = .max }),
            ("batchSize", Self.tuned { $0.batchSize = Int.max }),
            ("maxClients", Self.tuned { $0.maxClients = 0 }),
            ("maxStoredReplyBytes", Self.tuned { $0.maxStoredReplyBytes = -1 }),
        ]
        for (field, file) in cases {
            let message = Self.message { () throws(ClusterFileError) in try file.validated() }
            #expect(message?.contains(field) == true, "\(field): \(message ?? "accepted")")
        }
    }

    @Test("client-table bounds in the tuning reach the replica parameters")
    func clientTableBounds() throws {
        let file = Self.tuned { $0.maxClients = 1000; $0.maxStoredReplyBytes = 4096 }
        _ = try file.validated()
        #expect(file.parameters.maxClients == 1000 && file.parameters.maxStoredReplyBytes == 4096)
        #expect(Self.tuned { _ in }.parameters.maxStoredReplyBytes == ReplicaParameters.defaultReplyBudget)
    }

    @Test("duplicate replica keys or addresses are refused")
    func duplicates() {
        var sameKey = ClusterFile.generate(protocol: "pbft", replicas: 4).0
        sameKey.replicas[2].publicKey = sameKey.replicas[1].publicKey
        let key = Self.message { () throws(ClusterFileError) in try sameKey.validated() }
        #expect(key?.contains("publicKey") == true, "\(key ?? "accepted")")
        var sameAddress = ClusterFile.generate(protocol: "pbft", replicas: 4).0
        sameAddress.replicas[3].port = sameAddress.replicas[0].port
        let address = Self.message { () throws(ClusterFileError) in try sameAddress.validated() }
        #expect(address?.contains("address") == true, "\(address ?? "accepted")")
    }
}
