import DQBFTClient
import DQBFTCrypto
import Foundation
import Testing

@Suite("Persisted client identity (dqbft kv / bench)")
struct ClientIdentityTests {
    @Test("the key file is created once and read back: one identity across runs")
    func identityPersists() throws {
        let directory = temporaryDirectory("client-key")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = ClientIdentityFile.defaultPath(forConfiguration: directory + "/cluster.json")
        #expect(path == directory + "/client.key")
        let first = try ClientIdentityFile.load(orCreateAt: path)
        let second = try ClientIdentityFile.load(orCreateAt: path)
        #expect(first.publicKey == second.publicKey && first.idBase == second.idBase)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KeyFileError.self) { try ClientIdentityFile.load(orCreateAt: path) }
    }
}
