import Foundation
@testable import DQBFTCore

/// Transcript commands on four whole replicas (`Replica`, so the composition —
/// DQ's D- and O-instances, RCC's rounds — and execution are in the picture), over
/// the FIFO network of `StateTransferTests.Bus`. Commands as in `TranscriptRun`
/// (`deliver [N]`, `drop`, `state`), plus:
/// - `request cK → Ri` — client K's request (timestamp 1, assigned to Ri) reaches Ri;
/// - `timer Ri NAME` — fires Ri's replica timer `batch`, `request`, `orderGate`,
///   `orderWatch`, or an instance's `D2.progress`, `main.viewChange`, ….
struct ReplicaTranscriptRun {
    var replicas: [Replica]
    var queue: [(from: Int, to: Int, message: WireMessage)] = []

    init(_ kind: ProtocolKind) {
        replicas = (0..<4).map { StateTransferTests.Bus.fresh($0, kind) }
    }

    mutating func run(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        var out: [String] = []
        switch words.first {
        case "request":
            guard words.count == 4, words[1].hasPrefix("c"), let k = UInt64(words[1].dropFirst()),
                  let i = TranscriptRun<PBFTInstance>.replica(words[3]) else { return ["(bad request: \(command))"] }
            let r = ClientRequest(client: ClientID(k), timestamp: 1, assignedReplica: ReplicaID(i), operation: [UInt8(k & 0xFF)])
            out += step(i, .request(r), indent: "")
        case "deliver":
            var count = words.dropFirst().first.flatMap(Int.init) ?? Int.max
            while count > 0, !queue.isEmpty {
                count -= 1
                let (from, to, m) = queue.removeFirst()
                out.append("R\(from)→R\(to) \(TranscriptText.wire(m))")
                out += step(to, m, indent: "  ")
            }
        case "drop":
            let ends = (words.dropFirst().first ?? "").components(separatedBy: "→")
            guard ends.count == 2 else { return ["(bad drop: \(command))"] }
            let before = queue.count
            queue.removeAll { (ends[0] == "*" || ends[0] == "R\($0.from)") && (ends[1] == "*" || ends[1] == "R\($0.to)") }
            out.append("dropped \(before - queue.count)")
        case "timer":
            guard words.count == 3, let i = TranscriptRun<PBFTInstance>.replica(words[1]), let timer = Self.timer(words[2]) else {
                return ["(bad timer: \(command))"]
            }
            var effects: [ReplicaEffect] = []
            replicas[i].timerFired(timer, into: &effects)
            out += lines(i, effects, indent: "")
        case "state":
            for (i, r) in replicas.enumerated() {
                out.append("R\(i) executed \(r.lastExecuted.rawValue): \(r.composition.status)")
            }
        default:
            out.append("(unknown command: \(command))")
        }
        return out.isEmpty ? ["(nothing)"] : out
    }

    mutating func step(_ i: Int, _ message: WireMessage, indent: String) -> [String] {
        var effects: [ReplicaEffect] = []
        replicas[i].handle(message, into: &effects)
        return lines(i, effects, indent: indent)
    }

    mutating func lines(_ i: Int, _ effects: [ReplicaEffect], indent: String) -> [String] {
        effects.map { e in
            switch e {
            case .send(let m, let to): queue.append((i, to.index, m))
            case .broadcast(let m): for j in replicas.indices where j != i { queue.append((i, j, m)) }
            default: break
            }
            return "\(indent)R\(i) \(TranscriptText.replicaEffect(e))"
        }
    }

    static func timer(_ name: String) -> ReplicaTimer? {
        switch name {
        case "batch": return .batch
        case "request": return .request
        case "stateTransfer": return .stateTransfer
        case "orderGate": return .orderGate
        case "orderWatch": return .orderWatch
        default:
            let parts = name.split(separator: ".").map(String.init)
            guard parts.count == 2, let t = TranscriptRun<PBFTInstance>.timer(parts[1]) else { return nil }
            if parts[0] == "main" { return .instance(.main, t) }
            guard parts[0].hasPrefix("D"), let r = UInt16(parts[0].dropFirst()) else { return nil }
            return .instance(.dissemination(ReplicaID(r)), t)
        }
    }
}

extension TranscriptText {
    static func replicaEffect(_ e: ReplicaEffect) -> String {
        switch e {
        case .send(let m, let to): return "send R\(to.index) \(wire(m))"
        case .broadcast(let m): return "broadcast \(wire(m))"
        case .reply(let r): return "REPLY c\(r.client.rawValue) t\(r.timestamp) \(r.request == ClientRefusal.replyDigest ? "refused" : "ok")"
        case .setTimer(let t, let nanos): return "set timer \(timer(t)) \(nanos / 1_000_000)ms"
        case .cancelTimer(let t): return "cancel timer \(timer(t))"
        case .executed(let seq, let d, let n): return "EXECUTES s\(seq.rawValue) \(short(d)) (\(n) requests)"
        case .checkpointed(let seq, let d): return "checkpoint s\(seq.rawValue) \(short(d))"
        case .stateInstalled(let seq): return "installs state s\(seq.rawValue)"
        case .viewChanged(let instance, let v): return "\(instance) enters view \(v.rawValue)"
        case .persist(let m): return "persist \(wire(m))"
        }
    }

    static func timer(_ t: ReplicaTimer) -> String {
        switch t {
        case .instance(let id, let timer): return "\(id).\(timer)"
        default: return "\(t)"
        }
    }

    static func wire(_ m: WireMessage) -> String {
        switch m {
        case .request(let r): return "REQUEST c\(r.client.rawValue) t\(r.timestamp) for R\(r.assignedReplica.index)"
        case .reply(let r): return "REPLY c\(r.client.rawValue) t\(r.timestamp)"
        case .consensus(_, let instance, let c): return "[\(instance)] \(message(c))"
        case .stateRequest: return "STATE-REQUEST"
        case .stateReply: return "STATE-REPLY"
        case .stateChunk: return "STATE-CHUNK"
        case .executionShare: return "EXECUTION-SHARE"
        case .executionProof: return "EXECUTION-PROOF"
        }
    }
}
