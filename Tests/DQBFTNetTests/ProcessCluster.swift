import DQBFTCore
import DQBFTCrypto
import Foundation
@testable import DQBFTNet

/// The built `dqbft` executable next to the test bundle, if `swift build` produced it.
func builtExecutable() -> URL? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("dqbft")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}

/// Replica processes of one cluster in a temporary directory, started with the
/// built `dqbft` executable and killed with SIGKILL.
final class ProcessCluster: @unchecked Sendable {
    let executable: URL
    let directory: String
    let cluster: ClusterFile
    var processes: [Process?]

    init(executable: URL, protocol name: String = "pbft", n: Int = 4) throws {
        self.executable = executable
        directory = temporaryDirectory("processes")
        var (file, keys) = ClusterFile.generate(protocol: name, replicas: n, tuning: .quickFaults)
        for (i, port) in freePorts(n).enumerated() { file.replicas[i].port = port }
        cluster = file
        processes = Array(repeating: nil, count: n)
        try file.write(to: directory + "/cluster.json")
        for (i, key) in keys.enumerated() { try KeyFiles.writePrivateKey(key, to: directory + "/replica-\(i).key") }
    }

    func dataDirectory(_ i: Int) -> String { directory + "/data-\(i)" }

    func spawn(_ i: Int) throws {
        let p = Process()
        p.executableURL = executable
        p.arguments = ["replica", "--config", directory + "/cluster.json", "--id", "\(i)", "--data-dir", dataDirectory(i),
                       "--log-level", ProcessInfo.processInfo.environment["DQBFT_TEST_LOG"] ?? "error"]
            + (FileManager.default.fileExists(atPath: dataDirectory(i)) ? [] : ["--new"])
        p.standardOutput = FileHandle.nullDevice
        if ProcessInfo.processInfo.environment["DQBFT_TEST_LOG"] == nil { p.standardError = FileHandle.nullDevice }
        try p.run()
        processes[i] = p
    }

    func killNine(_ i: Int) {
        guard let p = processes[i] else { return }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        processes[i] = nil
    }

    func shutdown() {
        for i in processes.indices { killNine(i) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
