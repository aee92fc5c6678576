import Crypto
import DQBFTCore
import DQBFTCrypto
import Foundation
import NIOCore
import Testing
@testable import DQBFTNet

/// Seeded fuzz loops over what a hostile peer controls before and around the
/// handshake: the hello, the cluster file a replica is started with, and sealed
/// frames. The only property: nothing traps, and what is accepted is canonical.
/// `DQBFT_FUZZ_SCALE=N` multiplies the iterations (a long run: N = 100).
@Suite("Fuzz: hello, cluster file, sealed frames")
struct HandshakeFuzzTests {
    static var scale: Int { ProcessInfo.processInfo.environment["DQBFT_FUZZ_SCALE"].flatMap(Int.init) ?? 1 }

    static func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var out = bytes
        switch rng.next() % 6 {
        case 0: out = Array(out.prefix(Int(rng.next() % UInt64(out.count + 1))))
        case 1: out += (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 2: out = (0..<Int(rng.next() % 160)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default:
            for _ in 0..<(1 + Int(rng.next() % 4)) where !out.isEmpty {
                let i = Int(rng.next() % UInt64(out.count))
                out[i] = [0, 0xFF, 1, 2, 0x80, UInt8(truncatingIfNeeded: rng.next())][Int(rng.next() % 6)]
            }
        }
        return out
    }

    @Test("hostile hellos decode without trapping; an accepted one is canonical and owns its ids")
    func helloFuzz() {
        var rng = SeededRandom(seed: 27)
        let key = ClientSigningKey()
        let seeds = [
            Hello(identity: .client(base: key.idBase, lanes: 5), nonce: Array(repeating: 1, count: 32),
                  ephemeralKey: Array(repeating: 2, count: 32), clientKey: key.publicKey).encode(),
            Hello(identity: .replica(ReplicaID(2)), nonce: Array(repeating: 3, count: 32),
                  ephemeralKey: Array(repeating: 4, count: 32)).encode(),
        ]
        var accepted = 0
        let iterations = 200_000 * Self.scale
        for i in 0..<iterations {
            let input = Self.mutate(seeds[i % 2], &rng)
            guard let hello = Hello.decode(input, replicaCount: 4) else { continue }
            accepted += 1
            #expect(hello.encode() == input)
            if case .client(let base, let lanes) = hello.identity {
                #expect(base == ClientSignature.idBase(of: hello.clientKey ?? []) && lanes >= 1 && lanes <= Hello.maxLanes)
            }
        }
        print("hello fuzz: \(iterations) inputs, \(accepted) accepted")
    }

    @Test("hostile cluster files are refused or yield parameters without trapping")
    func clusterFileFuzz() throws {
        var rng = SeededRandom(seed: 2027)
        var tuning = ClusterFile.Tuning()
        tuning.batchSize = 16; tuning.batchTimeoutMs = 1; tuning.requestTimeoutMs = 400; tuning.stateRetryMs = 200
        tuning.checkpointInterval = 8; tuning.windowSize = 32; tuning.progressTimeoutMs = 400; tuning.viewChangeTimeoutMs = 800
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let valid = try encoder.encode(ClusterFile.generate(protocol: "pbft", replicas: 4, tuning: tuning).0)
        let text = String(decoding: valid, as: UTF8.self)
        let fields = ["batchSize", "batchTimeoutMs", "requestTimeoutMs", "stateRetryMs", "checkpointInterval", "windowSize",
                      "progressTimeoutMs", "viewChangeTimeoutMs", "n", "f", "port", "id"]
        let values = ["0", "-1", "1e300", "-1e300", "9223372036854775808", "18446744073709551615", "9223372036854775807",
                      "4.9e-324", "1", "2", "3", "65536", "\"x\"", "null", "[]", "1099511627776"]
        var accepted = 0
        let iterations = 20_000 * Self.scale
        for _ in 0..<iterations {
            var input = text
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let field = fields[Int(rng.next() % UInt64(fields.count))], value = values[Int(rng.next() % UInt64(values.count))]
                guard let range = input.range(of: "\"\(field)\":") else { continue }
                let rest = input[range.upperBound...]
                let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
                input.replaceSubrange(range.upperBound..<end, with: value)
            }
            var bytes = Array(input.utf8)
            if rng.next() % 4 == 0 { bytes = Self.mutate(bytes, &rng) }
            guard let file = try? JSONDecoder().decode(ClusterFile.self, from: Data(bytes)),
                  let validated = try? file.validated() else { continue }
            accepted += 1
            _ = validated.parameters  // must not trap for a validated file
            _ = validated.messageVerifier
        }
        print("cluster file fuzz: \(iterations) inputs, \(accepted) accepted")
    }

    @Test("random sealed frames never open and never trap (MAC and AEAD)")
    func sealedFrameFuzz() throws {
        var rng = SeededRandom(seed: 99)
        let a = Curve25519.KeyAgreement.PrivateKey(), b = Curve25519.KeyAgreement.PrivateKey()
        let shared = try a.sharedSecretFromKeyAgreement(with: b.publicKey)
        let protections = [true, false].map {
            FrameProtection.directional(encrypt: $0, sharedSecret: shared, transcriptHash: Array(repeating: 0, count: 32)).initiatorToResponder
        }
        let iterations = 50_000 * Self.scale
        for i in 0..<iterations {
            let protection = protections[i % 2]
            let genuine = Array(protection.seal(ByteBuffer(bytes: [1, 2, 3, UInt8(truncatingIfNeeded: i)]), counter: UInt64(i)).readableBytesView)
            let input = Self.mutate(genuine, &rng)
            let opened = protection.open(ByteBuffer(bytes: input), counter: UInt64(i))
            #expect(opened == nil || input == genuine)
        }
    }
}
