import DQBFTCore
import DQBFTCrypto
import Foundation

@testable import DQBFTSim

/// One line of `Tests/Golden/runs.txt`: a name and the `dqbft simulate` flags of a
/// run whose report is pinned in `Tests/Golden/NAME.json` (see `Scripts/golden.sh`).
///
/// Guarantees: `options()` turns the flags into the `SimulationOptions` that
/// `dqbft simulate` builds from them (`RunOptions.simulationOptions` in the `dqbft`
/// target, which tests cannot import), fault events in the order that command
/// appends them; a flag it does not know throws instead of being ignored. A
/// disagreement with the command shows as a report that differs from the file the
/// command recorded, so this reading cannot drift unnoticed.
struct GoldenRun: Sendable, CustomStringConvertible {
    var name: String
    var flags: [String]

    /// The folder holding `runs.txt` and the reports.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden")

    /// Every run of `runs.txt`, in file order (empty when the file cannot be read;
    /// a test checks the count).
    static let all: [GoldenRun] = {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("runs.txt"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let name = words.first, !name.hasPrefix("#") else { return nil }
            return GoldenRun(name: name, flags: Array(words.dropFirst()))
        }
    }()

    /// The runs `GoldenReportTests` repeats in-process: all but `--real-crypto` ones
    /// (real BLS signatures cost seconds per run; `Scripts/golden.sh` checks them).
    static var inProcess: [GoldenRun] { all.filter { !$0.flags.contains("--real-crypto") } }

    var description: String { name }

    /// The command `Scripts/golden.sh` runs for this line.
    var replay: String { ".build-tests/release/dqbft simulate \(flags.joined(separator: " ")) --json" }

    /// The checked-in report.
    var expected: String? { try? String(contentsOf: Self.folder.appendingPathComponent("\(name).json"), encoding: .utf8) }

    /// Runs the simulation in-process and returns its report in the stored form.
    func report() throws -> String {
        let (options, realCrypto) = try options()
        var crypto: SoftwareHybridCluster?
        if realCrypto {
            let f = ClusterConfiguration(replicas: options.replicas, faultModel: .hybrid).f
            crypto = try SoftwareHybridCluster(replicas: options.replicas, f: f, seed: options.seed,
                                               kind: ["hybster", "dqhybster"].contains(options.protocolName) ? .trinx : .threshSign)
        }
        return Self.canonical(try Simulation(options: options, realCrypto: crypto).run().json()) + "\n"
    }

    /// The stored form of a report (the same edits as `canonical` in `Scripts/golden.sh`):
    /// without `version` and `wall_s`, a line break before every key.
    static func canonical(_ json: String) -> String {
        var s = json
        if let r = s.firstRange(of: #/"version":"[^"]*",/#) { s.removeSubrange(r) }
        if let r = s.firstRange(of: #/,"wall_s":[^,}]*/#) { s.removeSubrange(r) }
        return s.replacing(",\"", with: ",\n\"").replacing("{\"", with: "{\n\"")
    }

    struct UnknownFlag: Error, CustomStringConvertible { var description: String }

    /// The options `dqbft simulate` builds from `flags`, and whether `--real-crypto` is set.
    func options() throws -> (SimulationOptions, realCrypto: Bool) {
        let switches: Set = ["--timeline", "--real-crypto", "--no-fault-free-reference", "--no-shared-execution"]
        var given: [String: String] = [:], i = 0
        while i < flags.count {
            let flag = flags[i]
            if switches.contains(flag) { given[flag] = ""; i += 1; continue }
            guard flag.hasPrefix("--"), i + 1 < flags.count else { throw UnknownFlag(description: "bad flag '\(flag)' in \(name)") }
            given[flag] = flags[i + 1]
            i += 2
        }
        func take(_ flag: String) -> String? { given.removeValue(forKey: flag) }
        func number<T: LosslessStringConvertible>(_ flag: String, _ into: inout T) throws {
            guard let s = take(flag) else { return }
            guard let v = T(s) else { throw UnknownFlag(description: "\(flag) \(s) in \(name)") }
            into = v
        }
        var o = SimulationOptions()
        o.protocolName = take("--protocol") ?? "pbft"
        try number("--replicas", &o.replicas)
        try number("--clients", &o.clients)
        try number("--batch", &o.batchSize)
        try number("--payload", &o.payloadBytes)
        try number("--duration", &o.durationSeconds)
        if let w = take("--warmup") { o.warmupSeconds = Double(w) }
        if let t = take("--topology") { o.topology = Topology.Kind(rawValue: t)! }
        try number("--bandwidth-mbps", &o.bandwidthMbps)
        try number("--cores", &o.cores)
        try number("--seed", &o.seed)
        try number("--keys", &o.keySpace)
        try number("--read-ratio", &o.readRatio)
        try number("--delete-ratio", &o.deleteRatio)
        try number("--checkpoint-interval", &o.checkpointInterval)
        try number("--progress-timeout", &o.progressTimeoutSeconds)
        try number("--view-change-timeout", &o.viewChangeTimeoutSeconds)
        try number("--client-timeout", &o.clientTimeoutSeconds)
        o.windowSize = 4 * o.checkpointInterval
        o.timeline = take("--timeline") != nil
        try number("--flood-fanout", &o.floodFanout)
        o.sharedExecution = take("--no-shared-execution") == nil
        if let g = take("--liveness-grace") { o.liveness.graceSeconds = Double(g) }
        try number("--min-recovery-ratio", &o.liveness.minRecoveryRatio)
        o.liveness.faultFreeReference = take("--no-fault-free-reference") == nil
        if let lc = take("--load-change") {
            let p = lc.split(separator: ":").map(String.init)
            o.loadChange = (Double(p[0])!, Double(p[1])!, p.count == 3 ? p[2] : nil)
        }
        o.costs = try CostTable.load(path: take("--costs") ?? "measured")
        try number("--loss", &o.faults.lossProbability)
        if let j = take("--jitter-ms") { o.faults.jitterNanos = UInt64(max(0, Double(j)!) * 1e6) }
        func items(_ flag: String) -> [String] { (take(flag) ?? "").split(separator: ",").map(String.init) }
        func at(_ item: String) -> (ReplicaID, SimTime) {
            let p = item.split(separator: "@")
            return (ReplicaID(UInt16(p[0])!), SimTime(Double(p[1])! * 1e9))
        }
        func span(_ s: some StringProtocol) -> (SimTime, SimTime) {
            let p = s.split(separator: "-").map { Double($0)! }
            return (SimTime(p[0] * 1e9), SimTime(p[1] * 1e9))
        }
        // The order of `RunOptions.simulationOptions`.
        for (id, t) in items("--crash").map(at) { o.faults.events.append((t, .crash(id))) }
        for (id, t) in items("--restart").map(at) { o.faults.events.append((t, .restart(id))) }
        for item in items("--pause") {
            let p = item.split(separator: "@"), (from, to) = span(p[1]), id = ReplicaID(UInt16(p[0])!)
            o.faults.events.append((from, .crash(id)))
            o.faults.events.append((to, .resume(id)))
        }
        for (id, t) in items("--restart-rolled-back").map(at) { o.faults.events.append((t, .restartRolledBack(id))) }
        for item in items("--byzantine") {
            let p = item.split(separator: ":", maxSplits: 1).map(String.init)
            o.faults.byzantine[ReplicaID(UInt16(p[0])!)] = try ByzantineBehaviour.parse(p[1], replicas: o.replicas)
        }
        for item in items("--partition") {
            let p = item.split(separator: ":", maxSplits: 1), (from, to) = span(p[0])
            let groups = p[1].split(separator: "|").map { $0.split(separator: "/").map { ReplicaID(UInt16($0)!) } }
            o.faults.events.append((from, .partition(groups)))
            o.faults.events.append((to, .heal))
        }
        for item in items("--slow-cpu") {
            let p = item.split(separator: ":").map(String.init), (id, t) = at(p[0])
            o.faults.events.append((t, .slowCPU(id, factor: Double(p[1])!)))
        }
        let realCrypto = take("--real-crypto") != nil
        guard given.isEmpty else { throw UnknownFlag(description: "\(name): flags the test does not read: \(given.keys.sorted())") }
        try o.validate()
        return (o, realCrypto)
    }
}
