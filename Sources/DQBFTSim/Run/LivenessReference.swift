import DQBFTCore
import Foundation

/// The fault-free reference run the liveness oracle compares a faulty run with
/// (part (iii) and `recovery_ratio`): the same options, seed included, with every
/// fault removed — no crashes, restarts, partitions, slowdowns, Byzantine replicas
/// or loss. Jitter stays: it is the network's, not a fault.
///
/// Guarantees: deterministic (a function of the options); each distinct reference
/// runs at most once per process while it stays in the cache (runs whose
/// fault-free options coincide share it, e.g. the same seed with and without
/// shared execution, or with different fault schedules); the cache holds at most
/// `cacheLimit` references of one `[Int]` per 100 ms each.
public enum LivenessReference {
    /// References kept; the cache is emptied when it is full.
    public static let cacheLimit = 4096

    /// The cache, behind a lock (tests run simulations in parallel).
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var entries: [String: [Int]] = [:]
        func withLock<T>(_ body: (inout [String: [Int]]) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&entries)
        }
    }
    private static let cache = Cache()

    /// `options` without faults and without anything that only changes what is
    /// written, not what happens (history file, progress line, timeline; shared
    /// execution, which gives the same report either way).
    public static func options(for options: SimulationOptions) -> SimulationOptions {
        var o = options
        var faults = FaultSchedule()
        faults.jitterNanos = options.faults.jitterNanos
        o.faults = faults
        o.historyPath = nil
        o.showProgress = false
        o.timeline = false
        o.sharedExecution = true
        o.liveness = LivenessOptions()
        return o
    }

    /// Completions per 100 ms of virtual time in the fault-free run of `options`.
    public static func completionsPerTenth(_ options: SimulationOptions) throws -> [Int] {
        let reference = Self.options(for: options)
        let key = String(describing: reference)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let simulation = try Simulation(options: reference)
        _ = try simulation.run()
        let perTenth = simulation.metrics.perTenth
        cache.withLock {
            if $0.count >= cacheLimit { $0.removeAll() }
            $0[key] = perTenth
        }
        return perTenth
    }
}
