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
}
