import DQBFTCore
import Testing

@testable import DQBFTSim

/// The workload with gets and deletes mixed in (`--read-ratio`, `--delete-ratio`),
/// and the history it leaves.
@Suite("Workload mix and recorded history")
struct WorkloadMixTests {
    @Test("the paper's workload draws one number per operation and writes plain puts")
    func defaultWorkloadIsUnchanged() {
        let w = Workload(payloadBytes: 512, keySpace: 1000)
        var rng = SimRandom(seed: 4), reference = SimRandom(seed: 4)
        for t in 1...200 as ClosedRange<UInt64> {
            let (op, key, kind) = w.operation(client: ClientID(7), timestamp: t, rng: &rng)
            let k = reference.next() % 1000
            #expect(kind == .put)
            #expect(op.count == 512 && Array(op.prefix(3)) == [1, 0, 20])
            #expect(String(decoding: key, as: UTF8.self).hasPrefix("k\(k)_"))
            #expect(KeyValueOperation.decode(op) == .put(key: key, value: Array(op[23...])))
            #expect(Workload.tag(of: op[23...]) == "c7t\(t)")
        }
        #expect(rng.next() == reference.next())
    }

    @Test("reads and deletes come in their ratios; puts and deletes then ask for the previous value")
    func mixedWorkload() {
        var w = Workload(payloadBytes: 64, keySpace: 10)
        w.readRatio = 0.3
        w.deleteRatio = 0.1
        w.returnsPrevious = true
        var rng = SimRandom(seed: 11)
        var counts: [HistoryOperation.Kind: Int] = [:]
        for t in 1...10_000 as ClosedRange<UInt64> {
            let (op, key, kind) = w.operation(client: ClientID(2), timestamp: t, rng: &rng)
            counts[kind, default: 0] += 1
            switch kind {
            case .get: #expect(KeyValueOperation.decode(op) == .get(key: key))
            case .delete: #expect(KeyValueOperation.decode(op) == .delete(key: key, returnsPrevious: true))
            case .put: #expect(KeyValueOperation.decode(op) == .put(key: key, value: Array(op[23...]), returnsPrevious: true))
            }
        }
        #expect((2700...3300).contains(counts[.get] ?? 0))
        #expect((800...1200).contains(counts[.delete] ?? 0))
    }

    @Test("ratios outside [0, 1] or summing above 1 are rejected, naming the flag")
    func ratioValidation() {
        for (r, d, flag) in [(-0.1, 0.0, "--read-ratio"), (1.5, 0.0, "--read-ratio"), (0.0, -1.0, "--delete-ratio"),
                             (0.0, .nan, "--delete-ratio"), (0.7, 0.4, "--read-ratio")] {
            var o = SimulationOptions()
            o.readRatio = r
            o.deleteRatio = d
            #expect(throws: SimulationError.self) { try o.validate() }
            do { try o.validate() } catch { #expect("\(error)".contains(flag), "\(error)") }
        }
    }

    static func mixedRun(seed: UInt64) throws -> (SimulationReport, [HistoryOperation]) {
        var o = SimulationOptions()
        o.protocolName = "dqpbft"
        o.clients = 40
        o.batchSize = 8
        o.durationSeconds = 3
        o.keySpace = 8
        o.readRatio = 0.3
        o.deleteRatio = 0.1
        o.seed = seed
        o.recordHistory = true
        let simulation = try Simulation(options: o)
        let report = try simulation.run()
        return (report, simulation.recordedHistory)
    }

    @Test("a run's history holds every completed operation, then the pending ones, and is linearizable")
    func simulatedHistoryIsLinearizable() throws {
        let (report, history) = try Self.mixedRun(seed: 3)
        #expect(report.safety == "ok")
        let completed = history.filter { !$0.isPending }
        let pending = history.filter(\.isPending)
        #expect(pending.count == 40)
        #expect(history.suffix(40).allSatisfy { $0.isPending })
        #expect(completed.count > 1000)
        for kind in [HistoryOperation.Kind.get, .put, .delete] {
            #expect(completed.contains { $0.kind == kind && $0.result != .absent && $0.result != .unknown }, "\(kind)")
            #expect(completed.contains { $0.kind == kind && $0.result == .absent }, "\(kind)")
        }
        let check = try LinearizabilityChecker().check(history)
        #expect(check.verdict == .linearizable, "\(check)")
    }

    @Test("the same history with one read moved into the future fails the check")
    func tamperedHistoryFails() throws {
        let (_, history) = try Self.mixedRun(seed: 3)
        // A get that read a value, changed to read a value whose put was invoked only
        // after the get completed.
        var tampered = history
        var changed = false
        for (i, op) in history.enumerated() where op.kind == .get && !op.isPending && !changed {
            guard case .value = op.result, let done = op.completeNanos,
                  let later = history.first(where: { $0.kind == .put && $0.key == op.key && $0.invokeNanos > done }) else { continue }
            tampered[i].result = .value(later.value!)
            changed = true
        }
        #expect(changed)
        let check = try LinearizabilityChecker().check(tampered)
        #expect(check.verdict == .notLinearizable, "\(check)")
    }
}
