import Foundation
import Testing
@testable import DQBFTCore

extension Runner {
    func transcript(_ commands: [String]) -> [[String]] {
        var run = TranscriptRun(cluster())
        return commands.map { run.run($0) }
    }
}

/// The checked-in transcripts in `Tests/Transcripts/`, one per file: the first
/// command names the instance type (`instance pbft`, `instance hybster`,
/// `instance linearhybster`) or the protocol of four whole replicas (`replicas
/// dqpbft`, `replicas rcc`, `replicas pbft`); see `TranscriptFile` and
/// `ReplicaTranscriptRun` for the rest.
@Suite("Transcripts: instances step by step")
struct TranscriptTests {
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: TranscriptFile.directory.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test("each transcript prints what is checked in (DQBFT_REWRITE_TRANSCRIPTS=1 rewrites them)", arguments: files)
    func transcript(_ name: String) throws {
        let url = TranscriptFile.directory.appendingPathComponent(name)
        var file = TranscriptFile(text: try String(contentsOf: url, encoding: .utf8))
        let header = try #require(file.blocks.first, "\(name) is empty")
        let words = header.command.split(separator: " ")
        let commands = file.blocks.dropFirst().map(\.command)
        var outputs: [[String]] = []
        if words.count == 2, words[0] == "instance", let kind = InstanceKind(rawValue: String(words[1])) {
            kind.contract { outputs = [["(\(kind) cluster of \($0.config.replicaCount))"]] + $0.transcript(commands) }
        } else if words.count == 2, words[0] == "replicas", let kind = ProtocolKind(rawValue: String(words[1])),
                  kind.faultModel == .byzantine {
            var run = ReplicaTranscriptRun(kind)
            outputs = [["(4 \(kind) replicas)"]] + commands.map { run.run($0) }
        } else {
            Issue.record("\(name) must start with 'instance pbft|hybster|linearhybster' or 'replicas pbft|dqpbft|rcc'")
            return
        }
        let rewrite = ProcessInfo.processInfo.environment["DQBFT_REWRITE_TRANSCRIPTS"] == "1"
        for (i, output) in outputs.enumerated() where file.blocks[i].output != output {
            if rewrite { continue }
            Issue.record("""
                \(name): `\(file.blocks[i].command)` printed
                \(output.joined(separator: "\n"))
                expected
                \(file.blocks[i].output.joined(separator: "\n"))
                (after a deliberate change: DQBFT_REWRITE_TRANSCRIPTS=1 swift test --filter TranscriptTests, then review the diff)
                """)
            return
        }
        if rewrite {
            for i in outputs.indices { file.blocks[i].output = outputs[i] }
            try file.text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
