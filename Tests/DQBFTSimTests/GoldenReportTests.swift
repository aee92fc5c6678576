import Foundation
import Testing

@testable import DQBFTSim

/// The golden set: the runs of `Tests/Golden/runs.txt`, simulated in-process, must
/// give the reports `Scripts/golden.sh record` stored from `dqbft simulate --json`,
/// byte for byte (`wall_s` and `version` aside). A refactor that changes behaviour
/// anywhere on these paths — all seven protocols, crashes, restarts, pauses,
/// partitions, loss, every Byzantine behaviour, timelines — fails here with the
/// command that replays the run. An intended change is re-recorded with
/// `Scripts/golden.sh record` and the diff explained in the commit (docs/TESTING.md).
@Suite("Golden simulation reports")
struct GoldenReportTests {
    @Test("runs.txt lists at least 24 runs, each with its stored report, and nothing else is stored")
    func goldenSetIsComplete() throws {
        let names = GoldenRun.all.map(\.name)
        #expect(names.count >= 24)
        #expect(Set(names).count == names.count, "duplicate names in runs.txt")
        for run in GoldenRun.all { #expect(run.expected != nil, "no Tests/Golden/\(run.name).json: Scripts/golden.sh record \(run.name)") }
        let stored = try FileManager.default.contentsOfDirectory(atPath: GoldenRun.folder.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        #expect(Set(stored).subtracting(names).sorted() == [], "reports without a line in runs.txt")
    }

    @Test("each golden run reproduces its stored report byte for byte", arguments: GoldenRun.inProcess)
    func reportIsUnchanged(run: GoldenRun) throws {
        guard let expected = run.expected else { return }  // goldenSetIsComplete names it
        let actual = try run.report()
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let differing = (0..<max(a.count, e.count)).filter { $0 >= a.count || $0 >= e.count || a[$0] != e[$0] }.prefix(6)
        let lines = differing.map { i in
            "  line \(i + 1): stored \(i < e.count ? String(e[i]) : "(none)") | now \(i < a.count ? String(a[i]) : "(none)")"
        }
        Issue.record("""
            \(run.name): report differs from Tests/Golden/\(run.name).json
            \(lines.joined(separator: "\n"))
              replay: \(run.replay)   (or Scripts/golden.sh check \(run.name))
            """)
    }
}
