import DQBFTCore
import Foundation
import Testing
@testable import DQBFTNet

/// What scripts see from `dqbft`: exit statuses, and errors that name what is wrong.
@Suite("Command line: exit statuses and errors", .enabled(if: builtExecutable() != nil, "needs the dqbft executable (swift build first)"))
struct CommandLineTests {
    struct Result { var status: Int32; var out: String; var err: String; var seconds: Double }

    static func run(_ arguments: [String]) throws -> Result {
        let p = Process()
        p.executableURL = try #require(builtExecutable())
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let start = Date()
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self), seconds: Date().timeIntervalSince(start))
    }

    @Test("--version (also after any subcommand) prints the package version, and simulate's JSON carries it")
    func version() throws {
        let r = try Self.run(["--version"])
        #expect(r.status == 0 && r.out.trimmingCharacters(in: .whitespacesAndNewlines) == DQBFTVersion.current)
        for command in ["simulate", "sweep", "twins", "compare", "check-history", "crypto-bench", "keygen", "cluster",
                        "replica", "kv", "bench", "status", "gateway"] {
            let sub = try Self.run([command, "--version"])
            #expect(sub.status == 0 && sub.out.trimmingCharacters(in: .whitespacesAndNewlines) == DQBFTVersion.current,
                    "dqbft \(command) --version: \(sub.err)")
        }
        let s = try Self.run(["simulate", "--duration", "1", "--json"])
        #expect(s.status == 0 && s.out.contains("\"version\":\"\(DQBFTVersion.current)\""))
    }

    /// A run that stalls by construction: the primary is silent and the backups
    /// would suspect it only after 100 s.
    static let stallingRun = ["simulate", "--duration", "6", "--clients", "8", "--byzantine", "0:silent", "--progress-timeout", "100",
                              "--liveness-grace", "1", "--no-fault-free-reference"]

    @Test("simulate exits 4 on a stalled run, 0 with --allow-stall")
    func stalled() throws {
        let r = try Self.run(Self.stallingRun)
        #expect(r.status == 4, "\(r.err)")
        #expect(r.err.contains("liveness stalled"))
        #expect(try Self.run(Self.stallingRun + ["--allow-stall"]).status == 0)
    }

    @Test("compare rejects an unknown protocol before running any")
    func compareValidatesFirst() throws {
        let r = try Self.run(["compare", "--protocols", "pbft,nope", "--duration", "30"])
        #expect(r.status == 64 && r.err.contains("unknown protocol 'nope'"))
        #expect(!r.err.contains("running pbft"), "pbft ran before 'nope' was rejected: \(r.err)")
    }

    @Test("a configuration without f names the missing field (exit 3); keygen refuses N < 4 (exit 64)")
    func badInput() throws {
        let dir = temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Self.run(["keygen", "--replicas", "3", "--dir", dir]).status == 64)
        #expect(try Self.run(["keygen", "--dir", dir]).status == 0)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/cluster.json"))) as! [String: Any]
        json["f"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/nof.json"))
        let r = try Self.run(["kv", "--config", dir + "/nof.json", "get", "k"])
        #expect(r.status == 3 && r.err.contains("missing field 'f'"), "\(r.err)")
    }

    @Test("kv against a stopped cluster fails within 3 s naming every address (exit 5)")
    func unavailable() throws {
        let dir = temporaryDirectory("cli-down")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ports = freePorts(4)
        #expect(try Self.run(["keygen", "--dir", dir, "--base-port", "\(ports[0])"]).status == 0)
        let r = try Self.run(["kv", "--config", dir + "/cluster.json", "get", "k"])
        #expect(r.status == 5, "\(r.err)")
        #expect(r.seconds <= 10)  // 2 s connect timeout (measured 2.0 s alone); the old client took 15 s; CI runs loaded
        for i in 0..<4 { #expect(r.err.contains("127.0.0.1:\(ports[0] + i)")) }
    }
}
