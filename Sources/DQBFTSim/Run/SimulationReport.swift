import DQBFTCore
import Foundation

/// The outcome of one run, printed as JSON by `dqbft simulate --json`.
///
/// Guarantees: every field but `wall_s` is determined by the options and seed;
/// keys are encoded in sorted order so equal reports print byte-identical JSON.
public struct SimulationReport: Codable, Sendable {
    public struct Latency: Codable, Sendable { public var mean, p50, p90, p99: Double }
    public struct Spread: Codable, Sendable { public var mean: Double; public var max: Int }
    public struct TimelinePoint: Codable, Sendable { public var t: Int; public var throughput_ops: Int }

    /// `DQBFTVersion.current` of the build that ran it.
    public var version = DQBFTVersion.current
    public var `protocol`: String
    public var replicas: Int
    public var f: Int
    public var clients: Int
    public var batch: Int
    public var payload: Int
    public var topology: String
    public var seed: UInt64
    public var duration_s: Double
    public var warmup_s: Double
    public var throughput_ops: Double
    public var latency_ms: Latency
    public var executed_ops: Int
    public var view_changes: Int
    /// View changes per instance ("main" is PBFT's instance or DQ's O-instance,
    /// "D3" the D-instance of replica 3 or RCC's instance 3).
    public var instance_view_changes: [String: Int]
    public var state_transfers: Int
    public var client_retransmissions: Int
    public var messages_sent_per_replica: Spread
    public var bytes_sent_per_replica: Spread
    /// Mean bytes each replica sent, by message kind (see `TrafficClass`); kinds
    /// that were never sent are left out.
    public var bytes_by_kind: [String: Double]
    /// Mean messages each replica sent, by kind.
    public var messages_by_kind: [String: Double]
    /// Mean CPU milliseconds each replica spent on each kind of message it received
    /// (verifying and handling it, and the sending and signing it caused).
    public var cpu_ms_by_kind: [String: Double]
    /// Share of a replica's simulated cores kept busy over the whole run (0–1),
    /// and its uplink utilisation; mean and max over correct replicas, in percent.
    public var cpu_busy_percent: Spread
    public var uplink_busy_percent: Spread
    public var client_replies_per_request: Double
    public var safety: String
    public var safety_violations: [String]
    /// "ok", "stalled: <reasons>" or "unchecked: <why>" (see `LivenessChecker`):
    /// judged in the final window, from `liveness_from_s` to the end.
    public var liveness: String
    /// Start of the final window: the last fault event plus the grace period.
    public var liveness_from_s: Double
    /// Final-window throughput over the fault-free reference run's in the same
    /// window (1 for a run without faults; absent when no reference ran).
    public var recovery_ratio: Double?
    public var events: Int
    public var wall_s: Double
    public var timeline: [TimelinePoint]?
    /// Cores per replica (for the summary line).
    public var options_cores: Int { Int(cores_per_replica) }
    public var cores_per_replica: Int

    /// Simulator speed; derived from `events` and `wall_s`, so it is not part of the
    /// JSON (which must be identical for equal seeds apart from `wall_s`).
    public var eventsPerWallSecond: Double { (Double(events) / max(wall_s, 1e-9)).rounded() }

    public func json(pretty: Bool = false) -> String {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    /// The five largest kinds, with their share of the total.
    func topShares(_ kinds: [String: Double]) -> String {
        let total = max(1e-9, kinds.values.reduce(0, +))
        return kinds.sorted { $0.value > $1.value }.prefix(5)
            .map { "\($0.key) \(String(format: "%.0f", 100 * $0.value / total))%" }.joined(separator: ", ")
    }

    /// A few readable lines for people.
    public var summary: String {
        let ms = latency_ms
        return """
        \(`protocol`) N=\(replicas) f=\(f) on \(topology), \(clients) clients, batch \(batch), \(payload)-byte commands, \(duration_s)s (warm-up \(warmup_s)s), seed \(seed)
          throughput   \(String(format: "%.0f", throughput_ops)) ops/s   (\(executed_ops) ops measured)
          latency ms   mean \(String(format: "%.1f", ms.mean))  p50 \(String(format: "%.1f", ms.p50))  p90 \(String(format: "%.1f", ms.p90))  p99 \(String(format: "%.1f", ms.p99))
          cpu busy     \(String(format: "%.0f", cpu_busy_percent.mean))% of \(options_cores) cores (max \(cpu_busy_percent.max)%), uplink \(String(format: "%.0f", uplink_busy_percent.mean))% (max \(uplink_busy_percent.max)%)
          per replica  \(String(format: "%.0f", messages_sent_per_replica.mean)) msgs (max \(messages_sent_per_replica.max)), \(String(format: "%.1f", bytes_sent_per_replica.mean / 1e6)) MB sent (max \(String(format: "%.1f", Double(bytes_sent_per_replica.max) / 1e6)))
          traffic      \(topShares(bytes_by_kind))
          cpu          \(topShares(cpu_ms_by_kind))
          view changes \(view_changes), state transfers \(state_transfers), client retransmissions \(client_retransmissions), replies/request \(String(format: "%.1f", client_replies_per_request))
          safety \(safety), liveness \(liveness)\(recovery_ratio.map { " (recovery ratio \($0))" } ?? "")\(safety_violations.isEmpty ? "" : "\n  " + safety_violations.joined(separator: "\n  "))
          \(events) events in \(String(format: "%.2f", wall_s)) s wall (\(String(format: "%.0f", eventsPerWallSecond)) events/s)
        """
    }
}

extension Simulation {
    func makeReport(wallSeconds: Double) throws -> SimulationReport {
        let sorted = metrics.latenciesNanos.sorted()
        func pct(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let i = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, i)]) / 1e6
        }
        let mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count) / 1e6
        let measured = options.durationSeconds - options.warmup
        func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        func spread(_ xs: [Double]) -> SimulationReport.Spread {
            .init(mean: round3(xs.reduce(0, +) / Double(max(1, xs.count))), max: Int((xs.max() ?? 0).rounded()))
        }
        let correct = (0..<n).filter { !safety.faulty.contains(ReplicaID($0)) }
        let msgs = correct.map { metrics.messagesSent[$0] }, bytes = correct.map { metrics.bytesSent[$0] }
        safety.finish(states: finalStates())
        let live = try livenessVerdict()
        let timeline = options.timeline
            ? (0..<Int(options.durationSeconds.rounded(.up))).map {
                SimulationReport.TimelinePoint(t: $0, throughput_ops: $0 < metrics.perSecond.count ? metrics.perSecond[$0] : 0)
            } : nil
        return SimulationReport(
            protocol: options.protocolName, replicas: n, f: config.f, clients: options.clients, batch: options.batchSize,
            payload: options.payloadBytes, topology: options.topology.rawValue, seed: options.seed,
            duration_s: options.durationSeconds, warmup_s: options.warmup,
            throughput_ops: round3(Double(metrics.measuredCompletions) / measured),
            latency_ms: .init(mean: round3(mean), p50: round3(pct(0.5)), p90: round3(pct(0.9)), p99: round3(pct(0.99))),
            executed_ops: metrics.measuredCompletions, view_changes: metrics.views.count,
            instance_view_changes: Dictionary(grouping: metrics.views, by: { String($0.split(separator: "/")[0]) }).mapValues(\.count),
            state_transfers: metrics.stateTransfers, client_retransmissions: metrics.retransmissions,
            messages_sent_per_replica: .init(mean: round3(Double(msgs.reduce(0, +)) / Double(max(1, msgs.count))), max: msgs.max() ?? 0),
            bytes_sent_per_replica: .init(mean: round3(Double(bytes.reduce(0, +)) / Double(max(1, bytes.count))), max: bytes.max() ?? 0),
            bytes_by_kind: Dictionary(uniqueKeysWithValues: zip(TrafficClass.names, metrics.bytesByClass)
                .filter { $0.1 > 0 }.map { ($0.0, round3(Double($0.1) / Double(n))) }),
            messages_by_kind: Dictionary(uniqueKeysWithValues: zip(TrafficClass.names, metrics.messagesByClass)
                .filter { $0.1 > 0 }.map { ($0.0, round3(Double($0.1) / Double(n))) }),
            cpu_ms_by_kind: Dictionary(uniqueKeysWithValues: zip(TrafficClass.names, metrics.cpuByClass)
                .filter { $0.1 > 0 }.map { ($0.0, round3(Double($0.1) / 1e6 / Double(n))) }),
            cpu_busy_percent: spread(correct.map { 100 * Double(cpus[$0].busyNanos) / (Double(end) * Double(options.cores)) }),
            uplink_busy_percent: spread(correct.map {
                100 * Double(metrics.bytesSent[$0]) * 8 / (options.bandwidthMbps * 1e6 * Double(end) / 1e9)
            }),
            client_replies_per_request: round3(Double(metrics.repliesReceived) / Double(max(1, metrics.measuredCompletions))),
            safety: safety.ok ? "ok" : "violation", safety_violations: safety.violations,
            liveness: live.liveness, liveness_from_s: round3(Double(liveness.windowStart) / 1e9),
            recovery_ratio: live.recoveryRatio, events: metrics.events,
            wall_s: wallSeconds, timeline: timeline, cores_per_replica: options.cores)
    }
}
