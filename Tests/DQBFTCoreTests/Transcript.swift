import Foundation
import Testing
@testable import DQBFTCore

/// A transcript test in the style of etcd raft's data-driven tests: a checked-in
/// file of commands, each followed by `----` and the effects the instances emitted
/// while it ran, one line per effect. Running the file again must print the same
/// lines; a change of behaviour shows up as a readable diff of messages, timers and
/// deliveries, and `DQBFT_REWRITE_TRANSCRIPTS=1` rewrites the files after a
/// deliberate change (review the diff before committing it).
///
/// File format: blocks separated by blank lines; a block is one command line, a
/// `----` line, and the expected output (never blank; `(nothing)` when empty).
/// Lines starting with `#` before a command are comments, kept on rewrite.
///
/// Commands (replicas are `R0`…):
/// - `propose K` — the primary of the active view proposes payload K (a batch of one
///   request of client K);
/// - `deliver [N]` — delivers the first N queued messages (all by default), oldest
///   first, printing `Ri→Rj MESSAGE` and then the receiver's effects, indented;
/// - `drop Ri→Rj` / `drop Ri→*` / `drop *→Rj` — loses the matching queued messages;
/// - `timer Ri KIND` — fires Ri's timer (progress, viewChange, fetch, collector);
/// - `suspect Ri` — Ri suspects its primary;
/// - `state` — each replica's view, whether it is active, its last delivered slot
///   and low watermark.
/// Checkpoints are taken as an owner would: after every checkpoint slot, with a
/// digest of what the replica delivered.
struct TranscriptFile {
    struct Block { var comments: [String]; var command: String; var output: [String] }
    var blocks: [Block]

    init(text: String) {
        var blocks: [Block] = []
        var comments: [String] = []
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.popFirst() {
            if line.isEmpty { continue }
            if line.hasPrefix("#") { comments.append(line); continue }
            var output: [String] = []
            if lines.first == "----" {
                lines.removeFirst()
                while let next = lines.first, !next.isEmpty { output.append(next); lines.removeFirst() }
            }
            blocks.append(Block(comments: comments, command: line, output: output))
            comments = []
        }
        self.blocks = blocks
    }

    var text: String {
        blocks.map { ($0.comments + [$0.command, "----"] + $0.output).joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Transcripts")
}

/// Runs transcript commands on N instances of one type over a FIFO network.
struct TranscriptRun<Instance: ConsensusInstance> {
    var cluster: InstanceCluster<Instance>

    init(_ cluster: InstanceCluster<Instance>) { self.cluster = cluster }

    /// Runs one command; its output lines.
    mutating func run(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        var out: [String] = []
        switch words.first {
        case "propose":
            guard let k = words.dropFirst().first.flatMap(Int.init), let i = cluster.proposer else { return ["(no proposer)"] }
            var effects: [InstanceEffect] = []
            cluster.nodes[i].propose(Runner<Instance>.payload(k), into: &effects)
            out += effectLines(i, effects, indent: "")
        case "deliver":
            var count = words.dropFirst().first.flatMap(Int.init) ?? Int.max
            while count > 0, !cluster.queue.isEmpty {
                count -= 1
                let (from, to, m) = cluster.queue.removeFirst()
                out.append("R\(from.index)→R\(to.index) \(TranscriptText.message(m))")
                guard cluster.verifier.verify(.consensus(from: from, instance: cluster.nodes[to.index].id, m), channelPeer: from) else {
                    out.append("  (refused by the verifier)")
                    continue
                }
                var effects: [InstanceEffect] = []
                cluster.nodes[to.index].receive(m, from: from, into: &effects)
                out += effectLines(to.index, effects, indent: "  ")
            }
        case "drop":
            let ends = (words.dropFirst().first ?? "").components(separatedBy: "→")
            guard ends.count == 2 else { return ["(bad drop: \(command))"] }
            func matches(_ pattern: String, _ r: ReplicaID) -> Bool { pattern == "*" || pattern == "R\(r.index)" }
            let before = cluster.queue.count
            cluster.queue.removeAll { matches(ends[0], $0.from) && matches(ends[1], $0.to) }
            out.append("dropped \(before - cluster.queue.count)")
        case "timer":
            guard words.count == 3, let i = Self.replica(words[1]), let timer = Self.timer(words[2]) else { return ["(bad timer: \(command))"] }
            var effects: [InstanceEffect] = []
            cluster.nodes[i].timerFired(timer, into: &effects)
            out += effectLines(i, effects, indent: "")
        case "suspect":
            guard words.count == 2, let i = Self.replica(words[1]) else { return ["(bad suspect: \(command))"] }
            var effects: [InstanceEffect] = []
            cluster.nodes[i].suspectPrimary(into: &effects)
            out += effectLines(i, effects, indent: "")
        case "state":
            for (i, n) in cluster.nodes.enumerated() {
                out.append("R\(i) view \(n.view.rawValue)\(n.isViewActive ? "" : " (changing)") primary R\(n.primary.index) "
                           + "delivered \(n.lastDelivered.rawValue) low \(n.lowWatermark.rawValue) queued \(cluster.queue.count { $0.to.index == i })")
            }
        default:
            out.append("(unknown command: \(command))")
        }
        return out.isEmpty ? ["(nothing)"] : out
    }

    /// Applies `effects` of replica `i` (as `InstanceCluster.apply` does) and
    /// describes each, including those of checkpoints the owner takes.
    mutating func effectLines(_ i: Int, _ effects: [InstanceEffect], indent: String) -> [String] {
        var lines: [String] = []
        for e in effects {
            lines.append("\(indent)R\(i) \(TranscriptText.effect(e))")
            guard case .committed(let seq, let p) = e else { cluster.apply(i, [e]); continue }
            cluster.delivered[i][seq] = p.digest
            guard cluster.nodes[i].isCheckpoint(seq) else { continue }
            // The owner checkpoints: show what that emits.
            var out: [InstanceEffect] = []
            let state = InstanceCluster<Instance>.prefixDigest(cluster.delivered[i], through: seq)
            cluster.nodes[i].checkpoint(at: seq, stateDigest: state, into: &out)
            lines += effectLines(i, out, indent: indent + "  ")
        }
        return lines
    }

    static func replica(_ word: String) -> Int? { word.hasPrefix("R") ? Int(word.dropFirst()) : nil }

    static func timer(_ word: String) -> InstanceTimer? {
        switch word {
        case "progress": return .progress
        case "viewChange": return .viewChange
        case "fetch": return .fetch
        case "collector": return .collector
        default: return nil
        }
    }
}

/// One-line descriptions of what instances emit: kind, view, slot, a short digest.
enum TranscriptText {
    static func short(_ d: Digest) -> String { String(d.description.prefix(6)) }

    static func payload(_ p: Payload) -> String {
        switch p {
        case .requests(let b) where b.requests.isEmpty: return "no-op"
        case .requests(let b): return "batch[" + b.requests.map { "c\($0.client.rawValue)" }.joined(separator: ",") + "]"
        case .order(let o): return "order[" + o.refs.map { "R\($0.replica.index):s\($0.sequence.rawValue)" }.joined(separator: ",") + "]"
        }
    }

    static func effect(_ e: InstanceEffect) -> String {
        switch e {
        case .broadcast(let m): return "broadcast \(message(m))"
        case .send(let m, let to): return "send R\(to.index) \(message(m))"
        case .setTimer(let t, let nanos): return "set timer \(t) \(nanos / 1_000_000)ms"
        case .cancelTimer(let t): return "cancel timer \(t)"
        case .committed(let seq, let p): return "DELIVERS s\(seq.rawValue) \(payload(p))"
        case .viewChanged(let v, let primary): return "enters view \(v.rawValue) (primary R\(primary.index))"
        case .needsState(let seq, let d): return "needs state s\(seq.rawValue) \(short(d))"
        case .checkpointStable(let seq): return "checkpoint stable s\(seq.rawValue)"
        case .persist(let m): return "persist \(message(m))"
        }
    }

    static func message(_ m: ConsensusMessage) -> String {
        switch m {
        case .prePrepare(let p): return "PRE-PREPARE v\(p.view.rawValue) s\(p.sequence.rawValue) \(payload(p.payload))"
        case .prepare(let v): return "PREPARE v\(v.view.rawValue) s\(v.sequence.rawValue) \(short(v.digest))"
        case .commit(let v): return "COMMIT v\(v.view.rawValue) s\(v.sequence.rawValue) \(short(v.digest))"
        case .checkpoint(let c): return "CHECKPOINT s\(c.sequence.rawValue) by R\(c.sender.index) \(short(c.stateDigest))"
        case .viewChange(let v):
            let c = v.signed.viewChange
            return "VIEW-CHANGE v\(c.newView.rawValue) by R\(v.signed.sender.index) stable s\(c.stableSequence.rawValue) prepared \(c.prepared.count)"
        case .newView(let n):
            return "NEW-VIEW v\(n.view.rawValue) from \(n.viewChanges.count) view changes, s\(n.startSequence.rawValue)+\(n.proposals.count)"
        case .fetch(let d): return "FETCH \(short(d))"
        case .payload(let p): return "PAYLOAD \(payload(p))"
        case .status(let v, let s): return "STATUS v\(v.rawValue) stable s\(s.rawValue)"
        case .hybrid(let h): return hybrid(h)
        }
    }

    static func hybrid(_ h: HybridMessage) -> String {
        switch h {
        case .prepare(let p): return "H-PREPARE v\(p.view.rawValue) s\(p.sequence.rawValue) \(payload(p.payload))"
        case .commit(let c): return "H-COMMIT v\(c.view.rawValue) s\(c.sequence.rawValue) \(short(c.digest))"
        case .commitProof(let c): return "H-COMMIT-PROOF v\(c.view.rawValue) s\(c.sequence.rawValue) \(short(c.digest))"
        case .commitRetry(let c): return "H-COMMIT-RETRY v\(c.view.rawValue) s\(c.sequence.rawValue) \(short(c.digest))"
        case .viewChange(let v): return "H-VIEW-CHANGE v\(v.newView.rawValue) by R\(v.sender.index)"
        case .newView(let n):
            let d = n.decision
            return "H-NEW-VIEW v\(d.view.rawValue) from \(n.viewChanges.count) view changes, s\(d.startSequence.rawValue)+\(d.proposals.count)"
        case .newViewAck(let a): return "H-NEW-VIEW-ACK v\(a.view.rawValue) \(short(a.decisionDigest))"
        case .newViewProof(let p): return "H-NEW-VIEW-PROOF v\(p.decision.view.rawValue)"
        }
    }
}
