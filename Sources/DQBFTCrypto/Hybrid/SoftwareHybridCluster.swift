import DQBFTCore
import Foundation

/// A whole cluster's software trusted subsystems and hybrid providers, for the
/// simulator with real cryptography (`dqbft simulate --real-crypto`).
///
/// Guarantees: keys are dealt as `HybridCryptoCluster.deal` deals them (the same
/// seed gives the same cluster); each subsystem's sealed state at construction is
/// kept, and `restartRolledBack(r)` restarts replica r's subsystem from that copy
/// with the epoch its live subsystem has reached as the last known epoch — exactly
/// what a host that swapped in an old state file would get. The subsystem then
/// refuses to start (`rolledBack`) unless it never advanced, and r's certifier
/// refuses everything from then on. Not a TEE: see `SoftwareTrustedSubsystem`.
public final class SoftwareHybridCluster: HybridCryptoProvider, @unchecked Sendable {  // mutated by one shell thread
    public let material: HybridCryptoCluster.Material
    public let kind: HybridCryptoCluster.Kind
    private var subsystems: [SoftwareTrustedSubsystem]
    private var providers: [HybridCrypto]
    private let initialStates: [[UInt8]]
    /// Per replica, the error its subsystem gave when restarted from a rolled-back state.
    public private(set) var refusals: [ReplicaID: TrustedSubsystemError] = [:]

    public init(replicas: Int, f: Int, seed: UInt64, kind: HybridCryptoCluster.Kind) throws {
        let material = try HybridCryptoCluster.deal(replicas: replicas, f: f, seed: seed)
        self.material = material
        self.kind = kind
        subsystems = try (0..<replicas).map { i in
            try SoftwareTrustedSubsystem(keys: material.subsystemKeys[i],
                                         counters: HybridCryptoCluster.counters(for: ReplicaID(i), replicas: replicas, kind: kind))
        }
        initialStates = subsystems.map { $0.persistedState() }
        providers = subsystems.enumerated().map { i, s in
            HybridCryptoCluster.crypto(for: ReplicaID(i), subsystem: s, material: material, kind: kind)
        }
    }

    public var replicaCount: Int { material.replicas }

    public func crypto(for replica: ReplicaID) -> HybridCrypto { providers[replica.index] }

    public func restartRolledBack(_ replica: ReplicaID) -> HybridCrypto {
        let i = replica.index
        let keys = material.subsystemKeys[i]
        do {
            let restored = try SoftwareTrustedSubsystem(restoring: initialStates[i], sealingKey: keys.sealingKey,
                                                        lastKnownEpoch: subsystems[i].epoch, keys: keys)
            subsystems[i] = restored
            providers[i] = HybridCryptoCluster.crypto(for: replica, subsystem: restored, material: material, kind: kind)
        } catch {
            refusals[replica] = error
            providers[i] = HybridCrypto(counter: RefusingCounterCertifier(me: replica, reason: error),
                                        scheme: providers[i].scheme, execution: providers[i].execution)
        }
        return providers[i]
    }
}

/// The certifier of a replica whose trusted subsystem refused to start.
///
/// Guarantees: certifies nothing (every call returns nil); `reason` is the
/// subsystem's error.
public struct RefusingCounterCertifier: CounterCertifier {
    public let me: ReplicaID
    public let reason: TrustedSubsystemError
    public func certify(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? { nil }
    public func certifyContinuing(_ message: Digest, instance: InstanceID, value: CounterValue) -> CounterCertificate? { nil }
    public func current(instance: InstanceID) -> CounterValue { .zero }
}
