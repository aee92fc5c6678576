/// The value of a trusted counter: `(view, phase, sequence)` packed so that integer
/// order is lexicographic order. Hybrid instances bind every certified message to
/// one value, so a replica's trusted subsystem can never certify two different
/// messages for the same view and slot.
///
/// Guarantees: `init(view:phase:sequence:)` returns nil outside the packable range
/// (views below 2^24, sequence numbers below 2^39); packing is injective and
/// order-preserving.
public struct CounterValue: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public static let maxView: UInt64 = (1 << 24) - 1
    public static let maxSequence: UInt64 = (1 << 39) - 1
    public static let zero = CounterValue(rawValue: 0)

    /// Phases within a view: view-change traffic (VIEW-CHANGE at 0, NEW-VIEW at 1)
    /// precedes the ordering of slots.
    public enum Phase: UInt64, Sendable { case viewChange = 0, ordering = 1 }

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init?(view: ViewNumber, phase: Phase, sequence: SequenceNumber) {
        guard view.rawValue <= Self.maxView, sequence.rawValue <= Self.maxSequence else { return nil }
        rawValue = view.rawValue << 40 | phase.rawValue << 39 | sequence.rawValue
    }

    public var view: ViewNumber { ViewNumber(rawValue >> 40) }
    public var phase: Phase { rawValue >> 39 & 1 == 0 ? .viewChange : .ordering }
    public var sequence: SequenceNumber { SequenceNumber(rawValue & Self.maxSequence) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "(\(view.rawValue),\(phase.rawValue),\(sequence.rawValue))" }
}

/// A trusted subsystem's certificate that its replica bound `value` of its counter
/// for one instance to one message digest. Independent certificates (agreement
/// messages) are threshold signature shares; continuing certificates (view changes)
/// also attest the value the counter held before, `previous`.
public struct CounterCertificate: Hashable, Sendable {
    public var signer: ReplicaID
    public var value: CounterValue
    /// The value the counter left; present exactly on continuing certificates.
    public var previous: CounterValue?
    public var proof: [UInt8]
    public init(signer: ReplicaID, value: CounterValue, previous: CounterValue?, proof: [UInt8]) {
        self.signer = signer; self.value = value; self.previous = previous; self.proof = proof
    }
    var encodedSize: Int { 2 + 8 + 1 + (previous == nil ? 0 : 8) + 4 + proof.count }

    /// The bytes a certificate covers: domain, instance, kind, values and message.
    public func signedBytes(message: Digest, instance: InstanceID) -> [UInt8] {
        Self.signedBytes(message: message, instance: instance, value: value, previous: previous)
    }

    public static func signedBytes(message: Digest, instance: InstanceID, value: CounterValue,
                                   previous: CounterValue?) -> [UInt8] {
        var w = WireWriter(capacity: 64)
        w.write(UInt8(0xC3)); w.write(instance); w.write(value.rawValue)
        if let previous { w.write(UInt8(1)); w.write(previous.rawValue) } else { w.write(UInt8(0)) }
        w.write(message)
        return w.bytes
    }
}

/// Independent certificates of `threshold` distinct replicas for the same
/// `(instance, value, message)`, combined into one (a BLS threshold signature, or
/// the list of TrInX certificates for protocols without threshold cryptography).
public struct QuorumCertificate: Hashable, Sendable {
    public var value: CounterValue
    public var proof: [UInt8]
    public init(value: CounterValue, proof: [UInt8]) { self.value = value; self.proof = proof }
    var encodedSize: Int { 8 + 4 + proof.count }
}

/// The outcome of combining shares: one certificate, or the signers whose shares
/// failed individual verification (optimistic aggregation's slow path).
public enum CombineResult: Sendable {
    case combined(QuorumCertificate)
    case invalidShares([ReplicaID])
}

/// This replica's handle on its trusted subsystem (ThreshSign / TrInX). The core
/// asks it to certify the messages it sends; the subsystem refuses any value that
/// would break its counter's monotonicity, which is what makes equivocation
/// impossible for hybrid protocols.
///
/// Guarantees expected from implementations: per `(me, instance)`, `certify` issues
/// at most one certificate per value and only for values above the current one;
/// `certifyContinuing` only for values at or above it; the counter never moves
/// back, including across restarts (a rolled-back state is refused).
public protocol CounterCertifier: Sendable {
    var me: ReplicaID { get }
    /// An independent counter certificate (share) for `value` > current, or nil.
    func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate?
    /// A continuing certificate moving the counter to `value` ≥ current, or nil.
    func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate?
    /// The counter's current value for `instance`.
    func current(instance: InstanceID) -> CounterValue
}

/// Public-key operations on counter certificates and execution signatures: pure
/// functions any replica or client can run. Used by shells to authenticate hybrid
/// messages before the core sees them, and by collectors to combine shares.
///
/// Guarantees expected from implementations: `verify` accepts only certificates
/// made by the named signer's trusted subsystem; `combine` returns a certificate
/// only if it verifies, and otherwise names every share that fails on its own.
public protocol CertificateScheme: Sendable {
    /// Shares needed for a quorum certificate (f+1).
    var threshold: Int { get }
    func verify(_ certificate: CounterCertificate, message: Digest, instance: InstanceID) -> Bool
    func verify(_ certificate: QuorumCertificate, message: Digest, instance: InstanceID) -> Bool
    /// Combines `threshold` shares of distinct signers for the same value and message.
    func combine(_ shares: [CounterCertificate], message: Digest, instance: InstanceID) -> CombineResult
    /// Combines execution signature shares (the threshold instance π, outside the
    /// trusted subsystem) into one proof over `message`.
    func combineExecution(_ shares: [(ReplicaID, [UInt8])], message: Digest) -> Result<[UInt8], InvalidShares>
    func verifyExecution(_ proof: [UInt8], message: Digest) -> Bool
}

/// Signers whose shares did not verify.
public struct InvalidShares: Error, Hashable, Sendable {
    public var signers: [ReplicaID]
    public init(_ signers: [ReplicaID]) { self.signers = signers }
}

/// Signs execution results with this replica's share of π (no trusted hardware).
public protocol ExecutionSigner: Sendable {
    var me: ReplicaID { get }
    func signShare(_ message: Digest) -> [UInt8]
}

/// Everything a hybrid replica needs from cryptography, bundled.
public struct HybridCrypto: Sendable {
    public var counter: any CounterCertifier
    public var scheme: any CertificateScheme
    public var execution: any ExecutionSigner
    public init(counter: any CounterCertifier, scheme: any CertificateScheme, execution: any ExecutionSigner) {
        self.counter = counter; self.scheme = scheme; self.execution = execution
    }
}

/// Every replica's hybrid cryptography as a shell that injects faults sees it:
/// the providers, and what a replica's trusted subsystem does when its host
/// restarts it from an older copy of its sealed state.
///
/// Guarantees expected from implementations: `crypto(for:)` returns the provider
/// replica `r` uses until `restartRolledBack(r)` replaces it; that call restarts
/// r's trusted subsystem from a rolled-back sealed state, and the returned
/// provider does what the subsystem decided — one that detects the rollback
/// refuses every certification (its certifier returns nil).
public protocol HybridCryptoProvider: AnyObject {
    var replicaCount: Int { get }
    func crypto(for replica: ReplicaID) -> HybridCrypto
    func restartRolledBack(_ replica: ReplicaID) -> HybridCrypto
}
