import BLS12381
import DQBFTCore

/// Deals the keys of a hybrid cluster (N ≥ 2f+1, quorum f+1) from one seed and
/// builds every replica's `HybridCrypto` around software trusted subsystems.
///
/// Guarantees: deterministic — the same `(replicas, f, seed)` always yields the
/// same keys, so simulations with real crypto replay exactly; the counter key set
/// (σ/τ, inside the subsystems) is a t = quorum (⌊N/2⌋+1, f+1 when N = 2f+1) of N
/// Shamir sharing, so a combined certificate stands for a quorum that meets every
/// other quorum; the execution key set π (outside) is an independent t = f+1 of N
/// sharing (f+1 matching results include a correct replica's); each replica's `HybridCrypto` holds
/// only its own certifier and signer, and a scheme that needs no secret of its own
/// beyond what the cluster's subsystems share (the continuing / TrInX MAC keys,
/// reached through the replica's own subsystem). Each subsystem hosts exactly the
/// counters its kind needs: ThreshSign one per core instance (the N D-instances
/// and `.main`), TrInX one per core instance under its own replica index.
///
/// Seeds are not secrets: keys from this dealer are for simulation, tests and
/// benchmarks. Real deployments deal from `SystemRandomNumberGenerator`.
public enum HybridCryptoCluster {
    /// Which family of hybrid cryptography to build.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// ThreshSign: BLS threshold counter shares, combined quorum certificates,
        /// π execution proofs (Linear Hybster, Destiny).
        case threshSign
        /// TrInX: MAC counter certificates, quorum certificates as lists (Hybster).
        case trinx
    }

    /// Cluster sizes the dealer refuses.
    public enum ParameterError: Error, Equatable, Sendable {
        /// Needs f ≥ 0, N ≥ 2f+1 and N < 65535 (replica and instance ids are 16-bit).
        case invalidSize(replicas: Int, f: Int)
    }

    /// The dealt key material of a cluster.
    ///
    /// Guarantees: `subsystemKeys[i]` and `executionShares[i]` belong to replica i
    /// (share index i+1) and match `counterKeys` and `executionKeys`.
    public struct Material: Sendable {
        public let replicas: Int
        public let f: Int
        public let counterKeys: BLS12381.ThresholdPublicKeySet
        public let executionKeys: BLS12381.ThresholdPublicKeySet
        public let subsystemKeys: [TrustedSubsystemKeys]
        public let executionShares: [BLS12381.ThresholdKeyShare]
        /// Counter shares per quorum certificate: the cluster's quorum.
        public var quorum: Int { ClusterConfiguration(replicas: replicas, faultModel: .hybrid, f: f).quorum }
    }

    /// Deals σ/τ shares (threshold: the quorum) and the shared MAC and per-subsystem
    /// sealing keys, then π (threshold f+1).
    public static func deal(replicas: Int, f: Int, seed: UInt64) throws -> Material {
        guard f >= 0, replicas >= 2 * f + 1, replicas < Int(UInt16.max) else {
            throw ParameterError.invalidSize(replicas: replicas, f: f)
        }
        let quorum = ClusterConfiguration(replicas: replicas, faultModel: .hybrid, f: f).quorum
        var rng = BLS12381.SeededGenerator(seed: Array("DQBFT-HYBRID-CLUSTER-v1".utf8) + withUnsafeBytes(of: seed.bigEndian) { Array($0) })
        let (counterKeys, subsystemKeys) = try TrustedSubsystemKeys.dealCluster(replicas: replicas, threshold: quorum, using: &rng)
        let (executionKeys, executionShares) = try BLS12381.ThresholdDealer.deal(threshold: f + 1, participants: replicas, using: &rng)
        return Material(replicas: replicas, f: f, counterKeys: counterKeys, executionKeys: executionKeys,
                        subsystemKeys: subsystemKeys, executionShares: executionShares)
    }

    /// The subsystem counters replica `replica` hosts for `kind`: instance id → counter count.
    public static func counters(for replica: ReplicaID, replicas: Int, kind: Kind) -> [UInt32: Int] {
        var out = [UInt32: Int]()
        for instance in HybridLayout.coreInstances(replicas: replicas) {
            switch kind {
            case .threshSign: out[HybridLayout.threshSignCounter(instance).instance] = 1
            case .trinx: out[HybridLayout.trinxCounter(instance, signer: replica).instance] = 1
            }
        }
        return out
    }

    /// Replica `replica`'s `HybridCrypto` around `subsystem` (fresh or restored).
    public static func crypto(for replica: ReplicaID, subsystem: any TrustedSubsystem,
                              material: Material, kind: Kind) -> HybridCrypto {
        switch kind {
        case .threshSign:
            return HybridCrypto(
                counter: ThreshSignCounterCertifier(me: replica, subsystem: subsystem),
                scheme: ThreshSignCertificateScheme(counterKeys: material.counterKeys, executionKeys: material.executionKeys,
                                                    continuingVerifier: subsystem),
                execution: ThresholdExecutionSigner(me: replica, share: material.executionShares[replica.index]))
        case .trinx:
            return HybridCrypto(
                counter: TrInXCounterCertifier(me: replica, subsystem: subsystem),
                scheme: TrInXCertificateScheme(replicas: material.replicas, threshold: material.quorum, verifier: subsystem),
                execution: UnsupportedExecutionSigner(me: replica))
        }
    }

    /// Every replica's `HybridCrypto`, with fresh in-memory subsystems (no persistence).
    public static func make(replicas: Int, f: Int, seed: UInt64, kind: Kind) throws -> [HybridCrypto] {
        let material = try deal(replicas: replicas, f: f, seed: seed)
        return try (0..<replicas).map { i in
            let me = ReplicaID(i)
            let subsystem = try SoftwareTrustedSubsystem(keys: material.subsystemKeys[i],
                                                         counters: counters(for: me, replicas: replicas, kind: kind))
            return crypto(for: me, subsystem: subsystem, material: material, kind: kind)
        }
    }
}
