import BLS12381
import Crypto

// The ThreshSign / TrInX trusted subsystem of the paper's §4.2, as an interface.
//
// IMPORTANT: the only implementation in this package (`SoftwareTrustedSubsystem`)
// runs in ordinary process memory. It implements the exact ThreshSign semantics,
// but it does NOT enforce the hybrid fault assumption: without a TEE (SGX,
// TrustZone, SEV, …) a Byzantine replica can read the keys, reset the counters
// and sign anything. Use it for tests, simulation and benign deployments only.

/// Names one counter of one ThreshSign instance.
///
/// Guarantees: a plain value pair; instance ids are logical and identical across
/// the replicas of a cluster (so shares of the same instance/counter combine).
public struct TrustedCounter: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let instance: UInt32
    public let counter: UInt32
    public init(instance: UInt32, counter: UInt32) {
        self.instance = instance
        self.counter = counter
    }
    public static func < (a: Self, b: Self) -> Bool { (a.instance, a.counter) < (b.instance, b.counter) }
    public var description: String { "instance \(instance) counter \(counter)" }
}

/// Every way a trusted-subsystem operation can fail.
///
/// Guarantees: an operation that throws has issued no certificate or share.
/// After `persistenceFailed` the counter may have advanced (the value is burnt,
/// never reused), which keeps uniqueness.
public enum TrustedSubsystemError: Error, Equatable, Sendable {
    /// The requested value violates the counter's monotonicity rule (> or ≥).
    case counterNotMonotonic(counter: TrustedCounter, current: UInt64, requested: UInt64)
    /// The instance id is not hosted by this subsystem.
    case unknownInstance(UInt32)
    /// The instance exists but has no such counter.
    case unknownCounter(TrustedCounter)
    /// A persisted state (or the state file on disk) is older than the last known epoch.
    case rolledBack(stateEpoch: UInt64, lastKnownEpoch: UInt64)
    /// A persisted state failed to parse or its MAC did not verify.
    case corruptState(String)
    /// The state could not be written durably; the certificate was withheld.
    case persistenceFailed(String)
}

/// Domain-separated, length-prefixed encodings of the bytes each certificate covers.
///
/// Guarantees: injective per kind (fixed-width big-endian integers, the message
/// last and length-prefixed), and the three kinds use distinct domain tags, so a
/// certificate of one kind can never be reinterpreted as another. The MAC kinds
/// (continuing, TrInX) name the subsystem that issued them (its share index, the
/// paper's subsystem instance id): their keys are shared by the whole cluster, so
/// without it one replica's certificate would verify as any other's. Independent
/// shares need no issuer in the bytes: each is checked under its signer's own key
/// share, and all shares of a value must sign identical bytes to combine.
public enum TrustedEncoding {
    static let independentTag = Array("DQBFT-THRESHSIGN-INDEPENDENT-v1".utf8)
    static let continuingTag = Array("DQBFT-THRESHSIGN-CONTINUING-v2".utf8)
    static let trinxTag = Array("DQBFT-TRINX-v2".utf8)

    static func append(_ v: UInt32, to out: inout [UInt8]) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    static func append(_ v: UInt64, to out: inout [UInt8]) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }

    static func frame(_ tag: [UInt8], _ c: TrustedCounter, _ a: UInt64, _ b: UInt64, _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(tag.count + 8 + 16 + 8 + message.count)
        out.append(contentsOf: tag)
        append(c.instance, to: &out)
        append(c.counter, to: &out)
        append(a, to: &out)
        append(b, to: &out)
        append(UInt64(message.count), to: &out)
        out.append(contentsOf: message)
        return out
    }

    /// Bytes an independent counter share signs: (instance, counter, new value, previous value, m).
    public static func independent(counter: TrustedCounter, newValue: UInt64, previousValue: UInt64, message: [UInt8]) -> [UInt8] {
        frame(independentTag, counter, newValue, previousValue, message)
    }

    /// Bytes a continuing certificate MACs: (issuer, instance, counter, from value, to value, m).
    public static func continuing(issuer: UInt32, counter: TrustedCounter, fromValue: UInt64, toValue: UInt64,
                                  message: [UInt8]) -> [UInt8] {
        frame(continuingTag + bytes(issuer), counter, fromValue, toValue, message)
    }

    /// Bytes a TrInX certificate MACs: (issuer, instance, counter, new value, previous value, m).
    public static func trinx(issuer: UInt32, counter: TrustedCounter, newValue: UInt64, previousValue: UInt64,
                             message: [UInt8]) -> [UInt8] {
        frame(trinxTag + bytes(issuer), counter, newValue, previousValue, message)
    }

    static func bytes(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
}

/// A signature share issued by one subsystem for an independent counter value.
///
/// Guarantees (given an honest trusted subsystem): for each (instance, counter)
/// the subsystem issues at most one share per `newValue`, and values strictly
/// increase; `share` signs `TrustedEncoding.independent(...)` of these fields.
/// Validity of the share itself is only known after verification outside.
public struct IndependentCounterShare: Hashable, Sendable {
    public let counter: TrustedCounter
    public let previousValue: UInt64
    public let newValue: UInt64
    public let share: BLS12381.SignatureShare
    public init(counter: TrustedCounter, previousValue: UInt64, newValue: UInt64, share: BLS12381.SignatureShare) {
        self.counter = counter
        self.previousValue = previousValue
        self.newValue = newValue
        self.share = share
    }
    /// The bytes the share signs for `message`.
    public func signedBytes(message: [UInt8]) -> [UInt8] {
        TrustedEncoding.independent(counter: counter, newValue: newValue, previousValue: previousValue, message: message)
    }
}

/// A MAC certificate that moved a counter from `fromValue` to `toValue` (≥) for a message.
///
/// Guarantees: `mac` is HMAC-SHA256 under the cluster's continuing key over
/// `TrustedEncoding.continuing(...)`, which names `issuer` (the share index of the
/// subsystem that made it); only subsystems holding that key can make one, and a
/// subsystem only ever issues under its own index.
public struct ContinuingCounterCertificate: Hashable, Sendable {
    public let issuer: UInt32
    public let counter: TrustedCounter
    public let fromValue: UInt64
    public let toValue: UInt64
    public let mac: [UInt8]
    public init(issuer: UInt32, counter: TrustedCounter, fromValue: UInt64, toValue: UInt64, mac: [UInt8]) {
        self.issuer = issuer
        self.counter = counter
        self.fromValue = fromValue
        self.toValue = toValue
        self.mac = mac
    }
}

/// A TrInX-style counter certificate (Hybster): MAC over (issuer, instance, counter, new, previous, m).
///
/// Guarantees: issued only for `newValue > previousValue`, so a counter value is
/// certified for at most one message; `mac` is HMAC-SHA256 under the cluster's TrInX
/// key and names `issuer`, the share index of the subsystem that made it.
public struct TrInXCertificate: Hashable, Sendable {
    public let issuer: UInt32
    public let counter: TrustedCounter
    public let previousValue: UInt64
    public let newValue: UInt64
    public let mac: [UInt8]
    public init(issuer: UInt32, counter: TrustedCounter, previousValue: UInt64, newValue: UInt64, mac: [UInt8]) {
        self.issuer = issuer
        self.counter = counter
        self.previousValue = previousValue
        self.newValue = newValue
        self.mac = mac
    }
}

/// The trusted subsystem of one replica: ThreshSign (§4.2) plus TrInX certificates.
///
/// Guarantees required of implementations: several instances, each with several
/// counters; every successful call updates the counter and (if persistence is
/// configured) makes the new state durable before returning; independent shares
/// and TrInX certificates require newValue > current, continuing certificates
/// newValue ≥ current; keys never leave the implementation. A software
/// implementation cannot make these guarantees hold against a malicious host —
/// the hybrid fault assumption needs a TEE.
public protocol TrustedSubsystem: Sendable {
    /// This subsystem's index in the threshold sharing (1…n).
    var shareIndex: UInt32 { get }
    /// Current value of a counter.
    func currentValue(of counter: TrustedCounter) throws(TrustedSubsystemError) -> UInt64
    /// Independent counter signature share; requires newValue > current value.
    func independentCounterShare(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> IndependentCounterShare
    /// Continuing counter certificate; requires newValue ≥ current value.
    func continuingCounterCertificate(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> ContinuingCounterCertificate
    /// Whether `certificate` was issued by subsystem `certificate.issuer` and moved its
    /// counter from `fromValue` to `toValue` for `message`.
    func verifyContinuing(_ certificate: ContinuingCounterCertificate, message: [UInt8]) -> Bool
    /// TrInX counter certificate; requires newValue > current value.
    func trinxCertificate(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> TrInXCertificate
    /// Whether a TrInX certificate made by subsystem `certificate.issuer` of the cluster
    /// is valid for `message`.
    func verifyTrInX(_ certificate: TrInXCertificate, message: [UInt8]) -> Bool
    /// Sealed, deterministic encoding of all counter values (see `SealedCounterState`).
    func persistedState() -> [UInt8]
}
