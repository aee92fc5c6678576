import DQBFTCore
import DQBFTNet
import NIOCore

/// Collects replies for the outstanding request of each client lane and decides
/// when a reply quorum is reached.
///
/// Guarantees: a result is accepted only when `quorum` distinct replicas sent
/// byte-identical results for the exact `(client, timestamp)` outstanding, each naming
/// the outstanding request's digest (a reply for another command that reused the
/// timestamp does not count) — or each naming `ClientRefusal.replyDigest` with the same
/// refusal, which `wait` returns as `.refused`; replies for other requests, unknown
/// lanes or repeated replicas are ignored; every
/// waiter is resumed exactly once (result, timeout or cancellation). Thread-safe.
/// `highestView` only moves to a view that `quorum` (f+1) matching replies report
/// or exceed — the f+1-th highest view among them — so at least one correct
/// replica is there: a Byzantine replica's huge view cannot misdirect the client.
final class ReplyCollector: Sendable {
    /// What a quorum of replicas answered.
    enum Answer: Equatable, Sendable {
        case result([UInt8])
        case refused(ClientRefusal)
    }

    struct Entry {
        var timestamp: UInt64
        var request: Digest
        /// Each replica's latest reply: the request digest it names (the command's, or
        /// the refusal digest) and its result.
        var replies: [ReplicaID: (request: Digest, result: [UInt8], view: ViewNumber)] = [:]
        var result: Answer?
        var waiter: CheckedContinuation<Answer?, Never>?
        var waiterID: UInt64 = 0
        var deadline = NIODeadline.distantFuture
    }

    let quorum: Int
    let state = LockedBox<(entries: [ClientID: Entry], nextWaiter: UInt64, highestView: ViewNumber)>(([:], 0, .zero))

    init(quorum: Int) { self.quorum = quorum }

    var highestView: ViewNumber { state.withLock { $0.highestView } }

    func begin(_ client: ClientID, timestamp: UInt64, request: Digest) {
        state.withLock { $0.entries[client] = Entry(timestamp: timestamp, request: request) }
    }

    func end(_ client: ClientID) {
        let waiter = state.withLock { $0.entries.removeValue(forKey: client)?.waiter }
        waiter?.resume(returning: nil)
    }

    /// Waits up to `timeout` (checked by `expire`, which the owner calls every few
    /// milliseconds) for the quorum result; nil on timeout or cancellation.
    func wait(_ client: ClientID, timeout: TimeAmount) async -> Answer? {
        let id = state.withLock { s -> UInt64 in s.nextWaiter &+= 1; return s.nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Answer?, Never>) in
                let immediate = state.withLock { s -> Answer?? in
                    guard var entry = s.entries[client] else { return .some(nil) }
                    if let result = entry.result { return .some(result) }
                    if Task.isCancelled { return .some(nil) }
                    entry.waiter = continuation
                    entry.waiterID = id
                    entry.deadline = .now() + timeout
                    s.entries[client] = entry
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.resumeWaiter(client, id: id, with: nil)
        }
    }

    /// Ends every wait whose deadline has passed (with nil).
    func expire(now: NIODeadline = .now()) {
        let expired = state.withLock { s -> [CheckedContinuation<Answer?, Never>] in
            var out: [CheckedContinuation<Answer?, Never>] = []
            for (client, var entry) in s.entries where entry.deadline <= now {
                if let w = entry.waiter { out.append(w) }
                entry.waiter = nil
                entry.deadline = .distantFuture
                s.entries[client] = entry
            }
            return out
        }
        for w in expired { w.resume(returning: nil) }
    }

    func resumeWaiter(_ client: ClientID, id: UInt64, with result: Answer?) {
        let waiter = state.withLock { s -> CheckedContinuation<Answer?, Never>? in
            guard var entry = s.entries[client], entry.waiterID == id, let w = entry.waiter else { return nil }
            entry.waiter = nil
            s.entries[client] = entry
            return w
        }
        waiter?.resume(returning: result)
    }

    /// Records one reply (any thread).
    func deliver(_ reply: ClientReply) {
        let refusal = reply.request == ClientRefusal.replyDigest ? ClientRefusal(result: reply.result) : nil
        let waiter = state.withLock { s -> (CheckedContinuation<Answer?, Never>, Answer)? in
            guard var entry = s.entries[reply.client], entry.timestamp == reply.timestamp,
                  entry.request == reply.request || refusal != nil, entry.result == nil else { return nil }
            entry.replies[reply.replica] = (reply.request, reply.result, reply.view)
            let views = entry.replies.values.filter { $0.request == reply.request && $0.result == reply.result }
                .map(\.view).sorted(by: >)
            guard views.count >= quorum else { s.entries[reply.client] = entry; return nil }
            let answer = refusal.map(Answer.refused) ?? .result(reply.result)
            entry.result = answer
            let vouched = views[quorum - 1]  // the f+1-th highest: some correct replica is at least there
            if vouched > s.highestView { s.highestView = vouched }
            let w = entry.waiter
            entry.waiter = nil
            s.entries[reply.client] = entry
            return w.map { ($0, answer) }
        }
        if let (w, answer) = waiter { w.resume(returning: answer) }
    }
}
