import BLS12381
import Crypto
import Foundation

/// The secrets one replica's trusted subsystem holds.
///
/// Guarantees: `keyShare` is this replica's Shamir share of the ThreshSign group
/// key; `continuingKey` and `trinxKey` are shared by all subsystems of the cluster
/// (so any of them can verify a certificate); `sealingKey` is private to this
/// subsystem and authenticates its persisted state. In a TEE these would be
/// provisioned after attestation; here they are ordinary process memory.
public struct TrustedSubsystemKeys: @unchecked Sendable {  // SymmetricKey is immutable
    public let keyShare: BLS12381.ThresholdKeyShare
    public let continuingKey: SymmetricKey
    public let trinxKey: SymmetricKey
    public let sealingKey: SymmetricKey

    public init(keyShare: BLS12381.ThresholdKeyShare, continuingKey: SymmetricKey, trinxKey: SymmetricKey, sealingKey: SymmetricKey) {
        self.keyShare = keyShare
        self.continuingKey = continuingKey
        self.trinxKey = trinxKey
        self.sealingKey = sealingKey
    }

    /// Deals keys for a cluster of `replicas` subsystems with threshold `threshold`
    /// (e.g. f+1 of 2f+1). Deterministic for a given generator.
    public static func dealCluster<R: RandomNumberGenerator>(replicas: Int, threshold: Int, using rng: inout R)
        throws(BLS12381.ThresholdError) -> (publicKeys: BLS12381.ThresholdPublicKeySet, keys: [TrustedSubsystemKeys]) {
        let (set, shares) = try BLS12381.ThresholdDealer.deal(threshold: threshold, participants: replicas, using: &rng)
        func key(_ rng: inout R) -> SymmetricKey {
            SymmetricKey(data: (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } })
        }
        let continuing = key(&rng), trinx = key(&rng)
        let keys = shares.map { TrustedSubsystemKeys(keyShare: $0, continuingKey: continuing, trinxKey: trinx, sealingKey: key(&rng)) }
        return (set, keys)
    }
}

/// A software ThreshSign/TrInX subsystem (§4.2 of the DQBFT/Destiny paper).
///
/// Guarantees (within this process): counters are only ever advanced — independent
/// shares and TrInX certificates require newValue > current, continuing certificates
/// newValue ≥ current — so no counter value is certified for two messages; every
/// operation is serialised by a lock; with a `TrustedStateFileStore` the new state
/// is written atomically and durably (state file, then epoch marker) before the
/// share or certificate is returned, and a restart from an older state file is
/// refused with `rolledBack`.
///
/// THIS COMPONENT DOES NOT ENFORCE THE HYBRID FAULT ASSUMPTION. It is plain
/// software without a TEE: a compromised host can read its keys, edit its memory
/// or roll back both of its files, and then equivocate. Protocols relying on it
/// (Linear Hybster, Destiny) are only as safe as a TEE-hosted implementation
/// would make them when run with such an implementation.
public final class SoftwareTrustedSubsystem: TrustedSubsystem, @unchecked Sendable {
    public let shareIndex: UInt32
    private let keys: TrustedSubsystemKeys
    private let store: TrustedStateFileStore?
    private let lock = NSLock()
    private var state: SealedCounterState

    /// A fresh subsystem with `counters[instance]` counters (ids 0..<n) per instance,
    /// all at value 0. With a store, the initial state is persisted immediately;
    /// this throws `rolledBack` if the store already holds an epoch marker (a
    /// fresh start over an existing subsystem would reset its counters).
    public init(keys: TrustedSubsystemKeys, counters: [UInt32: Int], store: TrustedStateFileStore? = nil) throws(TrustedSubsystemError) {
        self.keys = keys
        self.shareIndex = keys.keyShare.index
        self.store = store
        var instances = [UInt32: [UInt32: UInt64]]()
        for (id, n) in counters {
            instances[id] = Dictionary(uniqueKeysWithValues: (0..<UInt32(max(0, n))).map { ($0, UInt64(0)) })
        }
        self.state = SealedCounterState(epoch: 1, instances: instances)
        if let store {
            if let marker = try store.readMarker() {
                let known = try SealedCounterState.decodeMarker(marker, sealingKey: keys.sealingKey)
                throw .rolledBack(stateEpoch: 0, lastKnownEpoch: known)
            }
            try persist(to: store)
        }
    }

    /// Restores from sealed bytes (see `persistedState()`); refuses a bad MAC
    /// (`corruptState`) and a state whose epoch is below `lastKnownEpoch` (`rolledBack`).
    /// `keys.sealingKey` is ignored in favour of `sealingKey` for checking the state.
    public init(restoring bytes: [UInt8], sealingKey: SymmetricKey, lastKnownEpoch: UInt64,
                keys: TrustedSubsystemKeys, store: TrustedStateFileStore? = nil) throws(TrustedSubsystemError) {
        self.state = try SealedCounterState.decode(bytes, sealingKey: sealingKey, lastKnownEpoch: lastKnownEpoch)
        self.keys = TrustedSubsystemKeys(keyShare: keys.keyShare, continuingKey: keys.continuingKey,
                                         trinxKey: keys.trinxKey, sealingKey: sealingKey)
        self.shareIndex = keys.keyShare.index
        self.store = store
    }

    /// Restarts from a file store: reads the epoch marker, then the state, and
    /// refuses a state older than the marker, a missing state with a marker
    /// present, or any MAC failure. The state is re-persisted with a new epoch.
    public static func restore(from store: TrustedStateFileStore, keys: TrustedSubsystemKeys) throws(TrustedSubsystemError) -> SoftwareTrustedSubsystem {
        let known = try store.readMarker().map { (m) throws(TrustedSubsystemError) in
            try SealedCounterState.decodeMarker(m, sealingKey: keys.sealingKey)
        } ?? 0
        guard let bytes = try store.readState() else {
            throw known > 0 ? .rolledBack(stateEpoch: 0, lastKnownEpoch: known) : .corruptState("no state file")
        }
        let subsystem = try SoftwareTrustedSubsystem(restoring: bytes, sealingKey: keys.sealingKey,
                                                     lastKnownEpoch: known, keys: keys, store: store)
        try subsystem.withLock { () throws(TrustedSubsystemError) in
            subsystem.state.epoch += 1
            try subsystem.persist(to: store)
        }
        return subsystem
    }

    /// Epoch of the current state (increases with every update).
    public var epoch: UInt64 { withLock { state.epoch } }

    public func currentValue(of counter: TrustedCounter) throws(TrustedSubsystemError) -> UInt64 {
        try withLock { () throws(TrustedSubsystemError) in try value(counter) }
    }

    public func independentCounterShare(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> IndependentCounterShare {
        let previous = try advance(counter, to: newValue, allowEqual: false)
        let bytes = TrustedEncoding.independent(counter: counter, newValue: newValue, previousValue: previous, message: message)
        return IndependentCounterShare(counter: counter, previousValue: previous, newValue: newValue, share: keys.keyShare.sign(bytes))
    }

    public func continuingCounterCertificate(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> ContinuingCounterCertificate {
        let previous = try advance(counter, to: newValue, allowEqual: true)
        let bytes = TrustedEncoding.continuing(issuer: shareIndex, counter: counter, fromValue: previous, toValue: newValue,
                                               message: message)
        return ContinuingCounterCertificate(issuer: shareIndex, counter: counter, fromValue: previous, toValue: newValue,
                                            mac: Array(HMAC<SHA256>.authenticationCode(for: bytes, using: keys.continuingKey)))
    }

    public func verifyContinuing(_ certificate: ContinuingCounterCertificate, message: [UInt8]) -> Bool {
        guard certificate.toValue >= certificate.fromValue else { return false }
        let bytes = TrustedEncoding.continuing(issuer: certificate.issuer, counter: certificate.counter,
                                               fromValue: certificate.fromValue, toValue: certificate.toValue, message: message)
        return HMAC<SHA256>.isValidAuthenticationCode(certificate.mac, authenticating: bytes, using: keys.continuingKey)
    }

    public func trinxCertificate(message: [UInt8], counter: TrustedCounter, newValue: UInt64) throws(TrustedSubsystemError) -> TrInXCertificate {
        let previous = try advance(counter, to: newValue, allowEqual: false)
        let bytes = TrustedEncoding.trinx(issuer: shareIndex, counter: counter, newValue: newValue, previousValue: previous,
                                          message: message)
        return TrInXCertificate(issuer: shareIndex, counter: counter, previousValue: previous, newValue: newValue,
                                mac: Array(HMAC<SHA256>.authenticationCode(for: bytes, using: keys.trinxKey)))
    }

    public func verifyTrInX(_ certificate: TrInXCertificate, message: [UInt8]) -> Bool {
        guard certificate.newValue > certificate.previousValue else { return false }
        let bytes = TrustedEncoding.trinx(issuer: certificate.issuer, counter: certificate.counter, newValue: certificate.newValue,
                                          previousValue: certificate.previousValue, message: message)
        return HMAC<SHA256>.isValidAuthenticationCode(certificate.mac, authenticating: bytes, using: keys.trinxKey)
    }

    public func persistedState() -> [UInt8] {
        withLock { state.encode(sealingKey: keys.sealingKey) }
    }

    // MARK: - Internals

    private func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func value(_ counter: TrustedCounter) throws(TrustedSubsystemError) -> UInt64 {
        guard let counters = state.instances[counter.instance] else { throw .unknownInstance(counter.instance) }
        guard let v = counters[counter.counter] else { throw .unknownCounter(counter) }
        return v
    }

    /// Checks the rule, advances the counter, bumps the epoch and persists — all
    /// under the lock, before anything is signed or returned. Returns the previous value.
    private func advance(_ counter: TrustedCounter, to newValue: UInt64, allowEqual: Bool) throws(TrustedSubsystemError) -> UInt64 {
        try withLock { () throws(TrustedSubsystemError) -> UInt64 in
            let current = try value(counter)
            guard newValue > current || (allowEqual && newValue == current) else {
                throw .counterNotMonotonic(counter: counter, current: current, requested: newValue)
            }
            state.instances[counter.instance]![counter.counter] = newValue
            state.epoch += 1
            if let store { try persist(to: store) }
            return current
        }
    }

    /// State file first, then the marker: on disk, marker epoch ≤ state epoch.
    private func persist(to store: TrustedStateFileStore) throws(TrustedSubsystemError) {
        try store.writeState(state.encode(sealingKey: keys.sealingKey))
        try store.writeMarker(SealedCounterState.marker(epoch: state.epoch, sealingKey: keys.sealingKey))
    }
}
