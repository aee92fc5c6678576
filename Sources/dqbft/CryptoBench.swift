import ArgumentParser
import DQBFTCore
import BLS12381
import BLS12381Benchmark
import Crypto
import DQBFTSim
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dqbft crypto-bench`: per-operation medians of the primitives the protocols use,
/// and the simulator's cost table derived from them.
///
/// Guarantees: fixed inputs (seeded keys), one warm-up run per operation, medians
/// over `--iterations` samples of both wall-clock and thread-CPU time per
/// operation; cheap operations are timed in batches so timer resolution does not
/// dominate. `--write-costs` writes a `CostTable` (CPU medians) that keeps the
/// defaults for fields not measured here. Meaningful only from a release build.
struct CryptoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto-bench",
        abstract: "Measure Ed25519, HMAC, SHA-256 and BLS12-381 threshold operations; optionally write a simulator cost table.",
        version: DQBFTVersion.current)

    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Write a CostTable JSON for 'dqbft simulate --costs FILE'.") var writeCosts: String?
    @Option(help: "Samples per operation (median reported).") var iterations = 30

    /// One measured operation, in nanoseconds per operation.
    struct Row: Codable {
        var name: String
        var wallNanos: Double
        var cpuNanos: Double
        var samples: Int
        var note: String?
    }

    static func cpuNanos() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
    }

    static func wallNanos() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
    }

    /// Median per-operation time of `body` run `batch` times per sample.
    static func measure(_ name: String, samples: Int, batch: Int = 1, note: String? = nil, _ body: () -> Void) -> Row {
        body()
        var wall = [Double](), cpu = [Double]()
        for _ in 0..<max(1, samples) {
            let c0 = cpuNanos(), w0 = wallNanos()
            for _ in 0..<batch { body() }
            wall.append((wallNanos() - w0) / Double(batch))
            cpu.append((cpuNanos() - c0) / Double(batch))
        }
        wall.sort()
        cpu.sort()
        return Row(name: name, wallNanos: wall[wall.count / 2], cpuNanos: cpu[cpu.count / 2], samples: wall.count, note: note)
    }

    func run() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        var rows = [Row]()
        func progress(_ s: String) { if !json { FileHandle.standardError.write(Data("… \(s)\n".utf8)) } }

        // Classic primitives.
        progress("Ed25519, HMAC, SHA-256")
        let message64 = (0..<64).map { UInt8($0) }
        let edKey = Curve25519.Signing.PrivateKey()
        let edSignature = try edKey.signature(for: message64)
        rows.append(Self.measure("Ed25519 sign (64 B)", samples: iterations, batch: 20) { _ = try! edKey.signature(for: message64) })
        rows.append(Self.measure("Ed25519 verify (64 B)", samples: iterations, batch: 20) {
            precondition(edKey.publicKey.isValidSignature(edSignature, for: message64))
        })
        let macKey = SymmetricKey(size: .bits256)
        rows.append(Self.measure("HMAC-SHA256 (64 B)", samples: iterations, batch: 500) {
            _ = HMAC<SHA256>.authenticationCode(for: message64, using: macKey)
        })
        let kib = [UInt8](repeating: 0xA5, count: 1024)
        rows.append(Self.measure("SHA-256 (1 KiB)", samples: iterations, batch: 200) { _ = SHA256.hash(data: kib) })

        // BLS12-381 primitives through the library's own benchmark (µs → ns).
        progress("BLS12-381 primitives")
        let bls = BLSBenchmark.run(iterations: iterations, shares: 49)
        /// `perRun` divides batched rows (e.g. "x1000") down to one operation.
        func fromBLS(_ libraryName: String, as name: String, perRun: Double = 1, note: String? = nil) {
            guard let r = bls.first(where: { $0.name == libraryName }) else {
                rows.append(Row(name: name, wallNanos: .nan, cpuNanos: .nan, samples: 0, note: "not reported by BLSBenchmark"))
                return
            }
            rows.append(Row(name: name, wallNanos: r.medianMicroseconds * 1000 / perRun,
                            cpuNanos: r.medianCPUMicroseconds * 1000 / perRun, samples: r.iterations, note: note))
        }
        fromBLS("hash-to-G2", as: "hash-to-G2")
        fromBLS("pairing", as: "pairing")
        fromBLS("pairing check (2 Miller loops + final exp)", as: "multi-pairing of 2")
        fromBLS("Fp multiplication x1000", as: "Fp multiplication", perRun: 1000, note: "median of 1000-operation batches")
        fromBLS("Miller loop", as: "Miller loop")
        fromBLS("final exponentiation", as: "final exponentiation")

        var rng = BLS12381.SeededGenerator(seed: Array("dqbft crypto-bench".utf8))
        let secret = try BLS12381.SecretKey.keyGen(ikm: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        rows.append(Self.measure("G1 scalar multiplication", samples: iterations,
                                 note: "SK·G1 via SkToPk (constant-time)") { _ = secret.publicKey })

        let message = Array("dqbft crypto-bench share message".utf8)
        let (smallSet, smallShares) = try BLS12381.ThresholdDealer.deal(threshold: 2, participants: 3, using: &rng)
        let share = smallShares[0].sign(message)
        let shareSign = Self.measure("share sign", samples: iterations) { _ = smallShares[0].sign(message) }
        rows.append(shareSign)
        if let h2g = rows.first(where: { $0.name == "hash-to-G2" }) {
            rows.append(Row(name: "G2 scalar multiplication", wallNanos: shareSign.wallNanos - h2g.wallNanos,
                            cpuNanos: shareSign.cpuNanos - h2g.cpuNanos, samples: shareSign.samples,
                            note: "not exposed; estimated as share sign − hash-to-G2"))
        }
        let shareVerify = Self.measure("share verify", samples: iterations) {
            precondition(smallSet.verifyShare(share, message: message))
        }
        rows.append(shareVerify)

        // Aggregation of t shares (as received from the wire), then one verification.
        var aggregateRows = [(t: Int, combine: Row)]()
        var verifyAggregate: Row?
        for t in [10, 33, 49, 100] {
            progress("aggregate \(t) shares")
            let (set, shares) = try BLS12381.ThresholdDealer.deal(threshold: t, participants: t, using: &rng)
            let wire = try shares.map {
                let s = $0.sign(message)
                return try BLS12381.SignatureShare(index: s.index, compressed: s.signature.compressed)
            }
            let combiner = BLS12381.ThresholdCombiner(keySet: set)
            let combine = Self.measure("aggregate \(t) shares", samples: iterations) { _ = try! combiner.combine(wire) }
            rows.append(combine)
            aggregateRows.append((t, combine))
            rows.append(Self.measure("aggregate \(t) shares + verify (optimistic)", samples: iterations) {
                guard case .combined = try! combiner.combineOptimistically(wire, message: message) else { fatalError("bad aggregate") }
            })
            if t == 49 {
                let signature = try combiner.combine(wire)
                verifyAggregate = Self.measure("verify aggregate", samples: iterations) {
                    precondition(BLS12381.verify(publicKey: set.groupPublicKey, message: message, signature: signature))
                }
                rows.append(verifyAggregate!)
            }
        }

        // Cost table (CPU medians).
        var costs = CostTable()
        func cpu(_ name: String) -> Double? { rows.first(where: { $0.name == name }).map(\.cpuNanos).flatMap { $0.isFinite ? $0 : nil } }
        if let v = cpu("Ed25519 sign (64 B)") { costs.ed25519SignNanos = v.rounded() }
        if let v = cpu("Ed25519 verify (64 B)") { costs.ed25519VerifyNanos = v.rounded() }
        if let v = cpu("HMAC-SHA256 (64 B)") { costs.hmacNanos = v.rounded() }
        if let v = cpu("SHA-256 (1 KiB)") { costs.sha256PerByteNanos = (v / 1024 * 1000).rounded() / 1000 }
        costs.blsShareSignNanos = shareSign.cpuNanos.rounded()
        costs.blsShareVerifyNanos = shareVerify.cpuNanos.rounded()
        costs.blsAggregatePerShareNanos = Self.perShareSlope(aggregateRows.map { (Double($0.t), $0.combine.cpuNanos) }).rounded()
        if let v = verifyAggregate { costs.blsVerifyAggregateNanos = v.cpuNanos.rounded() }

        if let path = writeCosts {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try (encoder.encode(costs) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        }

        if json {
            struct Report: Codable { var results: [Row]; var costs: CostTable; var costsWrittenTo: String? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(Report(results: rows, costs: costs, costsWrittenTo: writeCosts)), as: UTF8.self))
        } else {
            print(Self.table(rows))
            print("blsAggregatePerShareNanos (least-squares slope over t): \(Int(costs.blsAggregatePerShareNanos))")
            if let path = writeCosts { print("cost table written to \(path)") }
        }
    }

    /// Least-squares slope of time over share count (falls back to the largest t's mean).
    static func perShareSlope(_ points: [(Double, Double)]) -> Double {
        guard points.count >= 2 else { return points.first.map { $0.1 / $0.0 } ?? 0 }
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n, my = points.map(\.1).reduce(0, +) / n
        let sxy = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +)
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        let slope = sxx > 0 ? sxy / sxx : 0
        return slope > 0 ? slope : points.last!.1 / points.last!.0
    }

    static func table(_ rows: [Row]) -> String {
        func fmt(_ ns: Double) -> String {
            guard ns.isFinite else { return "—" }
            if ns >= 1_000_000 { return String(format: "%.3f ms", ns / 1e6) }
            if ns >= 1_000 { return String(format: "%.2f µs", ns / 1e3) }
            return String(format: "%.0f ns", ns)
        }
        let width = max(44, rows.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        var lines = [pad("operation", width) + lpad("median wall", 14) + lpad("median CPU", 14) + lpad("n", 6) + "  note"]
        lines.append(String(repeating: "-", count: width + 34 + 6))
        for r in rows {
            lines.append(pad(r.name, width) + lpad(fmt(r.wallNanos), 14) + lpad(fmt(r.cpuNanos), 14) + lpad("\(r.samples)", 6)
                         + (r.note.map { "  " + $0 } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
