import Foundation
import DQBFTCore

/// CPU cost of each operation, in nanoseconds, as charged by the simulator's CPU
/// model. The defaults were measured on the development machine; regenerate with
/// `dqbft crypto-bench --write-costs FILE` and load with `--costs FILE`.
///
/// Guarantees: every cost is non-negative; JSON round-trips.
public struct CostTable: Codable, Hashable, Sendable {
    /// Fixed cost of receiving and dispatching one message.
    public var messageReceiveNanos: Double = 2_000
    /// Fixed cost of framing and handing one message to the network (per recipient).
    public var messageSendNanos: Double = 800
    /// SHA-256 per byte (payload digests, state digests).
    public var sha256PerByteNanos: Double = 0.6
    /// One HMAC-SHA256 over a short message (authenticators are over digests).
    public var hmacNanos: Double = 400
    public var ed25519SignNanos: Double = 25_000
    public var ed25519VerifyNanos: Double = 55_000
    /// Executing one request against the state machine.
    public var executePerRequestNanos: Double = 1_000
    /// BLS / threshold operations (used by the hybrid protocols).
    public var blsShareSignNanos: Double = 1_000_000
    public var blsShareVerifyNanos: Double = 1_500_000
    public var blsAggregatePerShareNanos: Double = 30_000
    public var blsVerifyAggregateNanos: Double = 1_500_000

    public init() {}

    public static let `default` = CostTable()

    /// The table measured on the development machine by `dqbft crypto-bench
    /// --write-costs` and committed as a resource (BLS costs from pure-Swift BLS12-381).
    public static func measured() throws -> CostTable {
        guard let url = Bundle.module.url(forResource: "measured-costs", withExtension: "json", subdirectory: "Resources")
        else { throw SimulationError.invalidArgument("measured-costs.json resource missing") }
        return try JSONDecoder().decode(CostTable.self, from: Data(contentsOf: url))
    }

    /// `measured` (the committed table) or a path to a table written by crypto-bench.
    public static func load(path: String) throws -> CostTable {
        if path == "measured" { return try measured() }
        return try JSONDecoder().decode(CostTable.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Verification work (parallel, off the protocol loop) for one received message.
    func verifyCost(_ m: WireMessage, hybrid: HybridCryptoKind? = nil) -> UInt64 {
        var c = hmacNanos
        switch m {
        case .consensus(_, _, let cm):
            switch cm {
            case .hybrid(let h): c += hybridVerifyCost(h, kind: hybrid ?? .threshSign)
            case .prePrepare(let pp): c += Double(pp.payload.encodedSize) * sha256PerByteNanos
            case .payload(let p): c += Double(p.encodedSize) * sha256PerByteNanos
            case .checkpoint: c += ed25519VerifyNanos
            case .viewChange(let v): c += ed25519VerifyNanos * Double(1 + v.checkpointProof.count)
            case .newView(let nv): c += ed25519VerifyNanos * Double(nv.viewChanges.count + nv.checkpointProof.count)
            default: break
            }
        case .stateReply(_, let s): c += Double(s.snapshot.count) * sha256PerByteNanos
        case .executionProof: c += blsVerifyAggregateNanos
        default: break
        }
        return UInt64(c)
    }

    /// Protocol-loop work for one received message.
    func handleCost(_ m: WireMessage) -> UInt64 { UInt64(messageReceiveNanos) }

    /// Sender work for one message to `recipients` peers (one MAC and one send each,
    /// plus signing where the message carries a fresh signature).
    func sendCost(_ m: WireMessage, recipients: Int) -> UInt64 {
        var c = Double(recipients) * (messageSendNanos + hmacNanos)
        if case .consensus(_, _, let cm) = m {
            switch cm {
            case .checkpoint, .viewChange: c += ed25519SignNanos
            case .prePrepare(let pp): c += Double(pp.payload.encodedSize) * sha256PerByteNanos
            default: break
            }
        }
        return UInt64(c)
    }

    /// Checking the trusted-counter certificates of a hybrid message. TrInX
    /// certificates are MACs over the whole message (Hybster hashes payloads inside
    /// the trusted subsystem); ThreshSign shares and aggregates need pairings.
    func hybridVerifyCost(_ h: HybridMessage, kind: HybridCryptoKind) -> Double {
        let share = kind == .threshSign ? blsShareVerifyNanos : hmacNanos
        let aggregate = kind == .threshSign ? blsVerifyAggregateNanos : hmacNanos * 2
        switch h {
        case .prepare(let p):
            let bytes = Double(p.payload.encodedSize) * sha256PerByteNanos
            return bytes * (kind == .trinx ? 2 : 1) + share
        case .commit, .commitRetry, .newViewAck: return 0  // combined (and verified) by the collector
        case .commitProof: return aggregate
        case .viewChange(let vc):
            return Double(vc.chain.count) * hmacNanos + Double(vc.evidence.prepares.count) * share
                + (vc.evidence.installed == nil ? 0 : share + aggregate)
                + Double(vc.checkpointProof.count) * ed25519VerifyNanos
        case .newView(let nv):
            return share + nv.viewChanges.reduce(0) {
                $0 + Double($1.chain.count) * hmacNanos + Double($1.evidence.prepares.count) * share
                    + ($1.evidence.installed == nil ? 0 : share + aggregate) + Double($1.checkpointProof.count) * ed25519VerifyNanos
            }
        case .newViewProof: return share + aggregate
        }
    }
}
