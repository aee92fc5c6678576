import DQBFTCore
import DQBFTCrypto
import Foundation
import Testing

/// Timings of the hybrid providers, printed (never asserted). Runs only with
/// DQBFT_HYBRID_BENCH=1; meaningful only in a release build:
/// `DQBFT_HYBRID_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter HybridCryptoBench`.
@Suite("Hybrid crypto timings", .enabled(if: ProcessInfo.processInfo.environment["DQBFT_HYBRID_BENCH"] != nil))
struct HybridCryptoBenchTests {
    static func median(_ runs: Int, _ body: (Int) -> Void) -> Double {
        let clock = ContinuousClock()
        var samples = [Double]()
        for i in 0..<runs {
            let start = clock.now
            body(i)
            let d = clock.now - start
            samples.append(Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
        }
        return samples.sorted()[runs / 2]
    }

    static func report(_ name: String, _ micros: Double) {
        print("hybrid-bench \(name): median \(String(format: "%.1f", micros)) µs")
    }

    @Test("ThreshSign and TrInX operation costs")
    func timings() throws {
        let d = Digest.of(Array("bench".utf8))
        func v(_ s: Int) -> CounterValue { CounterValue(view: ViewNumber(0), phase: .ordering, sequence: SequenceNumber(UInt64(s)))! }
        for (n, f) in [(3, 1), (5, 2), (97, 48)] {
            let c = try HybridCryptoCluster.make(replicas: n, f: f, seed: 1, kind: .threshSign)
            let scheme = c[0].scheme, t = f + 1
            if n == 3 {
                Self.report("threshSign certify (independent, consecutive)", Self.median(201) { i in
                    _ = c[0].counter.certify(d, instance: .main, value: v(i + 1))
                })
                Self.report("threshSign certify (independent, after a gap: align + share)", Self.median(201) { i in
                    _ = c[1].counter.certify(d, instance: .main, value: v(2 * i + 2))
                })
                Self.report("threshSign certifyContinuing", Self.median(201) { i in
                    _ = c[2].counter.certifyContinuing(d, instance: .main, value: v(i + 1))
                })
                let share = c[0].counter.certify(d, instance: .dissemination(ReplicaID(0)), value: v(1))!
                Self.report("threshSign verify share", Self.median(101) { _ in
                    _ = scheme.verify(share, message: d, instance: .dissemination(ReplicaID(0)))
                })
            }
            // t shares per value; combine(+verify once) and verify the quorum certificate.
            let rounds = n == 97 ? 21 : 51
            var sharesByRound = [[CounterCertificate]]()
            for r in 0..<rounds {
                sharesByRound.append(c.prefix(t).map { $0.counter.certify(d, instance: .dissemination(ReplicaID(1)), value: v(r + 1))! })
            }
            var qcs = [QuorumCertificate]()
            Self.report("threshSign combine+verify t=\(t) (n=\(n))", Self.median(rounds) { r in
                if case .combined(let qc) = scheme.combine(sharesByRound[r], message: d, instance: .dissemination(ReplicaID(1))) { qcs.append(qc) }
            })
            precondition(qcs.count == rounds)
            Self.report("threshSign verify quorum certificate t=\(t)", Self.median(rounds) { r in
                _ = scheme.verify(qcs[r], message: d, instance: .dissemination(ReplicaID(1)))
            })
            var forged = sharesByRound[0]
            forged[t - 1].proof = sharesByRound[1][t - 1].proof
            Self.report("threshSign combine with one invalid share (slow path) t=\(t)", Self.median(n == 97 ? 3 : 11) { _ in
                _ = scheme.combine(forged, message: d, instance: .dissemination(ReplicaID(1)))
            })
            let exec = c.prefix(t).map { ($0.execution.me, $0.execution.signShare(d)) }
            Self.report("execution combine+verify t=\(t)", Self.median(n == 97 ? 5 : 21) { _ in
                _ = scheme.combineExecution(exec, message: d)
            })
        }
        let x = try HybridCryptoCluster.make(replicas: 3, f: 1, seed: 1, kind: .trinx)
        Self.report("trinx certify", Self.median(1001) { i in _ = x[0].counter.certify(d, instance: .main, value: v(i + 1)) })
        let shares = x.prefix(2).map { $0.counter.certify(d, instance: .main, value: v(5000))! }
        Self.report("trinx verify", Self.median(1001) { _ in _ = x[0].scheme.verify(shares[0], message: d, instance: .main) })
        guard case .combined(let qc) = x[0].scheme.combine(shares, message: d, instance: .main) else { return }
        Self.report("trinx combine t=2", Self.median(1001) { _ in _ = x[0].scheme.combine(shares, message: d, instance: .main) })
        Self.report("trinx verify quorum certificate t=2", Self.median(1001) { _ in _ = x[0].scheme.verify(qc, message: d, instance: .main) })
    }
}
