import DQBFTCore
import Foundation

/// The fault schedule: crashes, amnesiac restarts, pauses, partitions, slow CPUs.
extension Simulation {
    func apply(_ fault: Fault) {
        switch fault {
        case .crash(let r):
            alive[r.index] = false
            timers[r.index].cancelAll()
        case .restartRolledBack(let r):
            guard !alive[r.index] else { return }
            if let realCrypto, hybridKind != nil {
                // The real subsystem restarts from an old sealed state; what it decides
                // (refusal, when it detects the rollback) is what the restarted replica gets.
                hybridCryptos[r.index] = realCrypto.restartRolledBack(r)
            } else if let model = hybridCryptos[r.index]?.counter as? ModelCounterCertifier {
                model.rolledBack = true
            }
            apply(.restart(r))
        case .restart(let r):
            // Amnesia: only the durable log (and, for hybrid protocols, the trusted
            // subsystem in `hybridCryptos`, which `freshReplica` hands over) survives.
            guard !alive[r.index] else { return }
            var fresh = freshReplica(r.index)
            for m in sentLogs[r.index] ?? [] { fresh.restore(sent: m) }
            replicas[r.index] = fresh
            apply(.resume(r))
        case .resume(let r):
            guard !alive[r.index] else { return }
            alive[r.index] = true
            cpus[r.index].loopFree = now
            var out: [ReplicaEffect] = []
            replicas[r.index].recover(into: &out)
            dispatch(from: r.index, out, at: afterCrypto(r.index, now))
        case .partition(let groups):
            var g = Array(repeating: groups.count, count: machineBase)
            for (k, members) in groups.enumerated() { for r in members { g[r.index] = k } }
            partition = g
        case .heal: partition = nil
        case .slowCPU(let r, let factor): cpus[r.index].slowdown = factor
        }
    }
}
