import DQBFTCore
import Foundation

/// A replica's handle on its ThreshSign trusted subsystem, as the core's
/// `CounterCertifier` (Linear Hybster, Destiny).
///
/// - Independent certificates are BLS signature shares of the subsystem's
///   independent counter for the core instance (`HybridLayout`), over
///   `TrustedEncoding.independent(counter, value, value − 1, digest)`.
/// - Continuing certificates are the subsystem's MAC continuing certificates;
///   `previous` is the value the counter left.
///
/// Guarantees: it never certifies what the subsystem refuses — per instance, at
/// most one independent certificate per value and only above the current value,
/// continuing certificates only at or above it — and returns nil on every refusal
/// (monotonicity, unknown instance, persistence failure). A certifier built from a
/// rolled-back or tampered sealed state cannot be made: `init(me:restoringFrom:keys:)`
/// throws the subsystem's `rolledBack` / `corruptState`. Thread-safe (a lock makes
/// each certification one step for other users of this certifier).
///
/// Alignment: the paper's ThreshSign binds the counter's *current* value into each
/// share, so shares of replicas whose counters came from different values would not
/// combine. Before an independent share for `value`, the certifier therefore moves
/// the counter to `value − 1` with a continuing certificate that it discards (over
/// `HybridLayout.alignmentMessage`); in steady state (consecutive values) no
/// alignment is needed. A host that skips the alignment only gets a share that
/// does not verify — uniqueness per value is still the subsystem's.
///
/// Like the subsystem behind it, this does not enforce the hybrid fault
/// assumption without a TEE.
public final class ThreshSignCounterCertifier: CounterCertifier, Sendable {
    public let me: ReplicaID
    /// The trusted subsystem every certificate comes from.
    public let subsystem: any TrustedSubsystem
    private let lock = NSLock()

    /// `subsystem` must hold replica `me`'s key share (share index `me + 1`) and
    /// host one counter (id 0) per core instance, at subsystem instance `InstanceID.rawValue`.
    public init(me: ReplicaID, subsystem: any TrustedSubsystem) {
        precondition(subsystem.shareIndex == HybridLayout.shareIndex(me),
                     "subsystem share index \(subsystem.shareIndex) is not replica \(me)'s")
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
        let counter = HybridLayout.threshSignCounter(instance)
        lock.lock()
        defer { lock.unlock() }
        guard let current = try? subsystem.currentValue(of: counter), value.rawValue > current else { return nil }
        let aligned = value.rawValue - 1
        if aligned > current {
            guard (try? subsystem.continuingCounterCertificate(message: HybridLayout.alignmentMessage,
                                                               counter: counter, newValue: aligned)) != nil
            else { return nil }
        }
        guard let share = try? subsystem.independentCounterShare(message: message.bytes, counter: counter, newValue: value.rawValue),
              share.previousValue == aligned, share.share.index == HybridLayout.shareIndex(me)
        else { return nil }
        return CounterCertificate(signer: me, value: value, previous: nil, proof: share.share.signature.compressed)
    }

    public func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? {
        let counter = HybridLayout.threshSignCounter(instance)
        lock.lock()
        defer { lock.unlock() }
        guard let c = try? subsystem.continuingCounterCertificate(message: message.bytes, counter: counter, newValue: value.rawValue)
        else { return nil }
        return CounterCertificate(signer: me, value: value, previous: CounterValue(rawValue: c.fromValue), proof: c.mac)
    }

    /// The counter's value, or zero for an instance the subsystem does not host.
    public func current(instance: InstanceID) -> CounterValue {
        CounterValue(rawValue: (try? subsystem.currentValue(of: HybridLayout.threshSignCounter(instance))) ?? 0)
    }
}
