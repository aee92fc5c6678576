import DQBFTCore

/// A coarse label for what a packet carries, used to break the bytes a run sends
/// down by message kind (`bytes_by_kind` in the report). D- and O-instance traffic
/// are kept apart, and a D-instance proposal sent by someone other than the
/// instance's original coordinator (DQ flooding) is its own class.
enum TrafficClass {
    static let names: [String] = [
        "request", "reply", "state", "exec-share", "exec-proof",
        "D:propose", "D:propose-forwarded", "D:prepare", "D:commit", "D:commit-proof", "D:checkpoint",
        "D:view-change", "D:fetch", "D:other",
        "O:propose", "O:prepare", "O:commit", "O:commit-proof", "O:checkpoint",
        "O:view-change", "O:fetch", "O:other", "timer",
    ]
    static var count: Int { names.count }
    static let request = 0, reply = 1, timer = names.count - 1
    /// Where the D- and O-instance kinds start in `names`.
    private static let dissemination = 5, ordering = 14

    /// The class index of `message` when replica `sender` transmits it.
    static func of(_ message: WireMessage, sender: Int) -> Int {
        switch message {
        case .request: return request
        case .reply: return reply
        case .stateRequest, .stateReply, .stateChunk: return 2
        case .executionShare: return 3
        case .executionProof: return 4
        case .consensus(_, let instance, let m):
            let local = consensusClass(m)
            if instance == .main { return ordering + local }
            // D-kinds have one extra entry after "propose": copies sent by anyone but
            // the instance's coordinator (forwarders re-sign the envelope).
            if local == 0 { return Int(instance.rawValue) == sender ? dissemination : dissemination + 1 }
            return dissemination + 1 + local
        }
    }

    /// 0 propose, 1 prepare, 2 commit, 3 commit proof, 4 checkpoint,
    /// 5 view change, 6 fetch/payload, 7 other.
    private static func consensusClass(_ m: ConsensusMessage) -> Int {
        switch m {
        case .prePrepare: return 0
        case .prepare: return 1
        case .commit: return 2
        case .checkpoint: return 4
        case .viewChange, .newView: return 5
        case .fetch, .payload: return 6
        case .status: return 7
        case .hybrid(let h):
            switch h {
            case .prepare: return 0
            case .commit, .commitRetry: return 2
            case .commitProof: return 3
            case .viewChange, .newView, .newViewAck, .newViewProof: return 5
            }
        }
    }
}
