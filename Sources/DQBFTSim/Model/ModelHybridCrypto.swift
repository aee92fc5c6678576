import DQBFTCore

/// Accumulates the modelled CPU cost of cryptography a node did inside one core
/// call; the simulator drains it onto the node's worker cores.
final class CryptoMeter: @unchecked Sendable {
    var pendingNanos: Double = 0
    func drain() -> UInt64 {
        defer { pendingNanos = 0 }
        return UInt64(pendingNanos)
    }
}

/// The two certificate schemes the hybrid protocols use, for costing.
enum HybridCryptoKind {
    /// TrInX MAC certificates over whole messages (Hybster).
    case trinx
    /// ThreshSign BLS signature shares over digests (Linear Hybster, Destiny).
    case threshSign
}

/// A modelled trusted subsystem: real counters and refusals (so equivocation is
/// impossible in simulation too), tags instead of signatures, costs from the table.
///
/// Guarantees: per instance, independent certificates only for values above the
/// current one, continuing ones at or above it; a certificate names its signer and
/// binds instance, values and message, and `ModelCertificateScheme` accepts no other.
final class ModelCounterCertifier: CounterCertifier, @unchecked Sendable {
    let me: ReplicaID
    let kind: HybridCryptoKind
    let costs: CostTable
    let meter: CryptoMeter
    var counters: [InstanceID: CounterValue] = [:]
    /// Attempts refused by the counter (equivocation or rollback attempts).
    var refused = 0
    /// Restarted from a rolled-back state: the subsystem detected it and refuses all.
    var rolledBack = false

    init(me: ReplicaID, kind: HybridCryptoKind, costs: CostTable, meter: CryptoMeter) {
        self.me = me; self.kind = kind; self.costs = costs; self.meter = meter
    }

    func current(instance: InstanceID) -> CounterValue { counters[instance] ?? .zero }

    func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        guard !rolledBack, value > current(instance: instance) else { refused += 1; return nil }
        counters[instance] = value
        meter.pendingNanos += kind == .threshSign ? costs.blsShareSignNanos : costs.hmacNanos
        return make(message, instance: instance, value: value, previous: nil)
    }

    func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let previous = current(instance: instance)
        guard !rolledBack, value >= previous else { refused += 1; return nil }
        counters[instance] = value
        meter.pendingNanos += costs.hmacNanos
        return make(message, instance: instance, value: value, previous: previous)
    }

    func make(_ message: Digest, instance: InstanceID, value: CounterValue, previous: CounterValue?) -> CounterCertificate {
        var c = CounterCertificate(signer: me, value: value, previous: previous, proof: [])
        c.proof = ModelCertificateScheme.tag(c.signedBytes(message: message, instance: instance), signer: me,
                                             size: kind == .threshSign && previous == nil ? 96 : 32)
        return c
    }
}

/// Verifies and combines modelled certificates; charges combination to the meter.
///
/// Guarantees: a quorum certificate is produced only from `threshold` shares of
/// distinct signers that each verify, an execution proof only from
/// `executionThreshold`; otherwise the failing signers are named.
struct ModelCertificateScheme: CertificateScheme {
    /// Counter shares per quorum certificate (the cluster's quorum).
    let threshold: Int
    /// Execution shares per proof (f+1: one of them is correct).
    let executionThreshold: Int
    let kind: HybridCryptoKind
    let costs: CostTable
    let meter: CryptoMeter?

    static func tag(_ bytes: [UInt8], signer: ReplicaID, size: Int) -> [UInt8] {
        var out = [UInt8(signer.rawValue >> 8), UInt8(truncatingIfNeeded: signer.rawValue)]
        out += Digest.of(bytes).bytes
        if out.count < size { out += [UInt8](repeating: 0, count: size - out.count) }
        return out
    }

    func verify(_ certificate: CounterCertificate, message: Digest, instance: InstanceID) -> Bool {
        let size = kind == .threshSign && certificate.previous == nil ? 96 : 32
        return certificate.proof == Self.tag(certificate.signedBytes(message: message, instance: instance),
                                             signer: certificate.signer, size: size)
    }

    func verify(_ certificate: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool {
        certificate.proof == Self.quorumTag(message: message, instance: instance, value: certificate.value)
    }

    static func quorumTag(message: Digest, instance: InstanceID, value: CounterValue) -> [UInt8] {
        var bytes = CounterCertificate.signedBytes(message: message, instance: instance, value: value, previous: nil)
        bytes.append(0xAA)
        return tag(bytes, signer: ReplicaID(0xFFFF), size: 96)
    }

    func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult {
        guard let value = shares.first?.value else { return .invalidShares([]) }
        meter?.pendingNanos += kind == .threshSign
            ? Double(shares.count) * costs.blsAggregatePerShareNanos + costs.blsVerifyAggregateNanos
            : Double(shares.count) * costs.hmacNanos
        var seen = ReplicaSet()
        let bad = shares.filter { !(verify($0, message: message, instance: instance) && $0.value == value && seen.insert($0.signer)) }
        guard bad.isEmpty, seen.count >= threshold else {
            if kind == .threshSign { meter?.pendingNanos += Double(shares.count) * costs.blsShareVerifyNanos }  // slow path
            return .invalidShares(bad.map(\.signer))
        }
        return .combined(QuorumCertificate(value: value, proof: Self.quorumTag(message: message, instance: instance, value: value)))
    }

    func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares> {
        meter?.pendingNanos += Double(shares.count) * costs.blsAggregatePerShareNanos + costs.blsVerifyAggregateNanos
        var seen = ReplicaSet()
        let bad = shares.filter { !($0.1 == Self.executionTag(message, signer: $0.0) && seen.insert($0.0)) }.map(\.0)
        guard bad.isEmpty, seen.count >= executionThreshold else { return .failure(InvalidShares(bad)) }
        return .success(Self.tag(message.bytes + [0xEE], signer: ReplicaID(0xFFFF), size: 96))
    }

    func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool {
        proof == Self.tag(message.bytes + [0xEE], signer: ReplicaID(0xFFFF), size: 96)
    }

    static func executionTag(_ message: Digest, signer: ReplicaID) -> [UInt8] {
        tag(message.bytes + [0xEF], signer: signer, size: 96)
    }
}

/// Execution-signature shares (π) for the model.
struct ModelExecutionSigner: ExecutionSigner {
    let me: ReplicaID
    let costs: CostTable
    let meter: CryptoMeter
    func signShare(_ message: Digest) -> [UInt8] {
        meter.pendingNanos += costs.blsShareSignNanos
        return ModelCertificateScheme.executionTag(message, signer: me)
    }
}
