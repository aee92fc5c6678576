import BLS12381
import Crypto
import Foundation
import Testing
@testable import DQBFTCrypto

@Suite("Trusted subsystem: ThreshSign counters, certificates, aggregation, sealed state")
struct TrustedSubsystemTests {
    /// f = 1: 2f+1 = 3 subsystems, threshold f+1 = 2. Dealt once (BLS is slow in debug builds).
    static let cluster: (publicKeys: BLS12381.ThresholdPublicKeySet, keys: [TrustedSubsystemKeys]) = {
        var rng = BLS12381.SeededGenerator(seed: Array("trusted-subsystem-tests".utf8))
        return try! TrustedSubsystemKeys.dealCluster(replicas: 3, threshold: 2, using: &rng)
    }()

    static let a = TrustedCounter(instance: 0, counter: 0)
    static let b = TrustedCounter(instance: 0, counter: 1)
    static let c = TrustedCounter(instance: 7, counter: 2)

    static func subsystem(_ i: Int, store: TrustedStateFileStore? = nil) throws -> SoftwareTrustedSubsystem {
        try SoftwareTrustedSubsystem(keys: cluster.keys[i], counters: [0: 3, 7: 3], store: store)
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trusted-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a counter value is certified for at most one message (independent and TrInX)")
    func counterUniqueness() throws {
        let t = try Self.subsystem(0)
        let m1 = Array("prepare 1".utf8), m2 = Array("prepare 1'".utf8)
        let cert = try t.trinxCertificate(message: m1, counter: Self.b, newValue: 1)
        #expect(t.verifyTrInX(cert, message: m1))
        #expect(throws: TrustedSubsystemError.counterNotMonotonic(counter: Self.b, current: 1, requested: 1)) {
            try t.trinxCertificate(message: m2, counter: Self.b, newValue: 1)
        }
        // Independent counter (one BLS share only).
        let share = try t.independentCounterShare(message: m1, counter: Self.a, newValue: 5)
        #expect(share.previousValue == 0 && share.newValue == 5 && share.share.index == 1)
        #expect(throws: TrustedSubsystemError.counterNotMonotonic(counter: Self.a, current: 5, requested: 5)) {
            try t.independentCounterShare(message: m2, counter: Self.a, newValue: 5)
        }
        // Counters are independent of each other: instance 7 is untouched.
        #expect(try t.currentValue(of: Self.c) == 0)
    }

    @Test("monotonicity: independent and TrInX need >, continuing needs ≥")
    func monotonicity() throws {
        let t = try Self.subsystem(1)
        let m = Array("m".utf8)
        _ = try t.trinxCertificate(message: m, counter: Self.a, newValue: 10)
        #expect(throws: TrustedSubsystemError.self) { try t.trinxCertificate(message: m, counter: Self.a, newValue: 9) }
        #expect(throws: TrustedSubsystemError.self) { try t.trinxCertificate(message: m, counter: Self.a, newValue: 10) }
        // Continuing: equal is allowed, smaller is not.
        let same = try t.continuingCounterCertificate(message: m, counter: Self.a, newValue: 10)
        #expect(same.fromValue == 10 && same.toValue == 10)
        let up = try t.continuingCounterCertificate(message: m, counter: Self.a, newValue: 12)
        #expect(up.fromValue == 10 && up.toValue == 12)
        #expect(throws: TrustedSubsystemError.counterNotMonotonic(counter: Self.a, current: 12, requested: 11)) {
            try t.continuingCounterCertificate(message: m, counter: Self.a, newValue: 11)
        }
        #expect(throws: TrustedSubsystemError.counterNotMonotonic(counter: Self.a, current: 12, requested: 12)) {
            try t.independentCounterShare(message: m, counter: Self.a, newValue: 12)
        }
        #expect(try t.currentValue(of: Self.a) == 12)
    }

    @Test("unknown instances and counters are typed errors")
    func unknownCounters() throws {
        let t = try Self.subsystem(0)
        #expect(throws: TrustedSubsystemError.unknownInstance(3)) {
            try t.trinxCertificate(message: [], counter: TrustedCounter(instance: 3, counter: 0), newValue: 1)
        }
        #expect(throws: TrustedSubsystemError.unknownCounter(TrustedCounter(instance: 0, counter: 9))) {
            try t.continuingCounterCertificate(message: [], counter: TrustedCounter(instance: 0, counter: 9), newValue: 1)
        }
    }

    @Test("continuing certificates verify on every subsystem of the cluster and reject tampering")
    func continuingCertificates() throws {
        let t0 = try Self.subsystem(0), t2 = try Self.subsystem(2)
        let m = Array("checkpoint 128".utf8)
        let cert = try t0.continuingCounterCertificate(message: m, counter: Self.c, newValue: 4)
        #expect(cert.mac.count == 32)
        #expect(t0.verifyContinuing(cert, message: m))
        #expect(t2.verifyContinuing(cert, message: m), "the continuing key is shared by the cluster")
        #expect(!t2.verifyContinuing(cert, message: m + [0]))
        var mac = cert.mac
        mac[3] ^= 0x10
        #expect(!t2.verifyContinuing(ContinuingCounterCertificate(issuer: cert.issuer, counter: cert.counter, fromValue: 0, toValue: 4, mac: mac), message: m))
        #expect(!t2.verifyContinuing(ContinuingCounterCertificate(issuer: cert.issuer, counter: cert.counter, fromValue: 1, toValue: 4, mac: cert.mac), message: m))
        #expect(!t2.verifyContinuing(ContinuingCounterCertificate(issuer: cert.issuer, counter: cert.counter, fromValue: 0, toValue: 5, mac: cert.mac), message: m))
        #expect(!t2.verifyContinuing(ContinuingCounterCertificate(issuer: cert.issuer, counter: Self.a, fromValue: 0, toValue: 4, mac: cert.mac), message: m))
        // The certificate names its issuer: it does not verify as another subsystem's.
        #expect(!t2.verifyContinuing(ContinuingCounterCertificate(issuer: t2.shareIndex, counter: cert.counter, fromValue: 0, toValue: 4,
                                                                  mac: cert.mac), message: m))
        // Domain separation: a TrInX MAC over the same fields is not a continuing certificate.
        let trinx = try t0.trinxCertificate(message: m, counter: Self.b, newValue: 4)
        #expect(!t0.verifyContinuing(ContinuingCounterCertificate(issuer: cert.issuer, counter: Self.b, fromValue: 0, toValue: 4, mac: trinx.mac), message: m))
        // A subsystem of another cluster does not accept it.
        var rng = BLS12381.SeededGenerator(seed: Array("other cluster".utf8))
        let otherKeys = TrustedSubsystemKeys(keyShare: Self.cluster.keys[0].keyShare,
                                             continuingKey: SymmetricKey(data: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }),
                                             trinxKey: Self.cluster.keys[0].trinxKey, sealingKey: Self.cluster.keys[0].sealingKey)
        let other = try SoftwareTrustedSubsystem(keys: otherKeys, counters: [7: 3])
        #expect(!other.verifyContinuing(cert, message: m))
    }

    @Test("f+1 independent shares of 2f+1 subsystems combine to a signature valid under the group key; an invalid share is named")
    func thresholdAggregation() throws {
        let subsystems = try (0..<3).map { try Self.subsystem($0) }
        let m = Array("commit view 0 seq 1".utf8)
        let verifier = ThreshSignVerifier(keySet: Self.cluster.publicKeys)
        let s1 = try subsystems[0].independentCounterShare(message: m, counter: Self.a, newValue: 1)
        let s3 = try subsystems[2].independentCounterShare(message: m, counter: Self.a, newValue: 1)
        let (signature, culprits) = try verifier.aggregate([s1, s3], message: m)
        #expect(culprits.isEmpty)
        #expect(verifier.verify(signature, message: m))
        #expect(!verifier.verify(signature, message: m + [1]))
        #expect(!verifier.verify(IndependentCounterSignature(counter: Self.a, previousValue: 0, newValue: 2, signature: signature.signature), message: m))

        // Subsystem 2 is made to sign another message; its share is presented for m.
        let wrong = try subsystems[1].independentCounterShare(message: Array("equivocation".utf8), counter: Self.a, newValue: 1)
        let (recovered, blamed) = try verifier.aggregate([s1, wrong, s3], message: m)
        #expect(blamed == [2])
        #expect(recovered.signature == signature.signature, "threshold signatures are unique")

        #expect(throws: ThreshSignAggregationError.mismatchedShares) {
            try verifier.aggregate([s1, IndependentCounterShare(counter: Self.a, previousValue: 0, newValue: 2, share: s3.share)], message: m)
        }
        #expect(throws: ThreshSignAggregationError.threshold(.notEnoughShares(needed: 2, got: 1))) {
            try verifier.aggregate([s1, s1], message: m)
        }
    }

    @Test("sealed state round-trips deterministically and rejects corruption")
    func sealedState() throws {
        let t = try Self.subsystem(0)
        _ = try t.trinxCertificate(message: [1], counter: Self.b, newValue: 3)
        _ = try t.continuingCounterCertificate(message: [2], counter: Self.c, newValue: 8)
        let bytes = t.persistedState()
        #expect(bytes == t.persistedState(), "deterministic")
        let key = Self.cluster.keys[0].sealingKey
        let restored = try SoftwareTrustedSubsystem(restoring: bytes, sealingKey: key, lastKnownEpoch: t.epoch, keys: Self.cluster.keys[0])
        #expect(try restored.currentValue(of: Self.b) == 3)
        #expect(try restored.currentValue(of: Self.c) == 8)
        #expect(restored.persistedState() == bytes)
        #expect(throws: TrustedSubsystemError.self) { try restored.trinxCertificate(message: [9], counter: Self.b, newValue: 3) }

        for position in [0, 5, 10, bytes.count / 2, bytes.count - 1] {
            var corrupt = bytes
            corrupt[position] ^= 0x01
            #expect(throws: TrustedSubsystemError.self) {
                try SealedCounterState.decode(corrupt, sealingKey: key, lastKnownEpoch: 0)
            }
            do {
                _ = try SealedCounterState.decode(corrupt, sealingKey: key, lastKnownEpoch: 0)
            } catch {
                guard case .corruptState = error else { Issue.record("expected corruptState, got \(error)"); continue }
            }
        }
        #expect(throws: TrustedSubsystemError.corruptState("state too short")) {
            try SealedCounterState.decode(Array(bytes.prefix(20)), sealingKey: key, lastKnownEpoch: 0)
        }
        #expect(throws: TrustedSubsystemError.corruptState("state MAC does not verify")) {
            try SealedCounterState.decode(bytes, sealingKey: Self.cluster.keys[1].sealingKey, lastKnownEpoch: 0)
        }
        #expect(throws: TrustedSubsystemError.rolledBack(stateEpoch: t.epoch, lastKnownEpoch: t.epoch + 1)) {
            try SoftwareTrustedSubsystem(restoring: bytes, sealingKey: key, lastKnownEpoch: t.epoch + 1, keys: Self.cluster.keys[0])
        }
    }

    @Test("restart from the file store resumes counters; restart from an old state file is refused")
    func rollbackDetection() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = TrustedStateFileStore(path: dir + "/subsystem-0.state")
        let keys = Self.cluster.keys[0]
        let t = try SoftwareTrustedSubsystem(keys: keys, counters: [0: 3], store: store)
        _ = try t.trinxCertificate(message: [1], counter: Self.a, newValue: 1)
        let oldState = try #require(try store.readState())
        _ = try t.trinxCertificate(message: [2], counter: Self.a, newValue: 2)
        // The certificate for value 2 was persisted before it was returned.
        let onDisk = try SealedCounterState.decode(try #require(try store.readState()), sealingKey: keys.sealingKey, lastKnownEpoch: 0)
        #expect(onDisk.instances[0]?[0] == 2)

        // Clean restart: counters resume, value 2 cannot be certified again.
        let restarted = try SoftwareTrustedSubsystem.restore(from: store, keys: keys)
        #expect(try restarted.currentValue(of: Self.a) == 2)
        #expect(throws: TrustedSubsystemError.self) { try restarted.trinxCertificate(message: [3], counter: Self.a, newValue: 2) }

        // Simulated restart from an older state file (the marker is kept separately).
        try Data(oldState).write(to: URL(fileURLWithPath: store.statePath))
        do {
            _ = try SoftwareTrustedSubsystem.restore(from: store, keys: keys)
            Issue.record("restore from an old state file succeeded")
        } catch {
            guard case .rolledBack = error else { Issue.record("expected rolledBack, got \(error)"); return }
        }
        // A fresh start over an existing subsystem's store is a rollback too.
        #expect(throws: TrustedSubsystemError.self) { try SoftwareTrustedSubsystem(keys: keys, counters: [0: 3], store: store) }
        // A deleted state file with the marker present is refused.
        try FileManager.default.removeItem(atPath: store.statePath)
        #expect(throws: TrustedSubsystemError.self) { try SoftwareTrustedSubsystem.restore(from: store, keys: keys) }
    }

    @Test("a corrupt state file or epoch marker is refused on restart")
    func corruptFiles() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = TrustedStateFileStore(path: dir + "/s.state")
        let keys = Self.cluster.keys[1]
        let t = try SoftwareTrustedSubsystem(keys: keys, counters: [0: 1], store: store)
        _ = try t.continuingCounterCertificate(message: [1], counter: Self.a, newValue: 4)
        var state = try #require(try store.readState())
        state[state.count - 40] ^= 0x80
        try store.writeState(state)
        #expect(throws: TrustedSubsystemError.corruptState("state MAC does not verify")) {
            try SoftwareTrustedSubsystem.restore(from: store, keys: keys)
        }
        var marker = try #require(try store.readMarker())
        marker[6] ^= 1
        try store.writeMarker(marker)
        #expect(throws: TrustedSubsystemError.corruptState("epoch marker MAC does not verify")) {
            try SoftwareTrustedSubsystem.restore(from: store, keys: keys)
        }
    }
}
