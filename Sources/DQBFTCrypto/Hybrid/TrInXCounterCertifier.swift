import DQBFTCore
import Foundation

/// A replica's handle on its trusted subsystem's TrInX certificates, as the core's
/// `CounterCertifier` (Hybster: MAC certificates, no threshold cryptography).
///
/// - Independent certificates are TrInX certificates of the replica's own counter
///   for the core instance (`HybridLayout.trinxCounter`); the proof is the previous
///   value (8 bytes, big-endian) followed by the 32-byte MAC, because the TrInX
///   MAC covers the previous value.
/// - Continuing certificates are the subsystem's continuing certificates on the
///   same counter; `previous` is the value the counter left, the proof the MAC.
///
/// Guarantees: the same refusals as the subsystem — per instance at most one
/// independent certificate per value, only above the current value; continuing
/// only at or above it — each returned as nil. `init(me:restoringFrom:keys:)`
/// refuses a rolled-back or tampered state. Thread-safe. Not a TEE: see
/// `SoftwareTrustedSubsystem`.
public final class TrInXCounterCertifier: CounterCertifier, Sendable {
    public let me: ReplicaID
    /// The trusted subsystem every certificate comes from.
    public let subsystem: any TrustedSubsystem
    private let lock = NSLock()

    /// `subsystem` must host counter 0 of instance `me << 16 | InstanceID.rawValue`
    /// for every core instance, and no other replica's instances.
    public init(me: ReplicaID, subsystem: any TrustedSubsystem) {
        self.me = me
        self.subsystem = subsystem
    }

    /// Restarts replica `me`'s software subsystem from its file store; throws
    /// `rolledBack` if the state file is older than the epoch marker.
    public convenience init(me: ReplicaID, restoringFrom store: TrustedStateFileStore,
                            keys: TrustedSubsystemKeys) throws(TrustedSubsystemError) {
        self.init(me: me, subsystem: try SoftwareTrustedSubsystem.restore(from: store, keys: keys))
    }

    public func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let counter = HybridLayout.trinxCounter(instance, signer: me)
        lock.lock()
        defer { lock.unlock() }
        guard let c = try? subsystem.trinxCertificate(message: message.bytes, counter: counter, newValue: value.rawValue)
        else { return nil }
        var proof = [UInt8]()
        proof.reserveCapacity(8 + HybridLayout.macLength)
        HybridLayout.append(c.previousValue, to: &proof)
        proof.append(contentsOf: c.mac)
        return CounterCertificate(signer: me, value: value, previous: nil, proof: proof)
    }

    public func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let counter = HybridLayout.trinxCounter(instance, signer: me)
        lock.lock()
        defer { lock.unlock() }
        guard let c = try? subsystem.continuingCounterCertificate(message: message.bytes, counter: counter, newValue: value.rawValue)
        else { return nil }
        return CounterCertificate(signer: me, value: value, previous: CounterValue(rawValue: c.fromValue), proof: c.mac)
    }

    /// The counter's value, or zero for an instance the subsystem does not host.
    public func current(instance: InstanceID) -> CounterValue {
        CounterValue(rawValue: (try? subsystem.currentValue(of: HybridLayout.trinxCounter(instance, signer: me))) ?? 0)
    }
}
