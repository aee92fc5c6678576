import Foundation
import Testing

@testable import DQBFTSim

/// The JSON-lines history format shared by `dqbft simulate --history` and
/// `dqbft check-history`.
@Suite("History format")
struct HistoryFormatTests {
    static let samples: [HistoryOperation] = [
        HistoryOperation(client: 3, kind: .put, key: "k12_________________", value: "c3t5", invokeNanos: 1_234_567_891,
                         completeNanos: 1_300_000_000, result: .value("c2t9")),
        HistoryOperation(client: 4, kind: .put, key: "k1", value: "c4t1", invokeNanos: 0, completeNanos: 5, result: .absent),
        HistoryOperation(client: 5, kind: .put, key: "k1", value: "c5t1", invokeNanos: 7, completeNanos: 9, result: .unknown),
        HistoryOperation(client: 6, kind: .get, key: "k\"\\\n\u{1}é", invokeNanos: 10, completeNanos: 20, result: .value("c4t1")),
        HistoryOperation(client: 6, kind: .get, key: "k2", invokeNanos: 20, completeNanos: 30, result: .absent),
        HistoryOperation(client: 7, kind: .delete, key: "k1", invokeNanos: 3_600_000_000_000, completeNanos: 3_600_000_000_001,
                         result: .value("c5t1")),
        HistoryOperation(client: 7, kind: .delete, key: "k1", invokeNanos: 1, completeNanos: 2, result: .present),
        HistoryOperation(client: 8, kind: .put, key: "k1", value: "c8t2", invokeNanos: 40, completeNanos: nil, result: .unknown),
        HistoryOperation(client: 9, kind: .get, key: "k1", invokeNanos: 40, completeNanos: nil, result: .unknown),
    ]

    @Test("every operation survives a JSON line round trip")
    func roundTrip() throws {
        for op in Self.samples {
            #expect(try HistoryOperation.parse(Array(op.jsonLine.utf8)[...]) == op, "\(op.jsonLine)")
        }
        let file = Self.samples.map { $0.jsonLine + "\n" }.joined() + "\n  \n"
        #expect(try HistoryOperation.parseLines(Array(file.utf8)) == Self.samples)
    }

    @Test("a line keeps today's fields: client, op, key, value, invoke_s, complete_s, result")
    func fieldsAndSpelling() {
        #expect(Self.samples[0].jsonLine == #"{"client":3,"op":"put","key":"k12_________________","value":"c3t5","#
            + #""invoke_s":1.234567891,"complete_s":1.300000000,"result":"c2t9"}"#)
        #expect(Self.samples[4].jsonLine.hasSuffix(#""value":null,"invoke_s":0.000000020,"complete_s":0.000000030,"result":null}"#))
        #expect(Self.samples[2].jsonLine.hasSuffix(#""result":"ok"}"#))
        #expect(Self.samples[7].jsonLine.hasSuffix(#""complete_s":null,"result":null}"#))
    }

    @Test("foreign spellings are accepted: field order, spaces, escapes, exponents, unknown fields")
    func lenientWhereHarmless() throws {
        let line = #" { "result" : "c\u0031t2" , "op":"get","key":"k","invoke_s":1e-3,"complete_s":2E-3,"client":1,"#
            + #""extra":[1,{"a":null},true] } "#
        let op = try HistoryOperation.parse(Array(line.utf8)[...])
        #expect(op == HistoryOperation(client: 1, kind: .get, key: "k", invokeNanos: 1_000_000, completeNanos: 2_000_000,
                                       result: .value("c1t2")))
    }

    @Test("malformed lines are errors naming the line and what is wrong")
    func malformedLines() {
        let good = Self.samples[0].jsonLine
        let cases: [(String, String)] = [
            ("not json", "invalid JSON"),
            ("[1,2]", "expected a JSON object"),
            (String(good.dropLast()), "invalid JSON"),
            (good + "x", "unexpected text"),
            (good.replacingOccurrences(of: #""op":"put""#, with: #""op":"cas""#), "\"op\""),
            (good.replacingOccurrences(of: #""client":3,"#, with: ""), "missing field \"client\""),
            (good.replacingOccurrences(of: #""client":3"#, with: #""client":-3"#), "\"client\""),
            (good.replacingOccurrences(of: #""client":3"#, with: #""client":3.5"#), "\"client\""),
            (good.replacingOccurrences(of: #""value":"c3t5""#, with: #""value":null"#), "\"value\""),
            (good.replacingOccurrences(of: #""complete_s":1.300000000"#, with: #""complete_s":1.0"#), "at least invoke_s"),
            (good.replacingOccurrences(of: #""invoke_s":1.234567891"#, with: #""invoke_s":"soon""#), "\"invoke_s\""),
            (good.replacingOccurrences(of: #""result":"c2t9""#, with: #""result":7"#), "\"result\""),
            (good.replacingOccurrences(of: #""client":3"#, with: #""client":3,"client":4"#), "duplicate field"),
            (good.replacingOccurrences(of: #""key":"k12"#, with: #""key":"\x"#), "bad escape"),
            (good.replacingOccurrences(of: #""c3t5""#, with: #""\ud800""#), "surrogate"),
            (good.replacingOccurrences(of: #"1.234567891"#, with: #"01.2"#), "invalid JSON"),
            (String(repeating: "[", count: 100), "nested deeper"),
        ]
        for (text, expected) in cases {
            let file = Self.samples[1].jsonLine + "\n" + text + "\n"
            do {
                _ = try HistoryOperation.parseLines(Array(file.utf8))
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == 2, "\(text)")
                #expect(error.description.contains(expected), "\(text): \(error)")
            }
        }
    }

    @Test("random bytes never crash the parser")
    func randomBytes() {
        var rng = SimRandom(seed: 9)
        let alphabet = Array(#"{}[]":,0123456789.eE-+ntrufals\"ukv_"#.utf8) + [0, 0x0A, 0xC3, 0xFF]
        let good = Array(Self.samples[0].jsonLine.utf8)
        for round in 0..<3000 {
            var bytes = good
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 60)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                for _ in 0..<1 + Int(rng.next() % 4) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            _ = try? HistoryOperation.parseLines(bytes)
        }
    }
}
